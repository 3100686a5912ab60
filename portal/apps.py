from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Residents portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from core.demo import register_seeder
        from portal.demo import seed_demo

        register_seeder("portal", seed_demo, order=90)
