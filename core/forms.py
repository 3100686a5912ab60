"""Back-office forms for the party register. They only collect input; services validate the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import Locality, Party, Street
from core.services.parties import AddressInput, PartyInput


class ServiceErrorsForm(forms.Form):
    """A form that shows a service's refusal: errors of its own fields on them, the rest (and a refusal without
    field errors: its message) above the form."""

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

    def add_refusal(self, exc) -> None:
        """``exc``: an ``ApplicationError`` (``ServiceValidationError`` carries ``errors``)."""
        errors = getattr(exc, "errors", None) or {}
        if not errors:
            self.add_error(None, exc.message)
        self.add_service_errors(errors)


class PartySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all")), *Party.Kind.choices])


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Party.Kind.choices)
    pesel = forms.CharField(label=_("PESEL"), required=False, max_length=13)
    first_names = forms.CharField(label=_("First names"), required=False, max_length=150)
    surname = forms.CharField(label=_("Surname"), required=False, max_length=150)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, help_text=_("dd.mm.yyyy"))
    name = forms.CharField(label=_("Name"), required=False, max_length=300)
    legal_form = forms.CharField(label=_("Legal form"), required=False, max_length=100)
    nip = forms.CharField(label=_("NIP"), required=False, max_length=13)
    regon = forms.CharField(label=_("REGON"), required=False, max_length=14)
    krs = forms.CharField(label=_("KRS"), required=False, max_length=10)
    epuap_box = forms.CharField(label=_("ePUAP box address"), required=False, max_length=200)
    ade_address = forms.CharField(label=_("e-Delivery address (ADE)"), required=False, max_length=64)
    email = forms.EmailField(label=_("E-mail"), required=False)
    email_consent = forms.BooleanField(label=_("Consents to contact by e-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=20)
    phone_consent = forms.BooleanField(label=_("Consents to contact by phone/SMS"), required=False)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.all(), required=False)
    street = forms.ModelChoiceField(label=_("Street"), queryset=Street.objects.none(), required=False)
    building_number = forms.CharField(label=_("Building number"), required=False, max_length=20)
    flat_number = forms.CharField(label=_("Flat number"), required=False, max_length=20)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=6)

    ADDRESS_FIELDS = ("locality", "street", "building_number", "flat_number", "postal_code")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locality_id = self.data.get("locality") or self.initial.get("locality")
        if locality_id:
            self.fields["street"].queryset = Street.objects.filter(locality_id=locality_id)

    @classmethod
    def initial_from(cls, party: Party) -> dict:
        initial = {name: getattr(party, name) for name in cls.base_fields if hasattr(party, name)}
        initial["pesel"] = party.pesel or ""
        initial["nip"] = party.nip or ""
        address = party.registered_address
        if address:
            initial.update(
                locality=address.locality_id,
                street=address.street_id,
                building_number=address.building_number,
                flat_number=address.flat_number,
                postal_code=address.postal_code,
            )
        return initial

    def to_input(self) -> PartyInput:
        data = self.cleaned_data
        has_address = any(data.get(name) for name in self.ADDRESS_FIELDS)
        address = (
            AddressInput(
                locality_id=data["locality"].pk if data.get("locality") else None,
                street_id=data["street"].pk if data.get("street") else None,
                building_number=data.get("building_number", ""),
                flat_number=data.get("flat_number", ""),
                postal_code=data.get("postal_code", ""),
            )
            if has_address
            else None
        )
        return PartyInput(
            kind=data["kind"],
            pesel=data.get("pesel", ""),
            first_names=data.get("first_names", ""),
            surname=data.get("surname", ""),
            birth_date=data.get("birth_date"),
            name=data.get("name", ""),
            legal_form=data.get("legal_form", ""),
            nip=data.get("nip", ""),
            regon=data.get("regon", ""),
            krs=data.get("krs", ""),
            epuap_box=data.get("epuap_box", ""),
            ade_address=data.get("ade_address", ""),
            email=data.get("email", ""),
            email_consent=data.get("email_consent", False),
            phone=data.get("phone", ""),
            phone_consent=data.get("phone_consent", False),
            address=address,
        )

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            name = field.removeprefix("address.")
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)
