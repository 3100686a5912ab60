"""Services of the residents register: residents, registrations of stay and their rules.

Dates: a registration is in force on day d when start_date <= d < end_date (see models.Registration).
Every service owns its transaction, locks the rows it changes and writes an audit event.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from core.services.parties import AddressInput, PartyInput, address_create, address_validate, party_create
from population.models import Registration, Resident


def _fail(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(_("The data contain errors."), errors={field: [message]})


def _today() -> datetime.date:
    return timezone.localdate()


def _fmt(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass
class ResidentInput:
    citizenship: str = "PL"
    family_name: str = ""
    father_name: str = ""
    mother_name: str = ""
    birth_place: str = ""


def resident_create(*, actor, party: Party, data: ResidentInput | None = None) -> Resident:
    """Enter a natural person of the party register into the residents register."""
    data = data or ResidentInput()
    if party.kind != Party.Kind.PERSON:
        raise _fail("party", _("Only a natural person can be a resident."))
    if not party.birth_date:
        raise _fail("party", _("The person's date of birth is unknown."))
    citizenship = (data.citizenship or "").strip().upper()
    if len(citizenship) != 2 or not citizenship.isalpha():
        raise _fail("citizenship", _("Citizenship must be a two-letter country code (PL, UA, DE…; XX = stateless)."))
    if Resident.objects.filter(party=party).exists():
        raise _fail("party", _("This person is already in the residents register."))
    with transaction.atomic():
        resident = Resident(
            party=party,
            citizenship=citizenship,
            family_name=data.family_name.strip(),
            father_name=data.father_name.strip(),
            mother_name=data.mother_name.strip(),
            birth_place=data.birth_place.strip(),
        )
        resident._history_user = _user(actor)
        try:
            resident.save()
        except IntegrityError:
            raise _fail("party", _("This person is already in the residents register.")) from None
        audit_log(actor=actor, action="resident.created", obj=resident, details={"citizenship": citizenship})
    return resident


def resident_create_with_party(*, actor, party_data: PartyInput, data: ResidentInput | None = None) -> Resident:
    """Enter a person new to the party register and into the residents register: both or neither."""
    with transaction.atomic():
        party = party_create(actor=actor, data=party_data)
        return resident_create(actor=actor, party=party, data=data)


def _check_in_gmina(cleaned: dict) -> None:
    from core.models import TercUnit

    gmina = TercUnit.objects.filter(pk=cleaned.get("gmina_id")).first()
    office = settings.MAGISTRAT_GMINA_TERC
    if gmina is None or gmina.code[:6] != office[:6]:
        raise _fail(
            "address.locality",
            _("The address is outside this gmina: registrations are kept by the gmina of the address."),
        )


def _check_dates(resident: Resident, start_date: datetime.date, today: datetime.date) -> None:
    if start_date > today:
        raise _fail("start_date", _("The date %(date)s is in the future.") % {"date": _fmt(start_date)})
    birth = resident.party.birth_date
    if birth and start_date < birth:
        raise _fail(
            "start_date",
            _("The date %(date)s is before the person's birth (%(birth)s).")
            % {"date": _fmt(start_date), "birth": _fmt(birth)},
        )


def _locked_resident(resident: Resident) -> Resident:
    return Resident.objects.select_for_update().select_related("party").get(pk=resident.pk)


def registration_register(
    *,
    actor,
    resident: Resident,
    kind: str,
    address: AddressInput,
    start_date: datetime.date,
    planned_end_date: datetime.date | None = None,
    form: str = Registration.Form.PAPER,
    legal_basis: str = "",
    today: datetime.date | None = None,
) -> Registration:
    """Register a stay (zameldowanie).

    A new permanent registration ends the open permanent one on the same day; likewise a new temporary
    stay ends the open temporary one (one of each at a time, art. 27). Temporary and permanent coexist.
    """
    today = today or _today()
    if kind not in Registration.Kind.values:
        raise _fail("kind", _("Unknown kind of registration."))
    if form not in Registration.Form.values:
        raise _fail("form", _("Unknown form of registration."))
    cleaned = address_validate(data=address)
    if cleaned["country"] != "PL":
        raise _fail("address.country", _("A registration of stay must be at an address in Poland."))
    _check_in_gmina(cleaned)
    with transaction.atomic():
        resident = _locked_resident(resident)
        if resident.status == Resident.Status.DECEASED:
            raise _fail("resident", _("A deceased person cannot be registered."))
        _check_dates(resident, start_date, today)
        if kind == Registration.Kind.TEMPORARY:
            if planned_end_date is None:
                raise _fail("planned_end_date", _("A temporary stay needs its planned end date."))
            if planned_end_date <= start_date:
                raise _fail("planned_end_date", _("The planned end must be after the start of the stay."))
        else:
            planned_end_date = None
        previous = (
            Registration.objects.select_for_update().filter(resident=resident, kind=kind, end_date__isnull=True).first()
        )
        if previous and previous.start_date > start_date:
            raise _fail(
                "start_date",
                _("The current registration began on %(date)s; a new one cannot begin earlier.")
                % {"date": _fmt(previous.start_date)},
            )
        if previous:
            _end(previous, actor=actor, end_date=start_date, reason=Registration.EndReason.REPLACED)
        registration = Registration(
            resident=resident,
            kind=kind,
            address=address_create(data=address),
            locality_id=cleaned["locality_id"],
            street_id=cleaned.get("street_id"),
            building_number=cleaned["building_number"].strip().upper(),
            flat_number=(cleaned.get("flat_number") or "").strip().upper(),
            start_date=start_date,
            planned_end_date=planned_end_date,
            form=form,
            legal_basis=legal_basis.strip(),
            registered_by=_user(actor),
        )
        registration._history_user = _user(actor)
        registration.save()
        if resident.status == Resident.Status.EMIGRATED:
            _set_status(resident, Resident.Status.ACTIVE, start_date, actor)
        audit_log(
            actor=actor,
            action="registration.created",
            obj=registration,
            details={
                "resident": resident.pk,
                "kind": kind,
                "start_date": start_date,
                "planned_end_date": planned_end_date,
                "replaced": previous.pk if previous else None,
            },
        )
    return registration


def _end(registration: Registration, *, actor, end_date: datetime.date, reason: str) -> None:
    registration.end_date = end_date
    registration.end_reason = reason
    registration.ended_by = _user(actor)
    registration._history_user = _user(actor)
    registration.save(update_fields=["end_date", "end_reason", "ended_by"])
    audit_log(
        actor=actor,
        action="registration.ended",
        obj=registration,
        details={"end_date": end_date, "reason": reason, "resident": registration.resident_id},
    )


def registration_deregister(
    *,
    actor,
    registration: Registration,
    end_date: datetime.date,
    reason: str = Registration.EndReason.DEREGISTERED,
    today: datetime.date | None = None,
) -> Registration:
    """De-register (wymeldowanie): the registration ends on ``end_date``."""
    today = today or _today()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.end_date is not None:
            raise _fail(
                "registration",
                _("This registration already ended on %(date)s.") % {"date": _fmt(registration.end_date)},
            )
        if end_date > today:
            raise _fail("end_date", _("The date %(date)s is in the future.") % {"date": _fmt(end_date)})
        if end_date < registration.start_date:
            raise _fail(
                "end_date",
                _("De-registration cannot precede the registration (%(date)s).")
                % {"date": _fmt(registration.start_date)},
            )
        if reason not in (Registration.EndReason.DEREGISTERED, Registration.EndReason.DECISION):
            raise _fail("reason", _("Unknown reason for de-registration."))
        _end(registration, actor=actor, end_date=end_date, reason=reason)
    return registration


def registration_extend(*, actor, registration: Registration, planned_end_date: datetime.date) -> Registration:
    """Extend a temporary stay that is still in force."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.kind != Registration.Kind.TEMPORARY:
            raise _fail("registration", _("Only a temporary stay can be extended."))
        if registration.end_date is not None:
            raise _fail(
                "registration",
                _("This registration already ended on %(date)s.") % {"date": _fmt(registration.end_date)},
            )
        if planned_end_date <= registration.planned_end_date:
            raise _fail(
                "planned_end_date",
                _("The new end must be later than the current one (%(date)s).")
                % {"date": _fmt(registration.planned_end_date)},
            )
        old = registration.planned_end_date
        registration.planned_end_date = planned_end_date
        registration._history_user = _user(actor)
        registration.save(update_fields=["planned_end_date"])
        audit_log(
            actor=actor, action="registration.extended", obj=registration, details={"from": old, "to": planned_end_date}
        )
    return registration


def registrations_expire_due(*, today: datetime.date | None = None, actor="system") -> int:
    """End temporary stays whose planned end date has come (nightly). Safe to run twice."""
    today = today or _today()
    ended = 0
    due = Registration.objects.filter(
        kind=Registration.Kind.TEMPORARY, end_date__isnull=True, planned_end_date__lte=today
    )
    for pk in due.values_list("pk", flat=True).order_by("pk"):
        with transaction.atomic():
            registration = Registration.objects.select_for_update().filter(pk=pk, end_date__isnull=True).first()
            if registration is None:
                continue
            _end(
                registration, actor=actor, end_date=registration.planned_end_date, reason=Registration.EndReason.EXPIRED
            )
            ended += 1
    return ended


def _set_status(resident: Resident, status: str, day: datetime.date, actor) -> None:
    old = resident.status
    resident.status = status
    resident.status_date = day
    resident._history_user = _user(actor)
    resident.save(update_fields=["status", "status_date"])
    audit_log(
        actor=actor, action="resident.status_changed", obj=resident, details={"from": old, "to": status, "date": day}
    )


def _close_all(resident: Resident, *, actor, day: datetime.date, reason: str) -> None:
    for registration in Registration.objects.select_for_update().filter(resident=resident, end_date__isnull=True):
        _end(registration, actor=actor, end_date=max(day, registration.start_date), reason=reason)


def resident_record_death(
    *, actor, resident: Resident, death_date: datetime.date, today: datetime.date | None = None
) -> Resident:
    """Record a death: status deceased, every open registration ends on the date of death."""
    today = today or _today()
    with transaction.atomic():
        resident = _locked_resident(resident)
        if resident.status == Resident.Status.DECEASED:
            raise _fail("resident", _("The death of this person is already recorded."))
        if death_date > today:
            raise _fail("death_date", _("The date %(date)s is in the future.") % {"date": _fmt(death_date)})
        if resident.party.birth_date and death_date < resident.party.birth_date:
            raise _fail("death_date", _("The date of death precedes the date of birth."))
        _close_all(resident, actor=actor, day=death_date, reason=Registration.EndReason.DEATH)
        _set_status(resident, Resident.Status.DECEASED, death_date, actor)
    return resident


def resident_record_emigration(
    *, actor, resident: Resident, departure_date: datetime.date, today: datetime.date | None = None
) -> Resident:
    """Departure abroad for good (zgłoszenie wyjazdu poza granice RP): registrations end, status emigrated."""
    today = today or _today()
    with transaction.atomic():
        resident = _locked_resident(resident)
        if resident.status != Resident.Status.ACTIVE:
            raise _fail("resident", _("Only an active resident can report a departure abroad."))
        _check_dates(resident, departure_date, today)
        _close_all(resident, actor=actor, day=departure_date, reason=Registration.EndReason.EMIGRATION)
        _set_status(resident, Resident.Status.EMIGRATED, departure_date, actor)
    return resident
