"""Public holidays (dni ustawowo wolne od pracy) as dated reference data.

The rows ship in ``core/data/public_holidays.csv`` (ustawa z 18.01.1951 o dniach wolnych od pracy, with
24 December from 2025) and are inserted by ``reference_sync`` after every migrate; an administrator adds
rows for later years or one-off days in the admin. Deadlines (KPA art. 57 §4, Ordynacja art. 12 §5) read them
through :func:`core.selectors.holidays_between`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PublicHoliday(models.Model):
    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("public holiday")
        verbose_name_plural = _("public holidays")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.name}"
