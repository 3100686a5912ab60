from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxesConfig(AppConfig):
    name = "taxes"
    verbose_name = _("Local taxes and fees")
    default_auto_field = "django.db.models.BigAutoField"
