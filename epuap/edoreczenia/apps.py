from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdoreczeniaConfig(AppConfig):
    """The simulated e-Doręczenia service (User Agent REST API, BAE): a separate system reached over HTTP."""

    name = "epuap.edoreczenia"
    label = "epuap_edoreczenia"
    verbose_name = _("Simulated e-Doręczenia")
    default_auto_field = "django.db.models.BigAutoField"
