from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EpuapConfig(AppConfig):
    name = "epuap"
    verbose_name = _("ePUAP and e-Doręczenia")
    default_auto_field = "django.db.models.BigAutoField"
