"""Back-office forms of the residents register. They only collect input; the services apply the rules.

``add_service_errors`` puts each message of a ServiceValidationError (field → messages) next to the field
it concerns; a message about no field of the form goes to the top of the form.
"""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.domain.identifiers import IdentifierError, validate_pesel
from core.models import Locality, Party, Street
from core.services.parties import AddressInput, PartyInput
from population.models import Registration, Resident
from population.services import ResidentInput

DATE_HELP = _("dd.mm.yyyy")


def gmina_localities():
    """Localities of the office's gmina (registrations are kept by the gmina of the address)."""
    return Locality.objects.filter(gmina__code__startswith=settings.MAGISTRAT_GMINA_TERC[:6]).order_by("name", "sym")


class ServiceErrorsMixin:
    #: service field name → form field name, where they differ
    error_fields: dict[str, str] = {}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            name = self.error_fields.get(field, field.removeprefix("address."))
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class DateField(forms.DateField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", DATE_HELP)
        kwargs.setdefault("widget", forms.DateInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(*args, **kwargs)


# --- search --------------------------------------------------------------------------------------


class ResidentSearchForm(forms.Form):
    q = forms.CharField(label=_("Surname, first name or PESEL"), required=False, max_length=100)
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none(), required=False)
    street = forms.ModelChoiceField(label=_("Street"), queryset=Street.objects.none(), required=False)
    building = forms.CharField(label=_("Building number"), required=False, max_length=20)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all")), *Resident.Status.choices])
    citizenship = forms.CharField(
        label=_("Citizenship"), required=False, max_length=2, help_text=_("country code, e.g. UA")
    )
    foreigners = forms.BooleanField(label=_("Foreigners only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localities = gmina_localities()
        self.fields["locality"].queryset = localities
        # Any street of the gmina is accepted (one of another locality is dropped in clean(): the street
        # select is reloaded after the search that a change of locality starts); the options offered
        # are those of the chosen locality.
        self.fields["street"].queryset = Street.objects.filter(locality__in=localities)
        locality_id = self.data.get("locality")
        streets = Street.objects.filter(locality_id=locality_id) if str(locality_id or "").isdigit() else []
        self.fields["street"].choices = [("", "---------"), *((s.pk, s.full_name) for s in streets)]

    def clean(self):
        data = super().clean()
        street, locality = data.get("street"), data.get("locality")
        if street and (locality is None or street.locality_id != locality.pk):
            data["street"] = None
        return data

    def clean_citizenship(self) -> str:
        value = self.cleaned_data["citizenship"].strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise forms.ValidationError(_("Enter a two-letter country code (PL, UA, DE…)."))
        return value

    def filters(self) -> dict:
        """Keyword arguments of selectors.resident_search (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "query": data["q"],
            "locality_id": data["locality"].pk if data["locality"] else None,
            "street_id": data["street"].pk if data["street"] else None,
            "building_number": data["building"],
            "status": data["status"],
            "citizenship": data["citizenship"],
            "foreigners": data["foreigners"],
        }


# --- adding a person to the register ----------------------------------------------------------------


class ResidentCreateForm(ServiceErrorsMixin, forms.Form):
    EXISTING = "existing"
    NEW = "new"

    source = forms.ChoiceField(
        label=_("Person"),
        choices=[
            (EXISTING, _("already in the party register (find by PESEL)")),
            (NEW, _("new person (enter into the party register)")),
        ],
        initial=EXISTING,
        widget=forms.RadioSelect,
    )
    pesel = forms.CharField(label=_("PESEL"), required=False, max_length=13)
    first_names = forms.CharField(label=_("First names"), required=False, max_length=150)
    surname = forms.CharField(label=_("Surname"), required=False, max_length=150)
    birth_date = DateField(label=_("Date of birth"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=[("", "—"), *Party.Sex.choices])
    citizenship = forms.CharField(
        label=_("Citizenship"),
        max_length=2,
        initial="PL",
        help_text=_("PL for Polish citizens; XX for stateless persons."),
    )
    family_name = forms.CharField(label=_("Family (maiden) name"), required=False, max_length=150)
    father_name = forms.CharField(label=_("Father's first name"), required=False, max_length=100)
    mother_name = forms.CharField(label=_("Mother's first name"), required=False, max_length=100)
    birth_place = forms.CharField(label=_("Place of birth"), required=False, max_length=100)

    error_fields = {"party": "pesel"}

    def clean(self):
        data = super().clean()
        if data.get("source") == self.EXISTING:
            pesel = (data.get("pesel") or "").strip()
            if not pesel:
                self.add_error("pesel", _("Enter the PESEL of the person."))
            else:
                try:
                    data["pesel"] = validate_pesel(pesel).number
                except IdentifierError as exc:
                    self.add_error("pesel", exc.message)
        return data

    def party_input(self) -> PartyInput:
        data = self.cleaned_data
        return PartyInput(
            kind=Party.Kind.PERSON,
            pesel=data["pesel"],
            first_names=data["first_names"],
            surname=data["surname"],
            birth_date=data["birth_date"],
            sex=data["sex"],
        )

    def resident_input(self) -> ResidentInput:
        data = self.cleaned_data
        return ResidentInput(
            citizenship=data["citizenship"],
            family_name=data["family_name"],
            father_name=data["father_name"],
            mother_name=data["mother_name"],
            birth_place=data["birth_place"],
        )


# --- registrations --------------------------------------------------------------------------------

FORM_CHOICES = [(value, label) for value, label in Registration.Form.choices if value != Registration.Form.CENTRAL]


class RegistrationForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of stay"),
        choices=Registration.Kind.choices,
        initial=Registration.Kind.PERMANENT,
        widget=forms.RadioSelect,
    )
    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none())
    street = forms.ModelChoiceField(label=_("Street"), queryset=Street.objects.none(), required=False)
    building_number = forms.CharField(label=_("Building number"), max_length=20)
    flat_number = forms.CharField(label=_("Flat number"), required=False, max_length=20)
    postal_code = forms.CharField(label=_("Postal code"), max_length=6)
    start_date = DateField(label=_("Registered from"))
    planned_end_date = DateField(
        label=_("Planned end of stay"), required=False, help_text=_("dd.mm.yyyy; required for a temporary stay")
    )
    form = forms.ChoiceField(label=_("Form / basis"), choices=FORM_CHOICES, initial=Registration.Form.PAPER)
    legal_basis = forms.CharField(
        label=_("Legal basis / document"),
        required=False,
        max_length=300,
        help_text=_("e.g. the title to the flat shown, the decision's number"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["locality"].queryset = gmina_localities()
        locality_id = self.data.get("locality") or self.initial.get("locality")
        if locality_id and str(locality_id).isdigit():
            self.fields["street"].queryset = Street.objects.filter(locality_id=locality_id)

    def address_input(self) -> AddressInput:
        data = self.cleaned_data
        return AddressInput(
            locality_id=data["locality"].pk,
            street_id=data["street"].pk if data.get("street") else None,
            building_number=data["building_number"],
            flat_number=data.get("flat_number", ""),
            postal_code=data["postal_code"],
        )


class DeregisterForm(ServiceErrorsMixin, forms.Form):
    end_date = DateField(
        label=_("De-registered on"),
        help_text=_("dd.mm.yyyy; from this day the person is no longer registered at the address"),
    )
    reason = forms.ChoiceField(
        label=_("Basis"),
        choices=[
            (Registration.EndReason.DEREGISTERED, _("the person's notification (zgłoszenie wymeldowania)")),
            (Registration.EndReason.DECISION, _("administrative decision")),
        ],
        initial=Registration.EndReason.DEREGISTERED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("end_date", timezone.localdate())
        super().__init__(*args, **kwargs)


class ExtendForm(ServiceErrorsMixin, forms.Form):
    planned_end_date = DateField(label=_("New planned end of stay"))


class DeathForm(ServiceErrorsMixin, forms.Form):
    death_date = DateField(label=_("Date of death"))


class EmigrationForm(ServiceErrorsMixin, forms.Form):
    departure_date = DateField(label=_("Date of departure abroad"))

    error_fields = {"start_date": "departure_date"}


# --- statistics -----------------------------------------------------------------------------------


class StatisticsForm(forms.Form):
    on = DateField(label=_("As of"), required=False)

    def clean_on(self) -> datetime.date:
        day = self.cleaned_data["on"] or timezone.localdate()
        if day > timezone.localdate():
            raise forms.ValidationError(_("Choose a date no later than today."))
        return day
