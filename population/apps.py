from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PopulationConfig(AppConfig):
    name = "population"
    verbose_name = _("Population register (ewidencja ludności)")
    default_auto_field = "django.db.models.BigAutoField"
