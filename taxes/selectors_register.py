"""Reads of the tax register: a taxpayer's objects on a date or over their history, the register of a tax year for
the assessment engine (plain dataclasses, a constant number of queries for any number of taxpayers), and
``access_taxpayer`` — the permission-checked, logged read of a taxpayer (``taxes.taxpayer.viewed``).

Shape of :func:`register_for_year` (the input of the engine)::

    {party_id: TaxpayerYear(
        party_id, year, kind ("person" / "organisation" …),
        items=[TaxpayerItem(
            object=ObjectRow(id, kind, tax, precinct, parcel, identifier),
            liability=LiabilityRow(id, object_id, party_id, role, share_numerator, share_denominator, valid_from,
                                   valid_to, joint_with),
            months={1: VersionRow(...), 2: VersionRow(...), ...},   # only the months where both the liability
        ), ...],                                                      # and a version are valid
    )}

A month is in ``months`` when the liability and a version of the object are both valid on its first day (all
validity dates are month-aligned, so they are then valid for the whole month). ``share`` is a ``Fraction``.
``joint_with`` of a spouse's liability is the id of the owner's / co-owner's liability of the same share it is
joint with (the engine addresses one decision to both spouses); ``None`` otherwise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from django.db.models import Q

from core.exceptions import NotFoundOrForbidden
from core.models import Party
from core.services.audit import audit_log
from taxes.models import Liability, ObjectVersion, TaxObject

VIEW = "taxes.view_taxobject"
CHUNK = 5000


@dataclass(frozen=True)
class ObjectRow:
    id: int
    kind: str
    tax: str
    precinct: str
    parcel: str
    identifier: str


@dataclass(frozen=True)
class VersionRow:
    id: int
    object_id: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    category: str  # RateCategory.code
    unit: str  # RateCategory.unit
    area: Decimal
    area_low: Decimal
    value: Decimal
    land_type: str
    land_class: str
    reserve: bool
    vehicle_mass_kg: int | None
    vehicle_axles: int | None
    vehicle_air_suspension: bool
    vehicle_seats: int | None
    vehicle_year: int | None
    exemption: str | None  # ExemptionReason.code

    def valid_in(self, first: datetime.date) -> bool:
        return self.valid_from <= first and (self.valid_to is None or self.valid_to >= first)


@dataclass(frozen=True)
class LiabilityRow:
    id: int
    object_id: int
    party_id: int
    role: str
    share_numerator: int
    share_denominator: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    joint_with: int | None = None

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_numerator, self.share_denominator)

    def valid_in(self, first: datetime.date) -> bool:
        return self.valid_from <= first and (self.valid_to is None or self.valid_to >= first)


@dataclass
class TaxpayerItem:
    object: ObjectRow
    liability: LiabilityRow
    months: dict[int, VersionRow] = field(default_factory=dict)


@dataclass
class TaxpayerYear:
    party_id: int
    year: int
    party_kind: str
    items: list[TaxpayerItem] = field(default_factory=list)

    @property
    def taxes(self) -> set[str]:
        return {i.object.tax for i in self.items}


def _version_row(v: ObjectVersion) -> VersionRow:
    return VersionRow(
        id=v.pk, object_id=v.object_id, valid_from=v.valid_from, valid_to=v.valid_to, category=v.category.code,
        unit=v.category.unit, area=v.area, area_low=v.area_low, value=v.value, land_type=v.land_type,
        land_class=v.land_class, reserve=v.reserve, vehicle_mass_kg=v.vehicle_mass_kg, vehicle_axles=v.vehicle_axles,
        vehicle_air_suspension=v.vehicle_air_suspension, vehicle_seats=v.vehicle_seats, vehicle_year=v.vehicle_year,
        exemption=v.exemption.code if v.exemption_id else None,
    )  # fmt: skip


def _liability_rows(liabilities: Iterable[Liability]) -> list[LiabilityRow]:
    """Rows with ``joint_with`` of spouses resolved to the owner's liability of the same share covering them."""
    by_object: dict[int, list[Liability]] = defaultdict(list)
    for li in liabilities:
        by_object[li.object_id].append(li)
    rows = []
    for items in by_object.values():
        holders = [h for h in items if h.role != Liability.Role.SPOUSE]
        for li in items:
            joint = None
            if li.role == Liability.Role.SPOUSE:
                share = Fraction(li.share_numerator, li.share_denominator)
                for h in sorted(holders, key=lambda h: h.pk):
                    if (
                        Fraction(h.share_numerator, h.share_denominator) == share
                        and h.valid_from <= li.valid_from
                        and (h.valid_to is None or (li.valid_to is not None and li.valid_to <= h.valid_to))
                    ):
                        joint = h.pk
                        break  # fmt: skip
            rows.append(LiabilityRow(
                id=li.pk, object_id=li.object_id, party_id=li.party_id, role=li.role,
                share_numerator=li.share_numerator, share_denominator=li.share_denominator,
                valid_from=li.valid_from, valid_to=li.valid_to, joint_with=joint,
            ))  # fmt: skip
    return rows


def _object_row(o: TaxObject) -> ObjectRow:
    return ObjectRow(o.pk, o.kind, o.tax, o.precinct, o.parcel, o.identifier)


def register_for_year(year: int, party_ids: Iterable[int] | None = None) -> dict[int, TaxpayerYear]:
    """The register of a tax year per taxpayer (see the module docstring for the shape), in three queries (per
    chunk of 5 000 party ids when ``party_ids`` is given): the liabilities overlapping the year (all liabilities of
    the objects concerned, so spouses are resolved), the versions overlapping the year with their category and
    exemption, the parties' kinds."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    firsts = [datetime.date(year, m, 1) for m in range(1, 13)]
    overlap = Q(valid_from__lte=end) & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    chunks: list[list[int] | None]
    if party_ids is None:
        chunks = [None]
    else:
        ids = sorted(set(party_ids))
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    result: dict[int, TaxpayerYear] = {}
    for chunk in chunks:
        of_parties = Liability.objects.filter(overlap)
        if chunk is not None:
            of_parties = of_parties.filter(party_id__in=chunk)
        object_ids = of_parties.values("object_id")
        liabilities = list(
            Liability.objects.filter(overlap, object_id__in=object_ids).select_related("object").order_by("id")
        )
        objects = {li.object_id: _object_row(li.object) for li in liabilities}
        versions: dict[int, list[VersionRow]] = defaultdict(list)
        for v in (
            ObjectVersion.objects.filter(overlap, object_id__in=object_ids)
            .select_related("category", "exemption")
            .order_by("object_id", "valid_from", "id")
        ):
            versions[v.object_id].append(_version_row(v))
        wanted = set(chunk) if chunk is not None else None
        rows = [r for r in _liability_rows(liabilities) if wanted is None or r.party_id in wanted]
        kinds = dict(Party.objects.filter(pk__in={r.party_id for r in rows}).values_list("pk", "kind"))
        for r in rows:
            months = {}
            for m, first in enumerate(firsts, start=1):
                if not r.valid_in(first):
                    continue
                for v in versions[r.object_id]:
                    if v.valid_in(first):
                        months[m] = v
                        break
            taxpayer = result.get(r.party_id)
            if taxpayer is None:
                taxpayer = result[r.party_id] = TaxpayerYear(r.party_id, year, kinds.get(r.party_id, ""))
            taxpayer.items.append(TaxpayerItem(object=objects[r.object_id], liability=r, months=months))
    return result


class PartyRow(NamedTuple):
    id: int
    kind: str
    addressed: bool  # a registered or a correspondence address
    ade_address: str
    epuap_box: str


class HoldingLiability(NamedTuple):
    """A liability as :class:`LiabilityRow` (without ``joint_with``), a plain tuple: cheap for 250 000 rows."""

    id: int
    object_id: int
    party_id: int
    role: str
    share_numerator: int
    share_denominator: int
    valid_from: datetime.date
    valid_to: datetime.date | None

    @property
    def share(self) -> Fraction:
        return Fraction(self.share_numerator, self.share_denominator)


class HoldingVersion(NamedTuple):
    """A version as :class:`VersionRow` without the vehicle fields, a plain tuple."""

    id: int
    object_id: int
    valid_from: datetime.date
    valid_to: datetime.date | None
    category: str
    unit: str
    area: Decimal
    area_low: Decimal
    value: Decimal
    land_type: str
    land_class: str
    reserve: bool
    exemption: str | None


@dataclass
class Holdings:
    """The objects (no vehicles) held in a year by some parties, with ALL their holders — the input of the decision
    units of the mass assessment (``taxes.services.assessment``). ``objects``: id → (tax, kind); ``liabilities``:
    object id → every liability of the object overlapping the year (spouses included, not resolved: a unit counts
    every holder); ``versions``: object id → versions overlapping the year in order; ``parties``: every holder."""

    year: int
    objects: dict[int, tuple[str, str]] = field(default_factory=dict)
    liabilities: dict[int, list[HoldingLiability]] = field(default_factory=dict)
    versions: dict[int, list[HoldingVersion]] = field(default_factory=dict)
    parties: dict[int, PartyRow] = field(default_factory=dict)


VERSION_FIELDS = (
    "id", "object_id", "valid_from", "valid_to", "category__code", "category__unit", "area", "area_low", "value",
    "land_type", "land_class", "reserve", "exemption__code",
)  # fmt: skip
LIABILITY_FIELDS = (
    "id", "object_id", "party_id", "role", "share_numerator", "share_denominator", "valid_from", "valid_to",
)  # fmt: skip


def holdings_for_year(
    year: int, party_ids: Iterable[int] | None = None, *, party_range: tuple[int, int] | None = None
) -> Holdings:
    """:class:`Holdings` of the objects that ``party_ids`` — or the parties with ids in ``party_range`` (both ends
    included; the mass assessment reads its sorted taxpayers range by range, cheaper than long IN lists) — are
    liable for in ``year`` (any role), in three queries of plain rows per chunk of 5 000 party ids, no model
    instances."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    overlap = Q(valid_from__lte=end) & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))
    result = Holdings(year)
    if party_range is not None:
        selections = [Q(party_id__gte=party_range[0], party_id__lte=party_range[1])]
    else:
        ids = sorted(set(party_ids or ()))
        selections = [Q(party_id__in=ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK)]
    tax_of = TaxObject.TAX_OF_KIND
    for selection in selections:
        object_ids = (
            Liability.objects.filter(overlap, selection)
            .exclude(object__kind=TaxObject.Kind.VEHICLE)
            .values("object_id")
        )
        known = set(result.objects)  # objects of an earlier chunk (a co-owner there): rows already read
        objects = result.objects
        holders: set[int] = set()
        liabilities = result.liabilities
        for row in (
            Liability.objects.filter(overlap, object_id__in=object_ids)
            .order_by("object_id", "valid_from", "id")
            .values_list(*LIABILITY_FIELDS, "object__kind")
        ):
            if row[1] in known:
                continue
            rows = liabilities.get(row[1])
            if rows is None:
                rows = liabilities[row[1]] = []
                objects[row[1]] = (tax_of[row[8]], row[8])
            rows.append(HoldingLiability._make(row[:8]))
            holders.add(row[2])
        versions = result.versions
        for row in (
            ObjectVersion.objects.filter(overlap, object_id__in=object_ids)
            .order_by("object_id", "valid_from", "id")
            .values_list(*VERSION_FIELDS)
        ):
            if row[1] in known:
                continue
            rows = versions.get(row[1])
            if rows is None:
                rows = versions[row[1]] = []
            rows.append(HoldingVersion._make(row))
        missing = holders - result.parties.keys()
        if party_range is not None:  # the range itself, and the co-holders outside it by id
            low, high = party_range
            outside = [pid for pid in missing if pid < low or pid > high]
            wanted = Q(pk__gte=low, pk__lte=high) | Q(pk__in=outside)
        else:
            wanted = Q(pk__in=missing)
        for pid, kind, registered, correspondence, ade, box in Party.objects.filter(wanted).values_list(
            "id", "kind", "registered_address_id", "correspondence_address_id", "ade_address", "epuap_box"
        ):
            result.parties[pid] = PartyRow(pid, kind, bool(registered or correspondence), ade or "", box or "")
    return result


@dataclass
class HeldObject:
    """An object a taxpayer is (or was) liable for, with the liability and the version valid on the date."""

    object: TaxObject
    liability: Liability
    version: ObjectVersion | None

    @property
    def current(self) -> bool:
        return self.version is not None


def objects_of(party, *, on: datetime.date | None = None, history: bool = False) -> list[HeldObject]:
    """The objects ``party`` is liable for on ``on`` (today when None) with the version valid that day; with
    ``history=True`` also the objects of ended liabilities (their ``version`` is None unless valid on ``on``).
    Two queries."""
    from django.utils import timezone

    on = on or timezone.localdate()
    qs = Liability.objects.filter(party=party).select_related("object", "object__address")
    if not history:
        qs = qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    liabilities = list(qs.order_by("object__kind", "object_id", "valid_from", "id"))
    versions = {
        v.object_id: v
        for v in ObjectVersion.objects.filter(object_id__in={li.object_id for li in liabilities}, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("category", "exemption")
    }
    held = []
    for li in liabilities:
        valid = li.valid_from <= on and (li.valid_to is None or li.valid_to >= on)
        held.append(HeldObject(li.object, li, versions.get(li.object_id) if valid else None))
    return held


def objects_in_period(party, *, date_from: datetime.date, date_to: datetime.date) -> list[Liability]:
    """The liabilities of ``party`` overlapping a period (with their objects)."""
    return list(
        Liability.objects.filter(party=party, valid_from__lte=date_to)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=date_from))
        .select_related("object")
        .order_by("object_id", "valid_from")
    )


def search_objects(*, query: str = "", kind: str = "") -> list[TaxObject]:
    """Objects by parcel (``precinct parcel`` or the parcel alone), registration / identifier, or a taxpayer's
    name, PESEL or NIP. Not logged by itself: callers log the search."""
    qs = TaxObject.objects.select_related("address")
    if kind:
        qs = qs.filter(kind=kind)
    query = (query or "").strip()
    if query:
        digits = query.replace("-", "").replace(" ", "")
        cond = Q(parcel__iexact=query) | Q(identifier__icontains=query) | Q(precinct__icontains=query)
        parts = query.split()
        if len(parts) >= 2:
            cond |= Q(precinct__icontains=" ".join(parts[:-1]), parcel__iexact=parts[-1])
        if digits.isdigit() and len(digits) in (10, 11):
            people = Party.objects.filter(Q(pesel=digits) | Q(nip=digits)).values("pk")
        else:
            people = Party.objects.filter(Q(surname__icontains=query) | Q(name__icontains=query)).values("pk")
        cond |= Q(pk__in=Liability.objects.filter(party_id__in=people).values("object_id"))
        qs = qs.filter(cond)
    return qs.order_by("kind", "precinct", "parcel", "identifier", "id")


def object_liabilities(obj: TaxObject) -> list[Liability]:
    return list(Liability.objects.filter(object=obj).select_related("party").order_by("valid_from", "id"))


def object_versions(obj: TaxObject) -> list[ObjectVersion]:
    return list(
        ObjectVersion.objects.filter(object=obj).select_related("category", "exemption").order_by("valid_from", "id")
    )


def access_object(*, user, object_id: int) -> TaxObject:
    """One object for a user holding ``taxes.view_taxobject`` (the same error for missing and forbidden)."""
    if not user.has_perm(VIEW):
        raise NotFoundOrForbidden("Not found.")
    obj = TaxObject.objects.select_related("address").filter(pk=object_id).first()
    if obj is None:
        raise NotFoundOrForbidden("Not found.")
    return obj


def access_taxpayer(*, user, party_id: int, purpose: str = "") -> Party:
    """A taxpayer for a user holding ``taxes.view_taxobject``; the read is logged (``taxes.taxpayer.viewed``).
    A missing party and a forbidden one raise the same NotFoundOrForbidden."""
    if not user.has_perm(VIEW):
        raise NotFoundOrForbidden("Not found.")
    party = Party.objects.select_related("registered_address", "correspondence_address").filter(pk=party_id).first()
    if party is None:
        raise NotFoundOrForbidden("Not found.")
    audit_log(actor=user, action="taxes.taxpayer.viewed", obj=party, details={"purpose": purpose} if purpose else {})
    return party


@dataclass
class FinanceAccountRow:
    account: object  # finance.ObligorAccount
    balance: object  # finance.selectors.Balance
    installments: list  # finance.selectors.InstallmentView


@dataclass
class TaxpayerCard:
    party: Party
    as_of: datetime.date
    current: list[HeldObject]
    historical: list[HeldObject]
    declarations: list
    decisions: list
    finance_visible: bool
    accounts: list[FinanceAccountRow] = field(default_factory=list)
    total: object = None  # finance.selectors.Balance
    payments: list = field(default_factory=list)


def taxpayer_card(*, user, party: Party, as_of: datetime.date, payments_limit: int = 50) -> TaxpayerCard:
    """Everything about a taxpayer on one screen: objects (current and historical), declarations, decisions with
    their delivery state and — for a user holding ``finance.view_balances`` — the finance accounts with balances
    and interest as of ``as_of``, their installments and the payments; that read is logged
    (``finance.party_accounts.viewed``, as finance's own party screen does). ``party`` comes from
    :func:`access_taxpayer`."""
    from finance import selectors as fin
    from finance.models import Payment
    from taxes.models import Decision, Declaration

    held = objects_of(party, on=as_of, history=True)
    current = [h for h in held if h.current]
    historical = [h for h in held if not h.current]
    declarations = list(Declaration.objects.filter(party=party).order_by("-filed_on", "-id"))
    decisions = list(Decision.objects.filter(Q(party=party) | Q(co_obligors=party)).distinct().order_by("-year", "-id"))
    card = TaxpayerCard(party, as_of, current, historical, declarations, decisions, user.has_perm(fin_perm()))
    if card.finance_visible:
        accounts = fin.party_accounts(party)
        states = fin.account_states(accounts, as_of=as_of)
        total = fin.EMPTY
        for a in accounts:
            s = states[a.pk]
            b = fin.Balance(s.principal, s.interest, s.costs, s.overpayment, s.arrears)
            total = total + b
            card.accounts.append(FinanceAccountRow(a, b, s.installments))
        card.total = total
        card.payments = list(
            Payment.objects.filter(party=party)
            .select_related("indicated_type")
            .order_by("-payment_date", "-id")[:payments_limit]
        )
        audit_log(actor=user, action="finance.party_accounts.viewed", obj=party,
                  details={"as_of": as_of.isoformat(), "purpose": "taxpayer card"})  # fmt: skip
    return card


def fin_perm() -> str:
    return "finance.view_balances"
