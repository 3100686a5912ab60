"""Services for the party register: create and change persons, organisations and their addresses."""

import dataclasses
import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.domain.identifiers import (
    IdentifierError,
    validate_krs,
    validate_nip,
    validate_pesel,
    validate_postal_code,
    validate_regon,
)
from core.exceptions import ServiceValidationError
from core.models import Address, Locality, Party, Street
from core.services.audit import audit_log


@dataclass
class AddressInput:
    country: str = "PL"
    locality_id: int | None = None
    street_id: int | None = None
    locality_name: str = ""
    street_name: str = ""
    building_number: str = ""
    flat_number: str = ""
    postal_code: str = ""
    post_town: str = ""


@dataclass
class PartyInput:
    kind: str = Party.Kind.PERSON
    pesel: str = ""
    first_names: str = ""
    surname: str = ""
    birth_date: datetime.date | None = None
    sex: str = ""
    name: str = ""
    legal_form: str = ""
    nip: str = ""
    regon: str = ""
    krs: str = ""
    epuap_box: str = ""
    ade_address: str = ""
    email: str = ""
    email_consent: bool = False
    phone: str = ""
    phone_consent: bool = False
    status: str = Party.Status.ACTIVE
    address: AddressInput | None = None
    correspondence_address: AddressInput | None = None


PARTY_FIELDS = [f.name for f in dataclasses.fields(PartyInput) if f.name not in ("address", "correspondence_address")]


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ServiceValidationError(_("The data contain errors."), errors=self.errors)


def _clean_identifier(errors: _Errors, field: str, value: str, validator):
    if not value:
        return None
    try:
        return validator(value)
    except IdentifierError as exc:
        errors.add(field, exc.message)
        return None


def _validate_address(errors: _Errors, prefix: str, data: AddressInput) -> dict:
    cleaned = dataclasses.asdict(data)
    cleaned["country"] = (data.country or "PL").upper()
    if cleaned["country"] == "PL":
        locality = Locality.objects.filter(pk=data.locality_id).select_related("gmina").first()
        if locality is None:
            errors.add(f"{prefix}locality", _("Choose a locality from the TERYT register."))
        street = None
        if data.street_id:
            street = Street.objects.filter(pk=data.street_id).first()
            if street is None or (locality and street.locality_id != locality.pk):
                errors.add(f"{prefix}street", _("This street does not belong to the chosen locality."))
        elif locality is not None and locality.streets.exists() and not data.street_name:
            errors.add(f"{prefix}street", _("Choose a street: this locality has streets in TERYT."))
        if not data.building_number:
            errors.add(f"{prefix}building_number", _("Building number is required."))
        if data.postal_code:
            try:
                cleaned["postal_code"] = validate_postal_code(data.postal_code)
            except IdentifierError as exc:
                errors.add(f"{prefix}postal_code", exc.message)
        else:
            errors.add(f"{prefix}postal_code", _("Postal code is required."))
        if locality is not None:
            cleaned["gmina_id"] = locality.gmina_id
            cleaned["locality_name"] = locality.name
        if street is not None:
            cleaned["street_name"] = street.full_name
    else:
        if not data.locality_name:
            errors.add(f"{prefix}locality_name", _("Locality is required for a foreign address."))
        cleaned["locality_id"] = None
        cleaned["street_id"] = None
    return cleaned


def _validate_party(data: PartyInput, *, instance: Party | None = None) -> tuple[dict, dict | None, dict | None]:
    errors = _Errors()
    values = {name: getattr(data, name) for name in PARTY_FIELDS}
    for key in ("first_names", "surname", "name", "legal_form", "epuap_box", "ade_address", "email", "phone"):
        values[key] = (values[key] or "").strip()
    if data.kind not in Party.Kind.values:
        errors.add("kind", _("Unknown kind of party."))
    if data.kind == Party.Kind.PERSON:
        if not values["surname"]:
            errors.add("surname", _("Surname is required."))
        if not values["first_names"]:
            errors.add("first_names", _("First name is required."))
        pesel = None
        if data.pesel:
            try:
                pesel = validate_pesel(data.pesel)
            except IdentifierError as exc:
                errors.add("pesel", exc.message)
        if pesel:
            values["pesel"] = pesel.number
            if data.birth_date and data.birth_date != pesel.birth_date:
                errors.add(
                    "birth_date",
                    _("Date of birth %(given)s does not match PESEL, which encodes %(expected)s.")
                    % {
                        "given": data.birth_date.strftime("%d.%m.%Y"),
                        "expected": pesel.birth_date.strftime("%d.%m.%Y"),
                    },
                )
            if data.sex and data.sex != pesel.sex:
                errors.add("sex", _("Sex does not match PESEL (10th digit)."))
            values["birth_date"] = pesel.birth_date
            values["sex"] = pesel.sex
        else:
            values["pesel"] = None
            if not data.pesel and not data.birth_date:
                errors.add("birth_date", _("A person without PESEL needs a date of birth."))
        values["name"] = ""
        values["regon"] = _clean_identifier(errors, "regon", data.regon, validate_regon) or ""
        values["krs"] = ""
    else:
        if data.pesel:
            errors.add("pesel", _("An organisation has no PESEL."))
        values["pesel"] = None
        if not values["name"]:
            errors.add("name", _("Name is required."))
        values.update(first_names="", surname="", birth_date=None, sex="")
        values["regon"] = _clean_identifier(errors, "regon", data.regon, validate_regon) or ""
        values["krs"] = _clean_identifier(errors, "krs", data.krs, validate_krs) or ""
    values["nip"] = _clean_identifier(errors, "nip", data.nip, validate_nip)
    if values["email_consent"] and not values["email"]:
        errors.add("email_consent", _("Consent to e-mail contact needs an e-mail address."))
    if values["phone_consent"] and not values["phone"]:
        errors.add("phone_consent", _("Consent to phone contact needs a phone number."))
    others = Party.objects.exclude(pk=instance.pk) if instance else Party.objects.all()
    if values["pesel"] and others.filter(pesel=values["pesel"]).exists():
        errors.add("pesel", _("A party with PESEL %(pesel)s is already registered.") % {"pesel": values["pesel"]})
    if values["nip"] and others.filter(nip=values["nip"]).exists():
        errors.add("nip", _("A party with NIP %(nip)s is already registered.") % {"nip": values["nip"]})
    address = _validate_address(errors, "address.", data.address) if data.address else None
    corr = (
        _validate_address(errors, "correspondence_address.", data.correspondence_address)
        if data.correspondence_address
        else None
    )
    errors.raise_if_any()
    return values, address, corr


def _save_address(existing: Address | None, cleaned: dict) -> Address:
    address = existing or Address()
    for key, value in cleaned.items():
        setattr(address, key, value)
    address.save()
    return address


def _duplicate_error(exc: IntegrityError) -> ServiceValidationError:
    text = str(exc).lower()
    field = "nip" if "nip" in text else "pesel"
    return ServiceValidationError(
        _("The data contain errors."),
        errors={field: [_("A party with this %(field)s is already registered.") % {"field": field.upper()}]},
    )


def party_create(*, actor, data: PartyInput) -> Party:
    """Register a person or organisation. Duplicate PESEL/NIP and invalid identifiers are refused."""
    values, address, corr = _validate_party(data)
    try:
        with transaction.atomic():
            party = Party(**values)
            party._history_user = actor if getattr(actor, "is_authenticated", False) else None
            if address:
                party.registered_address = _save_address(None, address)
            if corr:
                party.correspondence_address = _save_address(None, corr)
            party.save()
            audit_log(actor=actor, action="party.created", obj=party, details={"kind": party.kind})
    except IntegrityError as exc:
        raise _duplicate_error(exc) from exc
    return party


def party_update(*, actor, party: Party, data: PartyInput) -> Party:
    """Change a party's data; the history keeps every previous version."""
    values, address, corr = _validate_party(data, instance=party)
    try:
        with transaction.atomic():
            locked = Party.objects.select_for_update().get(pk=party.pk)
            changed = sorted(k for k, v in values.items() if getattr(locked, k) != v)
            for key, value in values.items():
                setattr(locked, key, value)
            locked._history_user = actor if getattr(actor, "is_authenticated", False) else None
            if address:
                locked.registered_address = _save_address(locked.registered_address, address)
                changed.append("address")
            if corr:
                locked.correspondence_address = _save_address(locked.correspondence_address, corr)
                changed.append("correspondence_address")
            locked.save()
            audit_log(actor=actor, action="party.updated", obj=locked, details={"fields": changed})
    except IntegrityError as exc:
        raise _duplicate_error(exc) from exc
    return locked


def address_validate(*, data: AddressInput, prefix: str = "address.") -> dict:
    """Check an address (TERYT for Polish ones) and return its cleaned values; raises ServiceValidationError."""
    errors = _Errors()
    cleaned = _validate_address(errors, prefix, data)
    errors.raise_if_any()
    return cleaned


def address_create(*, data: AddressInput, prefix: str = "address.") -> Address:
    """A new Address row from validated input (addresses are values: each owner gets its own row)."""
    return _save_address(None, address_validate(data=data, prefix=prefix))
