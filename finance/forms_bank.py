"""Forms of the bank screens: statement upload (bounded size), resolving an unidentified payment, payment date."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import Party
from finance.models import BankProfile, ReceivableType

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class StatementUploadForm(forms.Form):
    profile = forms.ModelChoiceField(label=_("Bank"), queryset=BankProfile.objects.filter(is_active=True))
    file = forms.FileField(label=_("Statement file (MT940)"), help_text=_("A .sta / .mt940 file, at most 10 MB."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 10 MB)."))
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class PaymentResolveForm(forms.Form):
    party = forms.CharField(
        label=_("Payer"), max_length=20, help_text=_("PESEL, NIP or the number of the party in the register.")
    )
    receivable_type = forms.ModelChoiceField(
        label=_("Receivable the payment is for"),
        queryset=ReceivableType.objects.filter(is_active=True),
        required=False,
        empty_label=_("— not indicated —"),
    )

    def clean_party(self):
        value = self.cleaned_data["party"].replace("-", "").replace(" ", "")
        if not value.isdigit():
            raise forms.ValidationError(_("Enter a PESEL, a NIP or a party number."))
        query = Q(pesel=value) | Q(nip=value)
        if len(value) < 10:
            query |= Q(pk=int(value))
        parties = list(Party.objects.filter(query)[:2])
        if len(parties) != 1:
            raise forms.ValidationError(_("No single party matches %(value)s.") % {"value": value})
        return parties[0]


class PaymentDateForm(forms.Form):
    payment_date = forms.DateField(label=_("Payment date (the payer's debit date)"))
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("E.g. the payer's bank confirmation."))
