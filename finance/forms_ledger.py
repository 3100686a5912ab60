"""Forms of the ledger screens: a period (from–to), closing a month, a refund order."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


def _date_field(label):
    return forms.DateField(
        label=label,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(format="%d.%m.%Y", attrs={"placeholder": "dd.mm.rrrr"}),
    )


class PeriodForm(forms.Form):
    date_from = _date_field(_("From"))
    date_to = _date_field(_("To"))

    @classmethod
    def from_query(cls, query):
        """Bound to ``?from=&to=`` (default: from the first day of the current year to today)."""
        today = timezone.localdate()
        data = {
            "date_from": query.get("from") or datetime.date(today.year, 1, 1).strftime("%d.%m.%Y"),
            "date_to": query.get("to") or today.strftime("%d.%m.%Y"),
        }
        return cls(data)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data


class PeriodCloseForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.IntegerField(label=_("Month"), min_value=1, max_value=12)


class RefundOrderForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"), localize=True
    )
    target_account = forms.CharField(
        label=_("Refund to account (NRB)"),
        max_length=40,
        required=False,
        help_text=_("Leave empty to refund to the account of the latest payment."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=100, required=False)
