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
        from core.demo import register_seeder
        from epuap.demo import seed_epuap

        register_seeder("epuap", seed_epuap, order=30)
        dispatch_perms = ("epuap.view_dispatch",)
        roles.grant(roles.REGISTRY_CLERK, *dispatch_perms)
        roles.grant(roles.ADMINISTRATOR, *dispatch_perms)
        navigation.register(
            navigation.MenuItem(
                "epuap-dispatches", _("Outgoing dispatches"), "epuap:dispatch-list", "epuap.view_dispatch", 41
            )
        )
