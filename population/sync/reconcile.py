"""Comparison of the central export with the local mirror (read only).

The comparison is made as of the export date E (DATA_EKSPORTU):

* a local registration is "in force" on E when start_date <= E < end_date and, for a temporary stay,
  E < planned_end_date;
* local knowledge newer than the export wins: a kind of registration (permanent / temporary) with a local
  registration that began or ended after E is not compared, nor is a status recorded after E;
* names are compared ignoring letter case and repeated spaces; an empty NAZWISKO_RODOWE means "not given".

One ``ItemSpec`` per person with differences (see ``ReconciliationItem.Kind``). ``changes`` maps a field
to ``[local, central]`` (JSON values: dates as ISO strings, addresses as one-line labels, ``None`` for
"absent"). ``manual`` lists reasons why the item cannot be applied by the services (it is then reported
and skipped by the apply step).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from core.models import Party
from population.models import ReconciliationItem, Registration, Resident
from population.sync.layout import CentralPerson, address_label, fmt_date, iso, normalise_name

Kind = ReconciliationItem.Kind
PERMANENT, TEMPORARY = Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY
_CHUNK = 500


@dataclass
class LocalState:
    party: Party | None = None
    resident: Resident | None = None
    registrations: list[Registration] = field(default_factory=list)


@dataclass
class ItemSpec:
    kind: str
    pesel: str
    line_no: int | None
    resident_id: int | None
    central_data: dict
    changes: dict
    manual: list[str] = field(default_factory=list)


def load_local(pesels: list[str]) -> dict[str, LocalState]:
    """The local mirror of the given PESELs: party, resident and registrations (a few queries per chunk)."""
    states: dict[str, LocalState] = {}
    pesels = sorted(set(pesels))
    for start in range(0, len(pesels), _CHUNK):
        chunk = pesels[start : start + _CHUNK]
        parties = {p.pk: p for p in Party.objects.filter(pesel__in=chunk).order_by()}
        residents = {r.party_id: r for r in Resident.objects.filter(party_id__in=list(parties)).order_by()}
        registrations = defaultdict(list)
        for reg in (
            Registration.objects.filter(resident_id__in=[r.pk for r in residents.values()])
            .select_related("locality", "street")
            .order_by("start_date", "pk")
        ):
            registrations[reg.resident_id].append(reg)
        for party in parties.values():
            resident = residents.get(party.pk)
            if resident is not None:
                resident.party = party
            states[party.pesel] = LocalState(
                party=party, resident=resident, registrations=registrations[resident.pk] if resident else []
            )
    return states


def in_force_on(registration: Registration, day: datetime.date) -> bool:
    if registration.start_date > day or (registration.end_date is not None and registration.end_date <= day):
        return False
    return registration.kind == PERMANENT or registration.planned_end_date > day


def local_registrations(
    registrations: list[Registration], export_date: datetime.date
) -> tuple[dict[str, Registration], set[str]]:
    """(kind → the local registration in force on E, kinds changed locally after E and so not compared)."""
    newer = {
        reg.kind
        for reg in registrations
        if reg.start_date > export_date or (reg.end_date is not None and reg.end_date > export_date)
    }
    current = {reg.kind: reg for reg in registrations if reg.kind not in newer and in_force_on(reg, export_date)}
    return current, newer


def registration_label(registration: Registration) -> str:
    return address_label(
        registration.locality, registration.street, registration.building_number, registration.flat_number
    )


def registration_key(registration: Registration) -> tuple:
    return (
        registration.locality_id,
        registration.street_id,
        registration.building_number.strip().upper(),
        (registration.flat_number or "").strip().upper(),
    )


def end_date_for(person: CentralPerson, registration: Registration, export_date: datetime.date) -> datetime.date:
    """When a local registration the central register no longer has ends."""
    if person.status != Resident.Status.ACTIVE:
        day = person.status_date
    elif not person.registrations:
        day = person.left_on
    else:
        day = export_date
    return max(day, registration.start_date)


def _same_name(local: str, central: str) -> bool:
    return normalise_name(local).casefold() == normalise_name(central).casefold()


def _status_changes(person: CentralPerson, resident: Resident, export_date, changes: dict, manual: list) -> None:
    if resident.status_date and resident.status_date > export_date:
        return
    local, central = resident.status, person.status
    if local != central:
        changes["status"] = [local, central]
        if central != Resident.Status.ACTIVE:
            changes["status_date"] = [iso(resident.status_date), iso(person.status_date)]
        if local == Resident.Status.DECEASED:
            manual.append(_("The local register records the death of this person; the central register does not."))
        elif local == Resident.Status.EMIGRATED and central == Resident.Status.ACTIVE and not person.registrations:
            manual.append(
                _(
                    "The local register records a departure abroad; the central register has the person active "
                    "but not registered in this gmina."
                )
            )
    elif central != Resident.Status.ACTIVE and resident.status_date != person.status_date:
        changes["status_date"] = [iso(resident.status_date), iso(person.status_date)]
        manual.append(
            _("The date of the status differs (%(local)s locally, %(central)s centrally).")
            % {"local": fmt_date(resident.status_date) or "—", "central": fmt_date(person.status_date)}
        )


def _registration_changes(person: CentralPerson, state: LocalState, export_date, changes: dict) -> bool:
    """Add the registration differences; True when the central register has a registration missing locally."""
    current, newer = local_registrations(state.registrations, export_date)
    missing = False
    for kind in (PERMANENT, TEMPORARY):
        if kind in newer:
            continue
        local, central = current.get(kind), person.registrations.get(kind)
        if local is None and central is None:
            continue
        if local is None:
            missing = True
            changes[f"{kind}.address"] = [None, central.address]
            changes[f"{kind}.start_date"] = [None, iso(central.start_date)]
            if kind == TEMPORARY:
                changes[f"{kind}.planned_end_date"] = [None, iso(central.planned_end_date)]
        elif central is None:
            changes[f"{kind}.address"] = [registration_label(local), None]
            changes[f"{kind}.start_date"] = [iso(local.start_date), None]
            if kind == TEMPORARY:
                changes[f"{kind}.planned_end_date"] = [iso(local.planned_end_date), None]
            changes[f"{kind}.end_date"] = [None, iso(end_date_for(person, local, export_date))]
        else:
            if registration_key(local) != central.address_key:
                changes[f"{kind}.address"] = [registration_label(local), central.address]
            if local.start_date != central.start_date:
                changes[f"{kind}.start_date"] = [iso(local.start_date), iso(central.start_date)]
            if kind == TEMPORARY and local.planned_end_date != central.planned_end_date:
                changes[f"{kind}.planned_end_date"] = [iso(local.planned_end_date), iso(central.planned_end_date)]
    return missing


def diff_person(person: CentralPerson, state: LocalState | None, export_date: datetime.date) -> ItemSpec | None:
    """The difference between one person of the export and the local mirror (None: nothing to do)."""
    state = state or LocalState()
    central_data = person.to_json()
    line = person.first_line
    if state.party is None:
        if not person.registrations:
            return None  # not registered in the gmina and unknown here: nothing to mirror
        return ItemSpec(Kind.NEW, person.pesel, line, None, central_data, {})
    changes: dict = {}
    manual: list[str] = []
    party = state.party
    for name in ("surname", "first_names"):
        if not _same_name(getattr(party, name), getattr(person, name)):
            changes[name] = [getattr(party, name), getattr(person, name)]
    resident = state.resident
    if resident is None:
        if not person.registrations:
            return None  # a party who is not a resident and not registered here
        changes["citizenship"] = [None, person.citizenship]
        if person.family_name:
            changes["family_name"] = [None, person.family_name]
        _registration_changes(person, state, export_date, changes)
        return ItemSpec(Kind.MISSING_LOCALLY, person.pesel, line, None, central_data, changes)
    if person.family_name and not _same_name(resident.family_name, person.family_name):
        changes["family_name"] = [resident.family_name, person.family_name]
    if resident.citizenship != person.citizenship:
        changes["citizenship"] = [resident.citizenship, person.citizenship]
    _status_changes(person, resident, export_date, changes, manual)
    missing = _registration_changes(person, state, export_date, changes)
    if not changes:
        return None
    if manual:
        central_data["manual"] = manual
    kind = Kind.MISSING_LOCALLY if missing else Kind.CHANGED
    return ItemSpec(kind, person.pesel, line, resident.pk, central_data, changes, manual)


def missing_centrally(export_date: datetime.date, known_pesels: set[str]) -> list[ItemSpec]:
    """Local residents registered on E (a registration in force) whom the export does not list at all."""
    regs = (
        Registration.objects.filter(start_date__lte=export_date)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=export_date))
        .exclude(kind=TEMPORARY, planned_end_date__lte=export_date)
        .select_related("resident__party", "locality", "street")
        .order_by("resident_id", "kind", "pk")
    )
    by_resident: dict[int, list[Registration]] = defaultdict(list)
    for reg in regs.iterator(chunk_size=2000):
        if (reg.resident.party.pesel or "") not in known_pesels:
            by_resident[reg.resident_id].append(reg)
    specs = []
    for resident_id, registrations in by_resident.items():
        changes: dict = {}
        for reg in registrations:
            changes[f"{reg.kind}.address"] = [registration_label(reg), None]
            changes[f"{reg.kind}.start_date"] = [iso(reg.start_date), None]
            if reg.kind == TEMPORARY:
                changes[f"{reg.kind}.planned_end_date"] = [iso(reg.planned_end_date), None]
        pesel = registrations[0].resident.party.pesel or ""
        specs.append(ItemSpec(Kind.MISSING_CENTRALLY, pesel, None, resident_id, {}, changes))
    return specs


def reconcile(
    persons: dict[str, CentralPerson], quarantined_pesels: set[str], export_date: datetime.date
) -> list[ItemSpec]:
    """All the differences between a parsed export and the local mirror."""
    states = load_local(list(persons))
    specs = []
    for pesel in sorted(persons):
        spec = diff_person(persons[pesel], states.get(pesel), export_date)
        if spec is not None:
            specs.append(spec)
    specs.extend(missing_centrally(export_date, set(persons) | quarantined_pesels))
    return specs
