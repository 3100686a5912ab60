"""Charges of the waste fee (opłata za gospodarowanie odpadami komunalnymi, issue 9 point 6) on the payers' finance
accounts (receivable type ``waste_fee``, one account per payer and year).

* :func:`waste_charges_post` — the fee of one month for every property with an accepted declaration in force in that
  month (or only ``property_ids``): ``taxes.domain.waste.monthly_fee`` under the resolution in force on the 1st of
  the month, one charge ``waste:<declaration id>:<YYYY-MM>`` with one installment due on the resolution's due day —
  of the month (monthly payments) or of the quarter's ``quarter_due_month`` (quarterly payments) — the finance
  installment keeping the nominal day and its effective due date shifted past a weekend or holiday (OP art. 12 §5).
  A holiday cottage's annual flat rate (``FeeResult.annual``, ucpg art. 6j ust. 3b) is charged once per calendar
  year, ``waste:<declaration id>:<YYYY>:annual``, by the run of the first month of the year in which a declaration
  for the cottage is in force (normally January), due on the resolution's ``cottage_due_month``/``cottage_due_day``
  of that year, or 14 days after posting when that day has passed. Idempotent by ``source_ref``: a month (a year's
  annual fee) already charged for the property is skipped, so a second run posts nothing.

  The run is set-based: the declarations in force are read in one query, the resolution and its rates once per
  month, each distinct declared data computed once; then per chunk of :data:`CHUNK` properties, in one transaction:
  the properties' rows locked (``SELECT … FOR UPDATE`` in id order — two concurrent runs, or a run and a correction,
  serialise on them, and the later one finds the charges of the earlier), the charges already posted read in one
  query, the accounts fetched and created in bulk and the charges written with
  ``finance.services.charges_bulk.charges_post_many`` (exactly what ``charge_post`` writes, journal included). A
  declaration whose fee cannot be computed is counted in ``errors``; a chunk failing in the database falls back to
  one transaction per declaration (the original path, :func:`_post_one`) so that one bad declaration is counted and
  the others go on.
* :func:`waste_charges_correct` — after a declaration changing the data of months already charged is accepted
  (art. 6m ust. 2: the changed fee applies for the month in which the change occurred; E7), the difference of each
  charged month from ``from_month``: a further charge ``waste:<declaration>:<YYYY-MM>:correction`` or a reduction
  (odpis) of the month's charges with the same ``source_ref``; likewise a holiday cottage's annual fee of every year
  from ``from_month``'s already charged, against the declaration in force in the year's first month with one
  (``waste:<declaration>:<YYYY>:annual:correction``).

Both check ``taxes.assess_taxes`` (a system actor — the Celery task — may post) and write an audit event."""

from __future__ import annotations

import calendar
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from taxes.domain import waste as domain
from taxes.models import WasteDeclaration, WasteProperty, WasteResolution
from taxes.selectors_waste import declarations_in_force, declared_of, waste_rates_on, waste_resolution_on

logger = logging.getLogger(__name__)

PERM = "taxes.assess_taxes"
SYSTEM = "system:taxes"
RECEIVABLE_TYPE = "waste_fee"
ZERO = Decimal("0")
ACCEPTED = WasteDeclaration.Status.ACCEPTED
COTTAGE = WasteProperty.Kind.COTTAGE
#: properties per transaction of the charge run
CHUNK = 2000
#: days to pay a holiday cottage's annual fee charged after its due day has passed
COTTAGE_LATE_DAYS = 14


def _require(actor) -> None:
    if isinstance(actor, str):  # the system (the monthly Celery task)
        return
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not post the waste fee charges."), code="forbidden")


def _finance_actor(actor):
    """The user recorded on the finance entries (None: the system, or a user without finance rights)."""
    if isinstance(actor, str) or not actor.has_perm("finance.post_entries"):
        return None
    return actor


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_label(month: datetime.date) -> str:
    return f"{month:%Y-%m}"


def _next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + 1, 1, 1) if month.month == 12 else month.replace(month=month.month + 1)


def charge_ref(declaration_id: int, month: datetime.date) -> str:
    return f"waste:{declaration_id}:{month_label(month)}"


def correction_ref(declaration_id: int, month: datetime.date) -> str:
    return f"{charge_ref(declaration_id, month)}:correction"


def annual_ref(declaration_id: int, year: int) -> str:
    return f"waste:{declaration_id}:{year}:annual"


def annual_correction_ref(declaration_id: int, year: int) -> str:
    return f"{annual_ref(declaration_id, year)}:correction"


def _day_of(year: int, month: int, day: int) -> datetime.date:
    """``day`` of the month, or the month's last day when the month is shorter."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def due_date(resolution: WasteResolution, month: datetime.date) -> datetime.date:
    """The nominal due date of a month's fee: the resolution's due day (the month's last day when shorter) of the
    month (monthly payments) or of the quarter's ``quarter_due_month`` (quarterly payments: months 01–03 with
    ``quarter_due_month`` 3 → the due day of March)."""
    target = month.month
    if resolution.payment_frequency == WasteResolution.Frequency.QUARTERLY:
        target = 3 * ((month.month - 1) // 3) + resolution.quarter_due_month
    return _day_of(month.year, target, resolution.due_day)


def cottage_due_date(resolution: WasteResolution, year: int, posted_on: datetime.date) -> datetime.date:
    """The nominal due date of a holiday cottage's annual fee for ``year``: the resolution's cottage due day (the
    month's last day when shorter); when that day has passed on ``posted_on``, 14 days after posting."""
    due = _day_of(year, resolution.cottage_due_month, resolution.cottage_due_day)
    return due if due >= posted_on else posted_on + datetime.timedelta(days=COTTAGE_LATE_DAYS)


class _Tariffs:
    """The resolution and rates of each month read once, and each distinct declared data computed once a month."""

    def __init__(self) -> None:
        self._months: dict[datetime.date, tuple] = {}
        self._fees: dict[tuple, domain.FeeResult | str] = {}

    def of(self, month: datetime.date) -> tuple[WasteResolution, domain.WasteRates]:
        if month not in self._months:
            resolution = waste_resolution_on(month)
            self._months[month] = (resolution, waste_rates_on(month) if resolution is not None else None)
        resolution, rates = self._months[month]
        if resolution is None or rates is None:
            raise ApplicationError(
                _("No waste fee resolution is in force on %(date)s.") % {"date": f"{month:%d.%m.%Y}"}, code="invalid"
            )
        return resolution, rates

    def fee(self, declaration: WasteDeclaration, month: datetime.date) -> domain.FeeResult:
        declared = declared_of(declaration)
        key = (month, declared)
        if key not in self._fees:
            try:
                self._fees[key] = domain.monthly_fee(declared, self.of(month)[1])
            except ApplicationError as error:
                self._fees[key] = str(error.message)
            except domain.WasteFeeError as error:
                self._fees[key] = str(error)
        result = self._fees[key]
        if isinstance(result, str):
            raise ApplicationError(result, code="invalid")
        return result


@dataclass(frozen=True)
class _Charge:
    """A charge to post: on the account of ``payer_id`` for ``year``."""

    declaration: WasteDeclaration
    payer_id: int
    amount: Decimal
    due: datetime.date
    value_date: datetime.date
    description: str
    source_ref: str
    annual: bool = False


@dataclass(frozen=True)
class _Charged:
    """What is already charged for a property: the month's fee, the year's annual fee (value dates of its charges)."""

    month: bool = False
    annual: tuple[datetime.date, ...] | None = None  # None: no annual entry for the year


#: the columns of a declaration the charges read (``declared_of``, the refs, the descriptions, the payer)
_FIELDS = (
    "id", "property_id", "payer_id", "number", "effective_from", "filed_on", "status", "method", "residents",
    "water_m3", "dwelling_m2", "households", "selective", "composts", "exemption_codes", "containers",
    "superseded_by_id", "property__kind",
)  # fmt: skip


def _in_force(month: datetime.date, property_ids=None) -> list:
    """The declarations in force (``selectors_waste.declarations_in_force``) with only the columns the charges read."""
    return declarations_in_force(month, property_ids, only=_FIELDS)


def _annual_sources(declarations, year: int, until: datetime.date) -> dict[int, tuple[datetime.date, object]]:
    """Per property of ``declarations`` (each in force in ``until``) the first month of ``year`` up to ``until`` in
    which a declaration for it is in force, and that declaration: the basis of the year's annual fee."""
    known = {d.property_id: d for d in declarations}
    result: dict[int, tuple[datetime.date, object]] = {}
    month = datetime.date(year, 1, 1)
    while month < until and len(result) < len(known):
        remaining = sorted(pk for pk in known if pk not in result)
        for declaration in _in_force(month, property_ids=remaining):
            result[declaration.property_id] = (month, declaration)
        month = _next_month(month)
    for pk, declaration in known.items():
        result.setdefault(pk, (until, declaration))
    return result


def _plan(
    declaration, month: datetime.date, charged: _Charged, source, tariffs: _Tariffs, today: datetime.date
) -> tuple[str, list[_Charge]]:
    """What to post for ``declaration`` in force in ``month``: ("posted" | "skipped" | "zero", charges). The month's
    fee unless charged already; for a holiday cottage the year's annual fee unless charged already (``source``: the
    first month of the year with a declaration in force and that declaration). ApplicationError: no fee."""
    cottage = declaration.property.kind == COTTAGE
    annual_due = cottage and charged.annual is None
    if charged.month and not annual_due:
        return "skipped", []
    number = declaration.number or declaration.pk
    charges: list[_Charge] = []
    if not charged.month:
        resolution, _rates = tariffs.of(month)
        amount = tariffs.fee(declaration, month).total
        if amount > 0:
            description = _("Waste fee %(month)s, declaration %(number)s") % {
                "month": f"{month:%m.%Y}",
                "number": number,
            }
            charges.append(_Charge(
                declaration=declaration, payer_id=declaration.payer_id, amount=amount,
                due=due_date(resolution, month), value_date=month, description=description,
                source_ref=charge_ref(declaration.pk, month),
            ))  # fmt: skip
    if annual_due:
        start, basis = source
        resolution, _rates = tariffs.of(start)
        amount = domain.payable(tariffs.fee(basis, start).annual)
        if amount > 0:
            description = _("Waste fee for the holiday cottage, year %(year)s, declaration %(number)s") % {
                "year": start.year, "number": basis.number or basis.pk,
            }  # fmt: skip
            charges.append(_Charge(
                declaration=basis, payer_id=basis.payer_id, amount=amount,
                due=cottage_due_date(resolution, start.year, today), value_date=start, description=description,
                source_ref=annual_ref(basis.pk, start.year), annual=True,
            ))  # fmt: skip
    if charges:
        return "posted", charges
    if charged.month or (cottage and month in (charged.annual or ())):
        return "skipped", []
    return "zero", []


def _month_entries(property_id: int, month: datetime.date):
    """The finance entries (charges and reductions, not reversed) of the property's waste fee for ``month``."""
    from finance.models import AccountEntry

    ids = WasteDeclaration.objects.filter(property_id=property_id).values_list("pk", flat=True)
    refs = [ref for pk in ids for ref in (charge_ref(pk, month), correction_ref(pk, month))]
    return list(
        AccountEntry.objects.filter(
            source_ref__in=refs,
            kind__in=(AccountEntry.Kind.CHARGE, AccountEntry.Kind.REDUCTION),
            reversed_by__isnull=True,
        ).order_by("pk")
    )


def _annual_entries(property_id: int, year: int):
    """The finance entries (charges and reductions, not reversed) of the property's annual fee for ``year``."""
    from finance.models import AccountEntry

    ids = WasteDeclaration.objects.filter(property_id=property_id).values_list("pk", flat=True)
    refs = [ref for pk in ids for ref in (annual_ref(pk, year), annual_correction_ref(pk, year))]
    return list(
        AccountEntry.objects.filter(
            source_ref__in=refs,
            kind__in=(AccountEntry.Kind.CHARGE, AccountEntry.Kind.REDUCTION),
            reversed_by__isnull=True,
        ).order_by("pk")
    )


def _annual_charged(entries) -> tuple[datetime.date, ...] | None:
    """The value dates of the annual fee's charges (None: nothing of the year's annual fee on the accounts)."""
    if not entries:
        return None
    return tuple(e.value_date for e in entries if e.kind == "charge" and e.source_ref.endswith(":annual"))


def _receivable_type():
    from finance.models import ReceivableType

    return ReceivableType.objects.get(code=RECEIVABLE_TYPE)


def account_ref(property_id: int) -> str:
    """The ``source_ref`` of the finance account the property's fee goes to: ``waste-property:<id>`` when the office
    keeps one account (and one individual bank account) per property (``WASTE_ACCOUNT_PER_PROPERTY``), else empty:
    one waste fee account per payer and year."""
    return f"waste-property:{property_id}" if getattr(settings, "WASTE_ACCOUNT_PER_PROPERTY", False) else ""


def _account(payer, year: int, property_id: int):
    from finance.services.accounts import account_get_or_create

    return account_get_or_create(
        party=payer,
        receivable_type=_receivable_type(),
        year=year,
        source_app="taxes",
        source_ref=account_ref(property_id),
    )


def _charge_details(charge: _Charge, month: datetime.date, entry_id: int, effective: datetime.date) -> dict:
    details = {
        "declaration": charge.declaration.pk, "month": month_label(month), "amount": str(charge.amount),
        "due_date": effective.isoformat(), "entry": entry_id,
    }  # fmt: skip
    if charge.annual:
        details["annual"] = charge.value_date.year
    return details


def _post_one(*, actor, declaration: WasteDeclaration, month: datetime.date, tariffs: _Tariffs, today) -> str:
    """Post the month's fee (and a cottage's annual fee) of one declaration in its own transaction, one
    ``charge_post`` and one audit event ``taxes.waste_charge.posted`` per charge: "posted" | "skipped" | "zero"."""
    from finance.services.accounts import charge_post, effective_due_date

    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=declaration.property_id)  # one poster per property
        annual = None
        if declaration.property.kind == COTTAGE:
            annual = _annual_charged(_annual_entries(declaration.property_id, month.year))
        charged = _Charged(month=bool(_month_entries(declaration.property_id, month)), annual=annual)
        source = None
        if declaration.property.kind == COTTAGE and annual is None:
            source = _annual_sources([declaration], month.year, month)[declaration.property_id]
        outcome, charges = _plan(declaration, month, charged, source, tariffs, today)
        for charge in charges:
            entry = charge_post(
                actor=_finance_actor(actor),
                account=_account(charge.declaration.payer, month.year, charge.declaration.property_id),
                amount=charge.amount, installments=[(charge.due, charge.amount)], value_date=charge.value_date,
                description=charge.description, source_ref=charge.source_ref,
            )  # fmt: skip
            details = _charge_details(charge, month, entry.pk, effective_due_date(charge.due))
            audit_log(actor=actor, action="taxes.waste_charge.posted", obj=charge.declaration, details=details)
    return outcome


def _post_chunk(
    *, actor, declarations: list, month: datetime.date, tariffs: _Tariffs, today
) -> tuple[list[tuple], list[_Charge]]:
    """Post the fees of a chunk of declarations (of distinct properties) in one transaction, set-based: the
    properties locked in id order, what is charged read in one query, the accounts and the charges written in
    bulk. Returns (declaration, outcome, message) per declaration — outcome "error" with the message when its fee
    cannot be computed — and the charges posted. A database failure rolls the whole chunk back (the caller falls
    back to one by one)."""
    from finance.models import AccountEntry, ObligorAccount
    from finance.services.bulk import chunks
    from finance.services.charges_bulk import (
        AccountRef,
        ChargeDraft,
        accounts_by_ref_get_or_create_many,
        charges_post_many,
    )

    year, label = month.year, month_label(month)
    results: list[tuple] = []
    with transaction.atomic():
        property_ids = sorted({d.property_id for d in declarations})
        in_chunk = set(property_ids)
        # the chunk's id range (the run goes by property id): range conditions instead of long IN lists; rows of
        # the range outside the chunk (a run limited by property_ids) are locked too and ignored below
        span = {"gte": property_ids[0], "lte": property_ids[-1]}
        locked = WasteProperty.objects.select_for_update().filter(pk__gte=span["gte"], pk__lte=span["lte"])
        list(locked.order_by("pk").values_list("pk", flat=True))  # one poster per property, in id order
        of_range = WasteDeclaration.objects.filter(property_id__gte=span["gte"], property_id__lte=span["lte"])
        cottages = {d.property_id for d in declarations if d.property.kind == COTTAGE}
        refs: dict[str, tuple[int, bool]] = {}  # source_ref → (property, annual?)
        payers: set[int] = set()
        for pk, property_id, payer_id in of_range.values_list("pk", "property_id", "payer_id"):
            if property_id not in in_chunk:
                continue
            payers.add(payer_id)
            refs[f"waste:{pk}:{label}"] = refs[f"waste:{pk}:{label}:correction"] = (property_id, False)  # charge_ref
            if property_id in cottages:
                refs[f"waste:{pk}:{year}:annual"] = refs[f"waste:{pk}:{year}:annual:correction"] = (property_id, True)
        receivable_type = _receivable_type()
        # the waste fee accounts of the year of every payer of the chunk's declarations (all the month's entries of
        # a property are on them: the charges on the declaration's payer's, the reductions on the charge's)
        account_of, account_ids = {}, []
        for part in chunks(sorted(payers)):
            for pk, party_id, ref in ObligorAccount.objects.filter(
                receivable_type=receivable_type, year=year, party_id__in=part
            ).values_list("pk", "party_id", "source_ref"):
                account_ids.append(pk)
                account_of[(party_id, ref)] = pk
        month_charged: set[int] = set()
        annual: dict[int, list[datetime.date]] = {}
        ours = (
            Q(source_ref__endswith=f":{label}") | Q(source_ref__endswith=f":{label}:correction")
            | Q(source_ref__endswith=f":{year}:annual") | Q(source_ref__endswith=f":{year}:annual:correction")
        )  # fmt: skip
        rows = [
            row
            for part in chunks(sorted(account_ids))
            for row in AccountEntry.objects.filter(
                ours, account_id__in=part, source_ref__startswith="waste:", reversed_by__isnull=True,
                kind__in=(AccountEntry.Kind.CHARGE, AccountEntry.Kind.REDUCTION),
            ).values_list("source_ref", "kind", "value_date")
        ]  # fmt: skip
        for ref, kind, value_date in rows:
            if ref not in refs:  # another property of the payer
                continue
            property_id, is_annual = refs[ref]
            if not is_annual:
                month_charged.add(property_id)
                continue
            dates = annual.setdefault(property_id, [])
            if kind == AccountEntry.Kind.CHARGE and ref.endswith(":annual"):
                dates.append(value_date)
        due_annual = [d for d in declarations if d.property_id in cottages and d.property_id not in annual]
        sources = _annual_sources(due_annual, year, month) if due_annual else {}
        planned: list[_Charge] = []
        for declaration in declarations:
            pk = declaration.property_id
            charged = _Charged(month=pk in month_charged, annual=tuple(annual[pk]) if pk in annual else None)
            try:
                outcome, charges = _plan(declaration, month, charged, sources.get(pk), tariffs, today)
            except ApplicationError as error:
                results.append((declaration, "error", str(error.message)))
                continue
            results.append((declaration, outcome, ""))
            planned += charges
        if planned:
            keys = {(c.payer_id, account_ref(c.declaration.property_id)) for c in planned}
            accounts_of = {
                key: AccountRef(pk=account_of[key], receivable_type_id=receivable_type.pk)
                for key in keys
                if key in account_of
            }
            missing = keys - set(accounts_of)
            if missing:
                accounts_of.update(accounts_by_ref_get_or_create_many(
                    keys=missing, receivable_type=receivable_type, year=year, source_app="taxes",
                ))  # fmt: skip
            charges_post_many(
                actor=_finance_actor(actor),
                drafts=[
                    ChargeDraft(
                        account=accounts_of[(c.payer_id, account_ref(c.declaration.property_id))],
                        amount=c.amount, installments=((c.due, c.amount),),
                        value_date=c.value_date, description=c.description, source_ref=c.source_ref,
                    )
                    for c in planned
                ],
                source=f"taxes.waste_charges {label}",
            )  # fmt: skip
    return results, planned


def _ids_detail(property_ids):
    """The run's property filter for its audit event: the ids (at most 100), else their number."""
    if property_ids is None:
        return None
    ids = sorted(property_ids)
    return ids if len(ids) <= 100 else {"count": len(ids)}


def waste_charges_post(*, actor, month: datetime.date, property_ids=None) -> dict:
    """Charge the waste fee of ``month`` (any day of it) for every property with an accepted declaration in force
    (only those of ``property_ids`` when given), and a holiday cottage's annual fee of the year when not charged yet.
    Returns the counts per declaration ``{"posted", "skipped", "zero", "errors"}``: a month (a cottage's annual
    fee) already charged for the property is skipped, a zero fee posts nothing, a declaration whose fee cannot be
    computed or posted is counted in errors (listed in the run's audit event ``taxes.waste_charges.run``) and the
    others go on."""
    _require(actor)
    month = month_start(month)
    property_ids = None if property_ids is None else list(property_ids)
    today = timezone.localdate()
    tariffs = _Tariffs()
    counts = {"posted": 0, "skipped": 0, "zero": 0, "errors": 0}
    failures: list[dict] = []
    totals = {"charges": 0, "annual": 0, "amount": ZERO, "chunks": 0, "one_by_one": 0}
    declarations = _in_force(month, property_ids=property_ids)
    for start in range(0, len(declarations), CHUNK):
        part = declarations[start : start + CHUNK]
        totals["chunks"] += 1
        try:
            results, planned = _post_chunk(actor=actor, declarations=part, month=month, tariffs=tariffs, today=today)
        except (ApplicationError, DatabaseError) as error:  # one by one: the bad declaration fails alone
            logger.warning("waste charges %s: chunk of %d fell back to one by one: %s", month, len(part), error)
            totals["one_by_one"] += 1
            results, planned = [], []
            for declaration in part:
                try:
                    outcome = _post_one(actor=actor, declaration=declaration, month=month, tariffs=tariffs, today=today)
                except (ApplicationError, DatabaseError) as failure:
                    message = str(getattr(failure, "message", failure))
                    results.append((declaration, "error", message))
                    continue
                results.append((declaration, outcome, ""))
        for declaration, outcome, message in results:
            if outcome == "error":
                counts["errors"] += 1
                failures.append({"declaration": declaration.pk, "message": message})
            else:
                counts[outcome] += 1
        for charge in planned:
            totals["charges"] += 1
            totals["annual"] += charge.annual
            totals["amount"] += charge.amount
    with transaction.atomic():
        audit_log(
            actor=actor, action="taxes.waste_charges.run", object_type="taxes.wastecharges",
            object_id=month_label(month),
            details={
                **counts, "month": month_label(month), "failures": failures, "bulk_charges": totals["charges"],
                "bulk_annual": totals["annual"], "bulk_amount": str(totals["amount"]), "chunks": totals["chunks"],
                "chunks_one_by_one": totals["one_by_one"],
                "property_ids": _ids_detail(property_ids),
            },
        )  # fmt: skip
    return counts


def _charged_periods(property_id: int, from_month: datetime.date) -> tuple[list[datetime.date], list[int]]:
    """The months from ``from_month`` and the years from its year whose fee (annual fee) is charged."""
    from finance.models import AccountEntry

    ids = WasteDeclaration.objects.filter(property_id=property_id).values_list("pk", flat=True)
    query = Q()
    for pk in ids:
        query |= Q(source_ref__startswith=f"waste:{pk}:")
    if not query:
        return [], []
    months, years = set(), set()
    refs = AccountEntry.objects.filter(query, kind=AccountEntry.Kind.CHARGE, reversed_by__isnull=True).values_list(
        "source_ref", flat=True
    )
    for ref in refs:
        parts = ref.split(":")
        if len(parts) < 3:
            continue
        if len(parts) >= 4 and parts[3] == "annual":
            if int(parts[2]) >= from_month.year:
                years.add(int(parts[2]))
            continue
        year, month = (int(p) for p in parts[2].split("-"))
        day = datetime.date(year, month, 1)
        if day >= from_month:
            months.add(day)
    return sorted(months), sorted(years)


def _reduce(*, actor, charges, amount: Decimal, ref: str, description: str) -> list[int]:
    """Reduce the charges by ``amount``, the latest charge first, each by at most what is left of it."""
    from finance.models import AccountEntry
    from finance.services.accounts import reduction_post

    written = []
    left = amount
    for charge in sorted(charges, key=lambda c: c.pk, reverse=True):
        if left <= 0:
            break
        reduced = sum(
            (
                e.amount
                for e in AccountEntry.objects.filter(
                    installment__charge=charge, kind=AccountEntry.Kind.REDUCTION, reversed_by__isnull=True
                )
            ),
            ZERO,
        )
        take = min(left, charge.amount - reduced)
        if take <= 0:
            continue
        entries = reduction_post(
            actor=_finance_actor(actor), charge=charge, amount=take, value_date=timezone.localdate(),
            description=description, source_ref=ref,
        )  # fmt: skip
        written += [e.pk for e in entries]
        left -= take
    return written


def _charged_sum(entries) -> Decimal:
    from finance.models import AccountEntry

    return sum((e.amount for e in entries if e.kind == AccountEntry.Kind.CHARGE), ZERO) - sum(
        (e.amount for e in entries if e.kind == AccountEntry.Kind.REDUCTION), ZERO
    )


def _settle(*, actor, entries, declaration, amount: Decimal, year: int, ref: str, description: str, post) -> list[int]:
    """Bring a period's entries (charges and reductions, maybe on several payers' accounts after a change of payer)
    to ``amount`` owed by the payer of ``declaration`` (None: nothing owed): every other account's net charge is
    reduced to zero, the payer's account charged (``post(account, difference)`` → entry) or reduced by the
    difference. The ids of the entries written (none: nothing to do)."""
    from finance.models import AccountEntry

    net: dict[int, Decimal] = {}
    for e in entries:
        sign = 1 if e.kind == AccountEntry.Kind.CHARGE else -1
        net[e.account_id] = net.get(e.account_id, ZERO) + sign * e.amount
    charges = [e for e in entries if e.kind == AccountEntry.Kind.CHARGE]
    target = None
    if declaration is not None and amount > 0:
        target = _account(declaration.payer, year, declaration.property_id)
    written: list[int] = []
    for account_id, value in sorted(net.items()):
        if (target is None or account_id != target.pk) and value > 0:
            mine = [c for c in charges if c.account_id == account_id]
            written += _reduce(actor=actor, charges=mine, amount=value, ref=ref, description=description)
    if target is not None:
        difference = amount - net.get(target.pk, ZERO)
        if difference > 0:
            written.append(post(target, difference).pk)
        elif difference < 0:
            mine = [c for c in charges if c.account_id == target.pk]
            written += _reduce(actor=actor, charges=mine, amount=-difference, ref=ref, description=description)
    return written


def _correct_month(*, actor, property, month, tariffs) -> dict | None:
    from finance.models import AccountEntry
    from finance.services.accounts import charge_post

    entries = _month_entries(property.pk, month)
    charges = [e for e in entries if e.kind == AccountEntry.Kind.CHARGE]
    charged = _charged_sum(entries)
    in_force = declarations_in_force(month, property_ids=[property.pk])
    if in_force:
        declaration = in_force[0]
        amount, resolution = tariffs.fee(declaration, month).total, tariffs.of(month)[0]
    else:
        declaration, amount, resolution = None, ZERO, None
    difference = amount - charged
    ref_id = declaration.pk if declaration is not None else int(charges[-1].source_ref.split(":")[1])
    ref = correction_ref(ref_id, month)
    description = _("Waste fee %(month)s, correction after the declaration %(number)s") % {
        "month": f"{month:%m.%Y}",
        "number": (declaration.number or declaration.pk) if declaration else "—",
    }

    def post(account, value):
        return charge_post(
            actor=_finance_actor(actor), account=account, amount=value,
            installments=[(due_date(resolution, month), value)], value_date=timezone.localdate(),
            description=description, source_ref=ref,
        )  # fmt: skip

    written = _settle(actor=actor, entries=entries, declaration=declaration, amount=amount, year=month.year, ref=ref,
                      description=description, post=post)  # fmt: skip
    if not written:
        return None
    return {"month": month_label(month), "difference": str(difference), "entries": written}


def _correct_annual(*, actor, property, year: int, tariffs) -> dict | None:
    from finance.models import AccountEntry
    from finance.services.accounts import charge_post

    entries = _annual_entries(property.pk, year)
    charges = [e for e in entries if e.kind == AccountEntry.Kind.CHARGE]
    charged = _charged_sum(entries)
    december = datetime.date(year, 12, 1)
    in_force = declarations_in_force(december, property_ids=[property.pk])
    declaration, amount, resolution, start = None, ZERO, None, None
    if in_force:
        start, declaration = _annual_sources(in_force, year, december)[property.pk]
        amount = domain.payable(tariffs.fee(declaration, start).annual)
        resolution = tariffs.of(start)[0]
    difference = amount - charged
    ref_id = declaration.pk if declaration is not None else int(charges[-1].source_ref.split(":")[1])
    ref = annual_correction_ref(ref_id, year)
    description = _("Waste fee for the holiday cottage, year %(year)s, correction after the declaration %(number)s") % {
        "year": year, "number": (declaration.number or declaration.pk) if declaration else "—",
    }  # fmt: skip
    today = timezone.localdate()

    def post(account, value):
        return charge_post(
            actor=_finance_actor(actor), account=account, amount=value,
            installments=[(cottage_due_date(resolution, year, today), value)], value_date=today,
            description=description, source_ref=ref,
        )  # fmt: skip

    written = _settle(actor=actor, entries=entries, declaration=declaration, amount=amount, year=year, ref=ref,
                      description=description, post=post)  # fmt: skip
    if not written:
        return None
    return {"month": f"{year}:annual", "year": year, "difference": str(difference), "entries": written}


def waste_charges_correct(*, actor, property: WasteProperty, from_month: datetime.date) -> list[dict]:
    """Bring every month of ``property`` already charged from ``from_month`` to the fee of the declaration now in
    force in it: the difference to what is charged (charges − reductions) is charged (``…:correction``, due on the
    month's due day) or reduced. A holiday cottage's annual fee of every year from ``from_month``'s already charged
    likewise, against the declaration in force in the first month of the year with one (a change later in the year
    does not change the year's annual fee). Months (years) not yet charged are left to :func:`waste_charges_post`;
    an unchanged fee posts nothing (safe twice). Returns one row per corrected month (year: ``"YYYY:annual"``); all
    or nothing."""
    _require(actor)
    from_month = month_start(from_month)
    tariffs = _Tariffs()
    rows = []
    with transaction.atomic():
        WasteProperty.objects.select_for_update().get(pk=property.pk)
        months, years = _charged_periods(property.pk, from_month)
        for month in months:
            row = _correct_month(actor=actor, property=property, month=month, tariffs=tariffs)
            if row is not None:
                rows.append(row)
        for year in years:
            row = _correct_annual(actor=actor, property=property, year=year, tariffs=tariffs)
            if row is not None:
                rows.append(row)
        audit_log(
            actor=actor, action="taxes.waste_charge.corrected", obj=property,
            details={"from_month": month_label(from_month), "months": rows},
        )  # fmt: skip
    return rows
