from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpuapConfig(AppConfig):
    name = "epuap"
    verbose_name = _("ePUAP and e-Doręczenia")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core import navigation, roles

        perms = (
            "epuap.view_inbounddocument",
            "epuap.decide_quarantine",
            "epuap.view_adapter_status",
            "epuap.view_pollstate",
        )
        roles.grant(roles.REGISTRY_CLERK, *perms)
        roles.grant(roles.ADMINISTRATOR, *perms)
        navigation.register(
            navigation.MenuItem(
                "epuap-inbound", _("ePUAP inbox"), "epuap:inbound-list", "epuap.view_inbounddocument", 40
            )
        )
