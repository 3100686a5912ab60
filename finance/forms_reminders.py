"""Forms of the reminder screens: a new run (type, cut-off, issue date), adding a debtor by hand."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from finance.forms_bank import PaymentResolveForm
from finance.models import ReceivableType


class ReminderRunForm(forms.Form):
    receivable_type = forms.ModelChoiceField(
        label=_("Receivable type"), queryset=ReceivableType.objects.filter(is_active=True), required=False,
        empty_label=_("— all —"),
    )  # fmt: skip
    cutoff_date = forms.DateField(label=_("Arrears due on or before"))
    issue_date = forms.DateField(label=_("Issue date"))


class ReminderAddForm(forms.Form):
    party = forms.CharField(label=_("Debtor"), max_length=20, help_text=_("PESEL, NIP or the number of the party."))
    clean_party = PaymentResolveForm.clean_party


class ExcludeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
