"""Reads of the residents register.

Full resident data: only through ``access_resident_by_id`` / ``resident_search`` (permission
population.view_resident, held by the population clerk and the administrator; every detail read is logged).
Other apps (waste fee, taxes, the portal) use the narrow selectors below: residents at an address on a date
(names and addresses only) and counts — never the registration history.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from core.actors import require_perm_or_not_found as _require
from core.domain.text import fold
from core.exceptions import NotFoundOrForbidden
from core.models import Address
from core.selectors import digits_prefix_q
from core.services.audit import audit_log
from population.models import Registration, Resident


def in_force_on(day: datetime.date) -> Q:
    """Registrations in force on ``day``: start_date <= day < end_date (open-ended when end_date is NULL)."""
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gt=day))


def access_resident_by_id(*, user, resident_id: int, purpose: str = "") -> Resident:
    """A resident's full data and registration history; checks permission and logs the read."""
    _require(user, "population.view_resident")
    resident = Resident.objects.select_related("party").filter(pk=resident_id).first()
    if resident is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="resident.viewed", obj=resident, details={"purpose": purpose} if purpose else {})
    return resident


def resident_registrations(*, resident: Resident) -> QuerySet[Registration]:
    """The registration history of a resident obtained through access_resident_by_id."""
    return resident.registrations.select_related("address", "locality", "street", "registered_by", "ended_by").order_by(
        "-start_date", "-pk"
    )


def resident_search(
    *,
    user,
    query: str = "",
    locality_id: int | None = None,
    street_id: int | None = None,
    building_number: str = "",
    status: str = "",
    citizenship: str = "",
    foreigners: bool = False,
    on: datetime.date | None = None,
) -> QuerySet[Resident]:
    """Search by PESEL (or its prefix), names (accent-insensitive) and the address of a registration in force."""
    _require(user, "population.view_resident")
    qs = Resident.objects.select_related("party")
    query = (query or "").strip()
    if query:
        digits = query.replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(digits_prefix_q("party__pesel", digits))
        else:
            for word in fold(query).split():
                qs = qs.filter(party__search_text__contains=word)
    if status:
        qs = qs.filter(status=status)
    if citizenship:
        qs = qs.filter(citizenship=citizenship.upper())
    if foreigners:
        qs = qs.exclude(citizenship="PL")
    if locality_id or street_id or building_number:
        regs = Registration.objects.filter(in_force_on(on or datetime.date.today()))  # noqa: DTZ011 (date only)
        if locality_id:
            regs = regs.filter(locality_id=locality_id)
        if street_id:
            regs = regs.filter(street_id=street_id)
        if building_number:
            regs = regs.filter(building_number=building_number.strip().upper())
        qs = qs.filter(pk__in=regs.values("resident_id"))
    return qs.order_by("party__surname", "party__first_names", "pk")


@dataclass(frozen=True)
class AddressKey:
    """A place people live at: a building (flat_number None) or one flat in it."""

    locality_id: int
    street_id: int | None
    building_number: str
    flat_number: str | None = None

    @classmethod
    def of(cls, address: Address, *, whole_building: bool = False) -> "AddressKey":
        return cls(
            locality_id=address.locality_id,
            street_id=address.street_id,
            building_number=address.building_number.strip().upper(),
            flat_number=None if whole_building else (address.flat_number or "").strip().upper(),
        )


def _at(key: AddressKey) -> Q:
    cond = Q(locality_id=key.locality_id, street_id=key.street_id, building_number=key.building_number.strip().upper())
    if key.flat_number is not None:
        cond &= Q(flat_number=key.flat_number.strip().upper())
    return cond


def residents_at(
    address: Address | AddressKey, *, on: datetime.date, kinds: tuple[str, ...] = ("permanent", "temporary")
) -> QuerySet[Resident]:
    """Residents registered at an address on a date (for the waste fee and others): names and addresses only.

    An ``Address`` matches its flat (or the building if it has no flat number); pass an AddressKey with
    flat_number=None for a whole building. Someone de-registered on 10.06 is counted on 09.06, not on 10.06.
    """
    key = address if isinstance(address, AddressKey) else AddressKey.of(address)
    regs = Registration.objects.filter(in_force_on(on), _at(key), kind__in=kinds)
    return (
        Resident.objects.filter(pk__in=regs.values("resident_id"))
        .select_related("party")
        .order_by("party__surname", "pk")
    )


def resident_count_at(
    address: Address | AddressKey, *, on: datetime.date, kinds: tuple[str, ...] = ("permanent", "temporary")
) -> int:
    return residents_at(address, on=on, kinds=kinds).count()


@dataclass(frozen=True)
class AddressCount:
    locality_id: int
    street_id: int | None
    building_number: str
    flat_number: str
    residents: int


def resident_counts_by_address(*, on: datetime.date, locality_id: int | None = None) -> list[AddressCount]:
    """Number of distinct residents registered per flat (or building without flats) on a date."""
    regs = Registration.objects.filter(in_force_on(on))
    if locality_id:
        regs = regs.filter(locality_id=locality_id)
    rows = (
        regs.values("locality_id", "street_id", "building_number", "flat_number")
        .annotate(n=Count("resident_id", distinct=True))
        .order_by("locality_id", "street_id", "building_number", "flat_number")
    )
    return [
        AddressCount(r["locality_id"], r["street_id"], r["building_number"], r["flat_number"], r["n"]) for r in rows
    ]
