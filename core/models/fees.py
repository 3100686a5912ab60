"""Dated reference data for fees (e.g. opłata skarbowa). An administrator adds new rows in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeRate(models.Model):
    code = models.CharField(_("code"), max_length=50, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)

    class Meta:
        ordering = ["code", "-valid_from"]
        verbose_name = _("fee rate")
        verbose_name_plural = _("fee rates")
        constraints = [models.UniqueConstraint(fields=["code", "valid_from"], name="fee_rate_unique_code_date")]

    def __str__(self) -> str:
        return f"{self.code} {self.amount} od {self.valid_from:%d.%m.%Y}"
