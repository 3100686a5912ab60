"""Forms of the dispatch desk (input parsing only; the rules live in the services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import PostalBook, Receipt, Shipment
from documents.services.dispatch import FORCED_CHANNELS
from documents.services.receipts import ZPO_MANNERS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def channel_choices():
    return [("", _("chosen by the system (ADE → ePUAP → post)"))] + [
        (c.value, c.label) for c in Shipment.Channel if c.value in FORCED_CHANNELS
    ]


class BookAddForm(forms.Form):
    kind = forms.ChoiceField(label=_("book"), choices=PostalBook.Kind.choices, initial="post")
    registered = forms.BooleanField(label=_("registered with ZPO"), required=False, initial=True)
    registered_number = forms.CharField(
        label=_("registered number"),
        max_length=40,
        required=False,
        help_text=_("from the label; empty: the next number of the office's range"),
    )


class ZpoForm(forms.Form):
    registered_number = forms.CharField(label=_("registered number"), max_length=40, required=False)
    shipment = forms.IntegerField(widget=forms.HiddenInput, required=False)
    manner = forms.ChoiceField(
        label=_("manner of delivery"), choices=[(m.value, m.label) for m in Receipt.Manner if m.value in ZPO_MANNERS]
    )
    delivered_on = forms.DateField(label=_("delivery date"), required=False, widget=DATE)
    first_notice_on = forms.DateField(label=_("first notice (awizo)"), required=False, widget=DATE)
    second_notice_on = forms.DateField(
        label=_("second notice"), required=False, widget=DATE, help_text=_("empty: 7 days after the first notice")
    )
    scan = forms.FileField(label=_("scan of the ZPO"), required=False)


class ResolveForm(forms.Form):
    shipment_number = forms.CharField(
        label=_("shipment (number/year of the outgoing register)"), max_length=20, required=False
    )
    discard_reason = forms.CharField(
        label=_("reason to discard"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=_("addressee or registered number"), required=False)
    year = forms.IntegerField(label=_("year"), required=False)
    channel = forms.ChoiceField(label=_("channel"), required=False, choices=[("", "—"), *Shipment.Channel.choices])
    status = forms.ChoiceField(label=_("status"), required=False, choices=[("", "—"), *Shipment.Status.choices])
