from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    """The simulated ePUAP platform: a separate system with its own tables, reached only over HTTP (SOAP)."""

    name = "epuap.platform"
    label = "epuap_platform"
    verbose_name = _("Simulated ePUAP platform")
    default_auto_field = "django.db.models.BigAutoField"
