"""Mass assessment of a tax year (issue 8 point 5): a run is created (DRAFT), computed as a dry run (one
:class:`~taxes.models.Proposal` per decision unit, with last year's total, the difference and the anomaly flags →
DRY_RUN), reviewed, and issued (ISSUING → one :class:`~taxes.models.Decision` per tax liability of each proposal
above the no-decision threshold, numbered, with its taxes, items, installments, individual bank account and payment
QR code → ISSUED).

Decision units (upol art. 3 ust. 4: co-owners and spouses are jointly and severally liable for the WHOLE tax): for
each object and month of the year the holder set is the parties with a liability covering the month; a unit is one
holder set (A alone for X and A with B for Y → two units, {A} and {A, B}). A unit's objects are taxed whole
(``share`` 1; the addressee's share is kept as text in the items). The addressee (``Proposal.party`` /
``Decision.party``) is the holder with the largest share summed over the unit's objects — spouses only when nobody
else holds —, ties → the lowest party id; the other holders are the co-obligors. A unit with a legal person among
its holders is left out of the natural-person run (DN-1 territory) and counted in ``summary["counts"]
["legal_person_units"]``.

One decision per tax liability: the engine (``assess_taxpayer``) returns one result per decision — łączne
zobowiązanie pieniężne (agricultural + property and/or forest) in one; otherwise property and forest separately,
each with its own 100 zł rule and installments.

Every status change goes through :func:`_transition` (locks the run row, checks ``AssessmentRun.TRANSITIONS``).
Issuing works per chunk of proposals, each chunk in its own transaction: a crash leaves the chunks before it
committed and the run ISSUING (or FAILED when the error was caught); calling :func:`assessment_run_issue` again
continues with the proposals that have no decision yet. :class:`~taxes.models.assessment.ProposalDecision` (proposal,
position) is unique: the backstop against a decision issued twice.

Proposal ``taxes`` JSON (strings for Decimals, ISO dates)::

    {"unit": "12-57", "co_obligors": [57], "error": null | {"code": ..., "message": ...},
     "decisions": [{"taxes": ["property"], "per_tax": {"property": {"exact": "726.8000", "amount": "727",
                                                                   "farm": null}},
                    "joint": false, "decision": true, "single": false, "total": "727",
                    "period_from": "2025-01-01", "period_to": "2025-12-31",
                    "items": [{"tax", "object", "version", "liability", "category", "base", "rate", "months",
                               "share", "amount", "exemption"}],
                    "installments": [{"number": 1, "nominal_due": "2025-03-15", "due": "2025-03-17",
                                      "amount": "181.75"}]}, ...],
     # the unit as a whole (the year-over-year table, readers of one figure per unit):
     "per_tax": {...all taxes...}, "items": [...all items...], "total": "Σ decisions", "joint": any,
     "decision": any decision issued, "single": every issued decision single, "period_from", "period_to",
     "installments": the issued decisions' installments (one decision: its own; several: summed per due date)}

Flags (``Proposal.flags``): ``change`` (|difference| > ``YearSettings.anomaly_amount`` zł, or > ``anomaly_percent`` %
of last year's tax), ``below_threshold`` (a decision of the unit will not be issued: tax ≤ the no-decision
threshold), ``no_rate`` (the engine refused: a rate or a hectare multiplier is missing — ``taxes["error"]`` keeps the
code and message; no decision), ``co_owner_no_address`` (a unit of several holders, one of them with neither a
registered nor a correspondence address).

Last year (``previous_total``) per unit: see :func:`_previous_by_unit` — the decisions of ``year - 1`` with the same
addressee and the same co-obligors; fallback: the addressee's decisions not matched by another unit.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.models import Party
from core.services.audit import audit_log
from taxes.domain.engine import ONE, Conventions, EngineError, JointResult, TaxableItem, YearRates, assess_taxpayer
from taxes.domain.installments import NATURAL, payment_plan
from taxes.models import AssessmentRun, Decision, DecisionInstallment, DecisionItem, DecisionTax, Liability, Proposal
from taxes.models.assessment import ProposalDecision
from taxes.selectors import conventions_for_year, due_date_shift, year_rates, year_settings
from taxes.selectors_register import Holdings, holdings_for_year

PERM = "taxes.assess_taxes"
Status = AssessmentRun.Status
COMPUTE_CHUNK = 5000
ISSUE_CHUNK = 1000
DEFAULT_INLINE_TAXPAYERS = 500
DEFAULT_PROCESSES = 1
DEFAULT_NUMBER_PREFIX = "FN.3120.1"
PARAGRAF = {"property": "0310", "agricultural": "0320", "forest": "0330", "transport": "0340"}
FLAG_CHANGE, FLAG_BELOW, FLAG_NO_RATE, FLAG_CO_OWNER = "change", "below_threshold", "no_rate", "co_owner_no_address"
FLAGS = (FLAG_CHANGE, FLAG_BELOW, FLAG_NO_RATE, FLAG_CO_OWNER)
CHANNEL_ADE, CHANNEL_EPUAP, CHANNEL_POST = "e_doreczenia", "epuap", "post"
HOLDER_ROLES = (Liability.Role.OWNER, Liability.Role.CO_OWNER, Liability.Role.PERPETUAL_USER, Liability.Role.POSSESSOR)


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not assess taxes."), code="forbidden")


def inline_limit() -> int:
    return int(getattr(settings, "TAXES_ASSESSMENT_INLINE_TAXPAYERS", DEFAULT_INLINE_TAXPAYERS))


def _transition(run_id: int, to: str, **fields) -> AssessmentRun:
    """Lock the run, check ``TRANSITIONS`` (``to`` equal to the current status is a no-op), set ``fields``."""
    with transaction.atomic():
        run = AssessmentRun.objects.select_for_update().get(pk=run_id)
        if run.status != to and to not in AssessmentRun.TRANSITIONS[Status(run.status)]:
            raise ApplicationError(
                _("The assessment run cannot go from %(from)s to %(to)s.")
                % {"from": run.get_status_display(), "to": Status(to).label},
                code="invalid_state",
            )
        run.status = to
        for name, value in fields.items():
            setattr(run, name, value)
        run.save()
        return run


# --- create --------------------------------------------------------------------------------------------------------


def assessment_run_create(*, actor, year: int, issue_date: datetime.date | None = None) -> AssessmentRun:
    """A new run for ``year`` (DRAFT). Refused, writing nothing, while another run of the year is active."""
    _require(actor)
    if not 2000 <= int(year) <= 2100:
        raise ApplicationError(_("The tax year must be between 2000 and 2100."), code="invalid")
    with transaction.atomic():
        active = AssessmentRun.objects.select_for_update().filter(year=year, status__in=AssessmentRun.ACTIVE).first()
        if active is not None:
            raise ApplicationError(
                _("Another assessment run for %(year)s is active: #%(id)s (%(status)s). Finish or cancel it first.")
                % {"year": year, "id": active.pk, "status": active.get_status_display()},
                code="run_active",
            )
        try:
            with transaction.atomic():
                run = AssessmentRun.objects.create(year=year, issue_date=issue_date, created_by=actor)
        except IntegrityError:
            raise ApplicationError(
                _("Another assessment run for %(year)s was started at the same moment.") % {"year": year},
                code="run_active",
            ) from None
        audit_log(actor=actor, action="taxes.assessment_run.create", obj=run, details={"year": year})
    return run


def assessment_run_cancel(*, actor, run: AssessmentRun) -> AssessmentRun:
    _require(actor)
    with transaction.atomic():
        run = _transition(run.pk, Status.CANCELLED, finished_at=timezone.now())
        audit_log(actor=actor, action="taxes.assessment_run.cancel", obj=run, details={})
    return run


# --- dry run -------------------------------------------------------------------------------------------------------


def taxpayer_ids(year: int) -> list[int]:
    """Natural persons liable (any role) for an object other than a vehicle in ``year``."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return sorted(
        set(
            Liability.objects.filter(valid_from__lte=end, party__kind=Party.Kind.PERSON)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .exclude(object__kind="vehicle")
            .values_list("party_id", flat=True)
        )
    )


def assessment_run_request_compute(*, actor, run: AssessmentRun) -> AssessmentRun:
    """Start (or redo from DRY_RUN) the dry run: inline when the year has fewer taxpayers than
    ``TAXES_ASSESSMENT_INLINE_TAXPAYERS`` (500), else the Celery task ``taxes.tasks.compute_assessment_run``."""
    _require(actor)
    with transaction.atomic():
        run = _transition(run.pk, Status.DRAFT, error="", progress_done=0, progress_total=0)
        audit_log(actor=actor, action="taxes.assessment_run.compute", obj=run, details={})
    if len(taxpayer_ids(run.year)) < inline_limit():
        return assessment_run_compute(run_id=run.pk)
    from taxes.tasks import compute_assessment_run

    compute_assessment_run.delay(run.pk)
    return run


@dataclass
class _Context:
    year: int
    rates: YearRates
    conventions: Conventions
    shift: object
    anomaly_percent: Decimal
    anomaly_amount: Decimal
    plans: dict = field(default_factory=dict)


def _context(year: int) -> _Context:
    settings_ = year_settings(year)
    return _Context(
        year=year, rates=year_rates(year), conventions=conventions_for_year(year), shift=due_date_shift(year),
        anomaly_percent=Decimal(settings_.anomaly_percent), anomaly_amount=Decimal(settings_.anomaly_amount),
    )  # fmt: skip


# --- decision units ------------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """Holders jointly and severally liable for some objects in some months (upol art. 3 ust. 4): one proposal.

    ``months`` maps (object id, version id) → the number of months of the year in which exactly these holders are
    liable for the object and the version is valid; ``holding`` maps object id → {party id: (liability id, share,
    role)} of the holders; ``first`` / ``last`` are the first and last of those months, ``spans`` the same per tax
    (a decision's period and installments start with the first month of its taxes)."""

    holders: frozenset
    months: dict = field(default_factory=lambda: defaultdict(int))
    holding: dict = field(default_factory=dict)
    first: int = 12
    last: int = 1
    spans: dict = field(default_factory=dict)  # tax → (first, last) month
    addressee: int = 0

    @property
    def key(self) -> str:
        key = self.__dict__.get("_key")
        if key is None:
            key = self.__dict__["_key"] = unit_key(self.holders)
        return key

    @property
    def co_obligors(self) -> list[int]:
        return sorted(self.holders - {self.addressee})


UNIT_KEY_LENGTH = 200  # Proposal.unit


def unit_key(holders) -> str:
    """The key of a decision unit: the sorted party ids joined by "-" ("12-57"). A unit of very many co-owners (a
    shared access road) whose list would not fit is keyed by its first ids and a digest of all of them."""
    key = "-".join(str(pid) for pid in sorted(holders))
    if len(key) <= UNIT_KEY_LENGTH:
        return key
    import hashlib

    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{key[: UNIT_KEY_LENGTH - 40].rsplit('-', 1)[0]}-#{digest}"


def _month_range(valid_from: datetime.date, valid_to: datetime.date | None, year: int) -> tuple[int, int]:
    """The months of ``year`` whose first day is within [valid_from, valid_to] (dates are month-aligned)."""
    low = 1 if valid_from.year < year else valid_from.month + (1 if valid_from.day > 1 else 0)
    high = 12 if valid_to is None or valid_to.year > year else valid_to.month
    return low, high


def _addressee(unit: Unit) -> int:
    """The holder with the largest share summed over the unit's objects (spouses only when the unit has no other
    holder), ties → the lowest party id."""
    if len(unit.holders) == 1:
        return next(iter(unit.holders))
    score: dict[int, Fraction] = defaultdict(Fraction)
    spouses = set()
    for holding in unit.holding.values():
        for pid, (_liability, share, role) in holding.items():
            score[pid] += share
            if role == Liability.Role.SPOUSE:
                spouses.add(pid)
    candidates = (unit.holders - spouses) or unit.holders
    return min(candidates, key=lambda pid: (-score[pid], pid))


def decision_units(holdings: Holdings) -> dict[frozenset, Unit]:
    """The decision units of :class:`~taxes.selectors_register.Holdings`: for each object and each month of the
    year, the holder set is the parties with a liability covering the month (any role — co-owners, spouses,
    perpetual users, possessors are jointly liable); months without a valid version of the object are not taxed.
    Pure: no queries."""
    year = holdings.year
    units: dict[frozenset, Unit] = {}
    for oid, liabilities in holdings.liabilities.items():
        versions = holdings.versions.get(oid)
        if not versions:
            continue
        tax = holdings.objects[oid][0]
        if len(liabilities) == 1 and len(versions) == 1:  # the common case: one holder, one version
            li, v = liabilities[0], versions[0]
            l_low, l_high = _month_range(li.valid_from, li.valid_to, year)
            v_low, v_high = _month_range(v.valid_from, v.valid_to, year)
            low, high = max(l_low, v_low), min(l_high, v_high)
            if low > high:
                continue
            runs = [(frozenset((li.party_id,)), v, liabilities, low, high)]
        else:
            v_ranges = [(v, *_month_range(v.valid_from, v.valid_to, year)) for v in versions]
            l_ranges = [(li, *_month_range(li.valid_from, li.valid_to, year)) for li in liabilities]
            runs = []
            for month in range(1, 13):
                version = next((v for v, lo, hi in v_ranges if lo <= month <= hi), None)
                if version is None:
                    continue
                present = [li for li, lo, hi in l_ranges if lo <= month <= hi]
                if not present:
                    continue
                runs.append((frozenset(li.party_id for li in present), version, present, month, month))
        for holders, version, present, low, high in runs:
            unit = units.get(holders)
            if unit is None:
                unit = units[holders] = Unit(holders)
            unit.months[(oid, version.id)] += high - low + 1
            unit.first, unit.last = min(unit.first, low), max(unit.last, high)
            span = unit.spans.get(tax)
            unit.spans[tax] = (low, high) if span is None else (min(span[0], low), max(span[1], high))
            holding = unit.holding.setdefault(oid, {})
            for li in present:
                holding[li.party_id] = (li.id, li.share, li.role)
    for unit in units.values():
        unit.addressee = _addressee(unit)
    return units


def _unit_items(unit: Unit, holdings: Holdings) -> list[TaxableItem]:
    """The engine's items of a unit: each (object, version) WHOLE (share 1 — joint and several liability) for its
    months; ``ref`` = (object id, version id, the addressee's liability id, the addressee's share as text)."""
    items = []
    versions = {v.id: v for oid, _vid in unit.months for v in holdings.versions[oid]}
    for (oid, vid), count in unit.months.items():
        v = versions[vid]
        holding = unit.holding[oid]
        liability, share, _role = holding.get(unit.addressee) or next(iter(holding.values()))
        items.append(
            TaxableItem(
                tax=holdings.objects[oid][0], category=v.category, unit=v.unit, area=v.area, area_low=v.area_low,
                value=v.value, land_type=v.land_type, land_class=v.land_class, reserve=v.reserve,
                exemption=v.exemption or "", months=count, share=ONE, ref=(oid, vid, liability, str(share)),
            )
        )  # fmt: skip
    return items


def _money(value) -> str:
    return str(value) if isinstance(value, Decimal) else str(Decimal(value))


def _period(year: int, first: int, last: int) -> tuple[str, str]:
    period_to = datetime.date(year + last // 12, last % 12 + 1, 1) - datetime.timedelta(days=1)
    return datetime.date(year, first, 1).isoformat(), period_to.isoformat()


def _assess_unit(unit: Unit, holdings: Holdings, ctx: _Context) -> dict:
    """The ``taxes`` JSON of a unit's proposal (see the module docstring)."""
    year = ctx.year
    period_from, period_to = _period(year, unit.first, unit.last)
    data = {
        "unit": unit.key, "co_obligors": unit.co_obligors, "per_tax": {}, "joint": False, "decision": False,
        "single": False, "error": None, "items": [], "installments": [], "period_from": period_from,
        "period_to": period_to, "total": "0", "decisions": [],
    }  # fmt: skip
    items = _unit_items(unit, holdings)
    try:
        results: list[JointResult] = assess_taxpayer(items, ctx.rates, ctx.conventions, natural_person=True)
    except EngineError as error:
        data["error"] = {"code": error.code, "message": str(error)}
        return data
    total = Decimal(0)
    for result in results:
        taxes = [t.tax for t in result.taxes]
        first = min(unit.spans[t][0] for t in taxes)
        last = max(unit.spans[t][1] for t in taxes)
        element = {"taxes": taxes, "per_tax": {}, "joint": result.joint, "items": []}
        for tax in result.taxes:
            element["per_tax"][tax.tax] = {"exact": _money(tax.exact), "amount": _money(tax.amount), "farm": tax.farm}
            for r in tax.items:
                object_id, version_id, liability_id, share = r.item.ref
                element["items"].append({
                    "tax": tax.tax, "object": object_id, "version": version_id, "liability": liability_id,
                    "category": r.item.category, "base": _money(r.base), "rate": _money(r.rate),
                    "months": r.item.months, "share": share, "amount": _money(r.amount), "exemption": r.exemption,
                })  # fmt: skip
        amount, decision, single, installments = _plan(ctx, result.total, first)
        element["period_from"], element["period_to"] = _period(year, first, last)
        element["total"] = str(amount)
        element["decision"], element["single"] = decision, single
        element["installments"] = [dict(i) for i in installments]
        data["decisions"].append(element)
        total += amount
        data["per_tax"].update(element["per_tax"])
        data["items"] += element["items"]
        data["joint"] = data["joint"] or result.joint
    issued = [e for e in data["decisions"] if e["decision"]]
    # the unit's tax this year = what its decisions will charge (a liability below the no-decision threshold is
    # not collected); a unit with no decision at all shows its computed tax, flagged below_threshold
    data["total"] = _money(sum((Decimal(e["total"]) for e in issued), Decimal(0)) if issued else total)
    data["decision"] = bool(issued)
    data["single"] = bool(issued) and all(e["single"] for e in issued)
    data["installments"] = _merged_installments(issued or data["decisions"])
    return data


def _plan(ctx: _Context, total: Decimal, first: int) -> tuple:
    """``payment_plan`` of a natural person's decision (amount, decision, single, installments as JSON), memoised
    per (total, first month) for the run: 100 000 units share a few thousand distinct plans."""
    key = (total, first)
    plan = ctx.plans.get(key)
    if plan is None:
        year = ctx.year
        start = datetime.date(year, first, 1) if first > 1 else None
        made = payment_plan(total, year=year, shift=ctx.shift, payer=NATURAL, start=start, conventions=ctx.conventions)
        installments = tuple(
            {"number": i.number, "nominal_due": i.nominal_due.isoformat(), "due": i.due.isoformat(),
             "amount": str(i.amount)}
            for i in made.installments
        )  # fmt: skip
        plan = ctx.plans[key] = (made.amount, made.decision, made.single, installments)
    return plan


def _merged_installments(elements: list[dict]) -> list[dict]:
    """One decision: its installments; several: the amounts due on the same day summed (what the unit pays)."""
    if len(elements) == 1:
        return elements[0]["installments"]
    by_due: dict[str, list] = {}
    for e in elements:
        for i in e["installments"]:
            row = by_due.setdefault(i["due"], [i["nominal_due"], Decimal(0)])
            row[1] += Decimal(i["amount"])
    return [
        {"number": n, "nominal_due": nominal, "due": due, "amount": _money(amount)}
        for n, (due, (nominal, amount)) in enumerate(sorted(by_due.items()), 1)
    ]


def _natural(unit: Unit, holdings: Holdings) -> bool:
    return all(holdings.parties[pid].kind == Party.Kind.PERSON for pid in unit.holders if pid in holdings.parties)


def assess_parties(*, year: int, party_ids) -> list[dict]:
    """The assessment of ``year`` from the register as it stands, for the decision units that involve any of
    ``party_ids`` — the read other services use (changing decisions, the taxpayer card) without creating a run.

    One dict per decision unit (holders jointly liable for some objects: a person alone, co-owners, spouses): the
    ``Proposal.taxes`` JSON (see the module docstring: ``per_tax``, ``items``, ``installments``, ``total``,
    ``decision``, ``single``, ``error``, … and ``decisions`` — one element per tax liability, i.e. per decision)
    plus ``"party"`` (the addressee's id) and ``"co_obligors"`` (the other holders, sorted ids), ordered by the unit
    key. Units with a legal person among the holders are left out (DN-1 self-assessment); objects without taxable
    months give nothing. Pure reads, nothing written."""
    ctx = _context(year)
    ids = set(party_ids)
    holdings = holdings_for_year(year, ids)
    result = []
    units = decision_units(holdings)
    for unit in sorted(units.values(), key=lambda u: sorted(u.holders)):
        if not unit.holders & ids or not _natural(unit, holdings):
            continue
        data = _assess_unit(unit, holdings, ctx)
        data["party"] = unit.addressee
        result.append(data)
    return result


# --- dry run -------------------------------------------------------------------------------------------------------


def _previous_by_unit(year: int, units: list[Unit], party_range: tuple[int, int] | None = None) -> dict[str, Decimal]:
    """Last year's tax per unit: the decisions fixing the tax of ``year - 1`` (not cancelled, past the draft status
    or from an issued run) with the same addressee AND the same co-obligors; for a unit without such decisions, the
    addressee's decisions not matched by another unit of the addressee (fallback: same addressee). Decisions of
    the same run are summed (one per tax liability); of several runs / decisions outside a run the latest counts."""
    addressees = {u.addressee for u in units}
    groups: dict[tuple[int, frozenset], dict] = {}
    if party_range is not None:  # the chunk's id range: no long IN lists
        of = Q(party_id__gte=party_range[0], party_id__lte=party_range[1])
    else:
        of = Q(party_id__in=list(addressees))
    decisions = (
        Decision.objects.filter(of, year=year - 1, kind=Decision.Kind.ASSESSMENT)
        .exclude(status=Decision.Status.CANCELLED)
        .filter(~Q(status=Decision.Status.DRAFT) | Q(run__status=Status.ISSUED))
    )
    rows = [r for r in decisions.order_by("id").values_list("id", "party_id", "run_id", "total") if r[1] in addressees]
    through = Decision.co_obligors.through
    co: dict[int, set[int]] = defaultdict(set)
    for decision_id, party_id in through.objects.filter(decision__in=decisions.values("id")).values_list(
        "decision_id", "party_id"
    ):
        co[decision_id].add(party_id)
    for decision_id, party_id, run_id, total in rows:
        key = (party_id, frozenset(co[decision_id]))
        group = groups.setdefault(key, {"run": object(), "total": Decimal(0)})
        if run_id is not None and group["run"] == run_id:
            group["total"] += total
        else:
            group["run"], group["total"] = run_id, total
    found: dict[str, Decimal] = {}
    claimed = set()
    for unit in units:
        key = (unit.addressee, frozenset(unit.co_obligors))
        if key in groups:
            found[unit.key] = groups[key]["total"]
            claimed.add(key)
    for unit in sorted(units, key=lambda u: u.key):
        if unit.key in found:
            continue
        rest = [k for k in groups if k[0] == unit.addressee and k not in claimed]
        if rest:
            found[unit.key] = sum((groups[k]["total"] for k in rest), Decimal(0))
            claimed.update(rest)
    return found


def channel_of(party) -> str:
    """The delivery channel: an ADE address → e-Doręczenia, an ePUAP box → ePUAP, otherwise post."""
    if party.ade_address:
        return CHANNEL_ADE
    if party.epuap_box:
        return CHANNEL_EPUAP
    return CHANNEL_POST


def _flags(data: dict, total: Decimal, previous: Decimal | None, unit: Unit, holdings: Holdings, ctx) -> list[str]:
    flags = []
    if previous is not None:
        diff = abs(total - previous)
        if diff > ctx.anomaly_amount or (previous and diff * 100 / previous > ctx.anomaly_percent):
            flags.append(FLAG_CHANGE)
    if data["error"]:
        flags.append(FLAG_NO_RATE)
    elif not all(e["decision"] for e in data["decisions"]):
        flags.append(FLAG_BELOW)
    if len(unit.holders) > 1 and any(not holdings.parties[pid].addressed for pid in unit.holders):
        flags.append(FLAG_CO_OWNER)
    return flags


def assessment_run_compute(*, run_id: int) -> AssessmentRun:
    """The dry run of a DRAFT run (safe twice: a run already in DRY_RUN is returned unchanged): the proposals are
    replaced, the summary written, the run → DRY_RUN. An unexpected error → FAILED with the message."""
    run = AssessmentRun.objects.get(pk=run_id)
    if run.status == Status.DRY_RUN:
        return run
    if run.status != Status.DRAFT:
        raise ApplicationError(_("Only a draft assessment run can be computed."), code="invalid_state")
    try:
        return _compute(run)
    except Exception as error:
        _transition(run.pk, Status.FAILED, error=str(error)[:2000])
        raise


def _write_proposals(rows: list[dict]) -> None:
    """Proposals given as {attname: value}. PostgreSQL: COPY of plain rows with the JSON serialised here
    (``bulk_create`` quotes the JSON of 100 000 proposals slowly); else ``bulk_create``."""
    if connection.vendor != "postgresql":
        Proposal.objects.bulk_create([Proposal(**row) for row in rows], batch_size=1000)
        return
    from finance.services.bulk import bulk_insert_rows

    dumps = json.dumps
    for row in rows:
        row["taxes"], row["flags"] = dumps(row["taxes"]), dumps(row["flags"])
    bulk_insert_rows(Proposal, rows)


@dataclass
class _Partial:
    """The summary figures of some chunks (added up across chunks and processes)."""

    counts: dict = field(default_factory=dict)
    per_tax: dict = field(default_factory=lambda: defaultdict(Decimal))
    total_this: Decimal = Decimal(0)
    total_last: Decimal = Decimal(0)

    def add(self, other: _Partial) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for tax, amount in other.per_tax.items():
            self.per_tax[tax] += amount
        self.total_this += other.total_this
        self.total_last += other.total_last


def _assessed_units(year: int, party_range: tuple[int, int]) -> set[frozenset]:
    """The holder sets (addressee + co-obligors) that already have a decision fixing the tax of ``year`` in force
    (assessment, changing or ending; issued, delivered or final, or still a draft of an issued run): a later run of
    the year (a supplementary one, for taxpayers who became liable after the main run) leaves them out — their
    changes go through changing decisions."""
    effective = (Decision.Status.ISSUED, Decision.Status.DELIVERED, Decision.Status.FINAL)
    kinds = (Decision.Kind.ASSESSMENT, Decision.Kind.CHANGING, Decision.Kind.ENDING)
    decisions = Decision.objects.filter(
        year=year, kind__in=kinds, party_id__gte=party_range[0], party_id__lte=party_range[1]
    ).filter(Q(status__in=effective) | Q(status=Decision.Status.DRAFT, run__status__in=(Status.ISSUING, Status.ISSUED)))
    holders: dict[int, set[int]] = {pk: {party} for pk, party in decisions.values_list("id", "party_id")}
    if not holders:
        return set()
    through = Decision.co_obligors.through
    for decision_id, party_id in through.objects.filter(decision__in=decisions.values("id")).values_list(
        "decision_id", "party_id"
    ):
        holders[decision_id].add(party_id)
    return {frozenset(h) for h in holders.values()}


def _empty_counts() -> dict[str, int]:
    channels = (CHANNEL_ADE, CHANNEL_EPUAP, CHANNEL_POST)
    return {
        "taxpayers": 0, "units": 0, "decisions": 0, "legal_person_units": 0, "already_assessed": 0,
        **dict.fromkeys(FLAGS, 0),
        **dict.fromkeys(channels, 0),
    }  # fmt: skip


def _compute_chunk(run_id: int, ctx: _Context, chunk: list[int]) -> _Partial:
    """The proposals of the units ADDRESSED to a taxpayer of ``chunk`` (a slice of the sorted taxpayer ids): each
    unit once, and all units of an addressee together (the fallback of last year's total needs them). Units with a
    legal person are counted once (with their lowest natural-person holder) and left out. Written in one
    transaction with the progress."""
    year = ctx.year
    part = _Partial(counts=_empty_counts())
    counts, per_tax = part.counts, part.per_tax
    members = set(chunk)
    holdings = holdings_for_year(year, party_range=(chunk[0], chunk[-1]))
    assessed = _assessed_units(year, (chunk[0], chunk[-1]))
    units = []
    involved = set()
    for unit in decision_units(holdings).values():
        if not _natural(unit, holdings):
            persons = [p for p in unit.holders if holdings.parties[p].kind == Party.Kind.PERSON]
            if persons and min(persons) in members:
                counts["legal_person_units"] += 1
            continue
        if frozenset(unit.holders) in assessed:
            if unit.addressee in members:
                counts["already_assessed"] += 1
            continue
        involved |= unit.holders & members
        if unit.addressee in members:
            units.append(unit)
    units.sort(key=lambda u: (u.addressee, u.key))
    previous = _previous_by_unit(year, units, party_range=(chunk[0], chunk[-1]))
    rows = []
    for unit in units:
        data = _assess_unit(unit, holdings, ctx)
        total = Decimal(data["total"])
        last = previous.get(unit.key)
        flags = _flags(data, total, last, unit, holdings, ctx)
        channel = channel_of(holdings.parties[unit.addressee])
        rows.append({
            "run_id": run_id, "party_id": unit.addressee, "unit": unit.key, "total": total, "previous_total": last,
            "difference": total - (last or Decimal(0)), "taxes": data, "flags": flags, "channel": channel,
            "decision_id": None,
        })  # fmt: skip
        counts["units"] += 1
        counts[channel] += 1
        for f in flags:
            counts[f] += 1
        if not data["error"]:
            for element in data["decisions"]:
                if not element["decision"]:
                    continue
                counts["decisions"] += 1
                part.total_this += Decimal(element["total"])
                for tax, amounts in element["per_tax"].items():
                    per_tax[tax] += Decimal(amounts["amount"])
        part.total_last += last or Decimal(0)
    counts["taxpayers"] += len(involved)
    with transaction.atomic():
        _write_proposals(rows)
    # after the commit, on its own: the run row is not locked while a chunk commits (parallel workers)
    AssessmentRun.objects.filter(pk=run_id).update(progress_done=F("progress_done") + len(chunk))
    return part


_child_context: dict = {}


def _compute_chunks_in_child(args) -> _Partial:
    """A worker process of the parallel dry run: its own database connection (the parent closed its own before
    forking), the context read once per process."""
    run_id, year, chunks = args
    ctx = _child_context.get(year)
    if ctx is None:
        ctx = _child_context[year] = _context(year)
    part = _Partial(counts=_empty_counts())
    try:
        for chunk in chunks:
            part.add(_compute_chunk(run_id, ctx, chunk))
    finally:
        connections.close_all()
    return part


def compute_processes(chunks: int) -> int:
    """Processes of a dry run: ``TAXES_ASSESSMENT_PROCESSES`` (default 1: on the shared 2-core machine two forked
    workers measured no faster, see docs/performance.md; 2 on a dedicated machine), never more than the chunks; 1
    (in this process) on a backend other than PostgreSQL, inside a transaction (tests: the children would not see
    the data) or in a daemonic process (it may not fork children)."""
    import multiprocessing

    wanted = int(getattr(settings, "TAXES_ASSESSMENT_PROCESSES", DEFAULT_PROCESSES))
    if (
        wanted <= 1
        or chunks <= 1
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
        or multiprocessing.current_process().daemon
    ):
        return 1
    return min(wanted, chunks)


def _compute(run: AssessmentRun) -> AssessmentRun:
    """The dry run: the sorted natural-person taxpayers in chunks of ``COMPUTE_CHUNK`` (see :func:`_compute_chunk`),
    in :func:`compute_processes` forked worker processes (each writes its proposals); the figures added up into
    the summary."""
    year = run.year
    ctx = _context(year)
    ids = taxpayer_ids(year)
    AssessmentRun.objects.filter(pk=run.pk).update(progress_done=0, progress_total=len(ids))
    Proposal.objects.filter(run=run).delete()
    chunks = [ids[offset : offset + COMPUTE_CHUNK] for offset in range(0, len(ids), COMPUTE_CHUNK)]
    total = _Partial(counts=_empty_counts())
    processes = compute_processes(len(chunks))
    if processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        shares = [chunks[i::processes] for i in range(processes)]
        connections.close_all()  # the children must not share the parent's connection
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
            for part in pool.map(_compute_chunks_in_child, [(run.pk, year, share) for share in shares]):
                total.add(part)
    else:
        for chunk in chunks:
            total.add(_compute_chunk(run.pk, ctx, chunk))
    paragraf: dict[str, Decimal] = defaultdict(Decimal)
    for tax, amount in total.per_tax.items():
        paragraf[PARAGRAF.get(tax, "")] += amount
    summary = {
        "counts": total.counts,
        "total": _money(total.total_this),
        "previous_total": _money(total.total_last),
        "difference": _money(total.total_this - total.total_last),
        "per_tax": {tax: _money(a) for tax, a in sorted(total.per_tax.items())},
        "per_paragraf": {p: _money(a) for p, a in sorted(paragraf.items())},
        "computed_at": timezone.now().isoformat(),
        "processes": processes,
    }
    return _transition(run.pk, Status.DRY_RUN, summary=summary, progress_done=len(ids), error="")


# --- issue ---------------------------------------------------------------------------------------------------------


def decision_number(year: int, serial: int) -> str:
    """ "FN.3120.1.2026/000123": the prefix (``TAXES_DECISION_NUMBER_PREFIX``, JRWA 3120), the year, a serial per year
    from ``documents.services.numbering`` key ``taxes:decision:<year>`` (no gaps: the serials of a chunk are drawn
    in the transaction that writes its decisions — ``next_numbers``)."""
    prefix = getattr(settings, "TAXES_DECISION_NUMBER_PREFIX", DEFAULT_NUMBER_PREFIX)
    return f"{prefix}.{year}/{serial:06d}"


def qr_payload(*, account: str, amount: Decimal, title: str) -> str:
    """The Polish bank-transfer QR code (ZBP recommendation): ``NIP|PL|account|amount|recipient|title|||`` — the
    office NIP (``FINANCE_CREDITOR_NIP``, 10 digits), country PL, the 26-digit NRB, the amount in grosze as 6 digits
    (empty when above 9 999.99 zł — the payer types it), the recipient (``MAGISTRAT_OFFICE_NAME``, ≤ 20 characters),
    the title (≤ 32), three empty reserved fields."""
    nip = "".join(c for c in getattr(settings, "FINANCE_CREDITOR_NIP", "") if c.isdigit())
    grosze = int((Decimal(amount) * 100).to_integral_value())
    amount_text = f"{grosze:06d}" if 0 <= grosze <= 999999 else ""

    def clean(text: str, size: int) -> str:
        return text.replace("|", " ")[:size]

    recipient = clean(getattr(settings, "MAGISTRAT_OFFICE_NAME", ""), 20)
    return f"{nip}|PL|{account}|{amount_text}|{recipient}|{clean(title, 32)}|||"


def _receivable_type(tax: str):
    from finance.models import ReceivableType

    return ReceivableType.objects.filter(code=f"{tax}_tax_person").first()


def _accounts(run: AssessmentRun, profile) -> dict[int, str]:
    """The individual account (NRB) of every addressee of the run's proposals: the profile's existing per-obligor
    virtual account, the missing ones created at once before the decisions (COPY; profile row locked, identifiers
    after the highest) in their own transaction. A profile with one account per receivable type: {} (each chunk
    calls ``virtual_account_for``, see :func:`_chunk_accounts`)."""
    from finance.domain import nrb as nrb_domain
    from finance.models import BankProfile, VirtualAccount
    from finance.services.bulk import bulk_insert_rows

    if profile.per_receivable_type:
        return {}
    addressees = set(Proposal.objects.filter(run=run).values_list("party_id", flat=True))
    with transaction.atomic():
        locked = BankProfile.objects.select_for_update().get(pk=profile.pk)
        found = {}
        # all the profile's per-obligor accounts in one plain read (an IN of 100 000 ids plans badly)
        for party_id, nrb in (
            VirtualAccount.objects.filter(profile=locked, receivable_type__isnull=True)
            .order_by("id")
            .values_list("party_id", "nrb")
            .iterator(chunk_size=10000)
        ):
            if party_id in addressees and party_id not in found:
                found[party_id] = nrb
        missing = sorted(addressees - found.keys())
        if missing:
            last = VirtualAccount.objects.filter(profile=locked).aggregate(m=Max("identifier"))["m"] or 0
            rows = []
            for pid in missing:
                last += 1
                number = nrb_domain.build(sort_code=locked.sort_code, client_prefix=locked.client_prefix,
                                          identifier=last, id_length=locked.id_length)  # fmt: skip
                rows.append({"nrb": number, "party_id": pid, "profile_id": locked.pk, "identifier": last,
                             "receivable_type_id": None})  # fmt: skip
                found[pid] = number
            bulk_insert_rows(VirtualAccount, rows)
    return found


def _chunk_accounts(accounts: dict[int, str], main_tax: dict[int, str], profile) -> dict[int, str]:
    if not profile.per_receivable_type:
        return accounts
    from finance.services.virtual_accounts import virtual_account_for

    parties = Party.objects.in_bulk(list(main_tax))
    return {
        pid: virtual_account_for(party=parties[pid], receivable_type=_receivable_type(tax), profile=profile).nrb
        for pid, tax in main_tax.items()
    }


def _set_first_decisions(pairs: list[tuple[int, int]]) -> None:
    """Proposal.decision = its first decision, for (proposal id, decision id) pairs, in one statement."""
    if not pairs:
        return
    if connection.vendor != "postgresql":
        Proposal.objects.bulk_update([Proposal(pk=p, decision_id=d) for p, d in pairs], ["decision"])
        return
    table = connection.ops.quote_name(Proposal._meta.db_table)
    values = ", ".join(["(%s, %s)"] * len(pairs))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS p SET decision_id = v.d FROM (VALUES {values}) AS v(p, d) WHERE p.id = v.p",  # noqa: S608
            [x for pair in pairs for x in pair],
        )


@dataclass
class _Issue:
    """What every chunk of an issue needs (inherited by forked workers): the run, the actor's id, the bank profile,
    the addressees' accounts, the first serial of the run's reservation and each proposal's ordinal (the number of
    decisions of the issuable proposals before it, by id)."""

    run: AssessmentRun
    actor_id: int | None
    profile: object
    accounts: dict
    first_serial: int
    ordinals: dict


def _issue_chunk(issue: _Issue, proposals: list[tuple[int, int, dict]]) -> int:
    """The decisions of ``proposals`` ((id, addressee id, taxes) — none has a decision yet) in the caller's
    transaction: one per element of ``taxes["decisions"]`` to issue, numbered from the run's reservation (serial =
    first + the proposal's ordinal + the element's rank), written as plain rows (COPY on PostgreSQL) with their
    taxes, items, installments and co-obligors; the count."""
    from finance.services.bulk import bulk_insert_rows, reserve_ids

    run = issue.run
    elements = []
    for pk, party_id, data in proposals:
        if data.get("error"):
            continue
        rank = 0
        for position, element in enumerate(data.get("decisions") or []):
            if element.get("decision"):
                elements.append((pk, party_id, position, element, data, issue.first_serial + issue.ordinals[pk] + rank))
                rank += 1
    if not elements:
        return 0
    main_tax = {e[1]: e[3]["taxes"][0] for e in reversed(elements)}
    accounts = _chunk_accounts(issue.accounts, main_tax, issue.profile)
    ids = reserve_ids(Decision, len(elements))
    now = timezone.now()
    decisions, taxes, items, installments, co, links, first = [], [], [], [], [], [], {}
    through = Decision.co_obligors.through
    kind, status = Decision.Kind.ASSESSMENT.value, Decision.Status.DRAFT.value
    dates: dict[str, datetime.date] = {}

    def day(text: str) -> datetime.date:
        value = dates.get(text)
        if value is None:
            value = dates[text] = datetime.date.fromisoformat(text)
        return value

    for (pk, party_id, position, element, data, serial), decision_id in zip(elements, ids, strict=True):
        number = decision_number(run.year, serial)
        account = accounts.get(party_id, "")
        amount = Decimal(element["installments"][0]["amount"])
        decisions.append({
            "id": decision_id, "run_id": run.pk, "kind": kind, "number": number, "party_id": party_id,
            "year": run.year, "period_from": day(element["period_from"]), "period_to": day(element["period_to"]),
            "issue_date": run.issue_date, "status": status, "total": Decimal(element["total"]),
            "bank_account": account, "qr_payload": qr_payload(account=account, amount=amount, title=f"{number} rata 1"),
            "created_by_id": issue.actor_id, "created_at": now,
        })  # fmt: skip
        for tax, amounts in element["per_tax"].items():
            taxes.append({"decision_id": decision_id, "tax": tax, "exact": Decimal(amounts["exact"]),
                          "amount": Decimal(amounts["amount"])})  # fmt: skip
        for i in element["items"]:
            items.append({
                "decision_id": decision_id, "tax": i["tax"], "object_id": i["object"], "version_id": i["version"],
                "category": i["category"], "base": Decimal(i["base"]), "rate": Decimal(i["rate"]),
                "months": i["months"], "share": i["share"], "amount": Decimal(i["amount"]),
            })  # fmt: skip
        for i in element["installments"]:
            installments.append({"decision_id": decision_id, "number": i["number"], "due_date": day(i["due"]),
                                 "amount": Decimal(i["amount"]), "effective_due_date": None})  # fmt: skip
        co += [{"decision_id": decision_id, "party_id": pid} for pid in data.get("co_obligors", [])]
        links.append({"proposal_id": pk, "position": position, "decision_id": decision_id})
        first.setdefault(pk, decision_id)
    bulk_insert_rows(Decision, decisions, with_ids=True)
    bulk_insert_rows(DecisionTax, taxes)
    bulk_insert_rows(DecisionItem, items)
    bulk_insert_rows(DecisionInstallment, installments)
    bulk_insert_rows(through, co)
    bulk_insert_rows(ProposalDecision, links)
    _set_first_decisions(sorted(first.items()))
    return len(decisions)


def _issuable(run: AssessmentRun) -> list[tuple[int, int]]:
    """(proposal id, number of decisions to issue) of the proposals with a decision to issue (no engine error, at
    least one element with ``decision``), by id. PostgreSQL counts in SQL (100 000 proposals' JSON are not loaded
    here); elsewhere in Python."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Proposal._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id, (SELECT count(*) FROM jsonb_array_elements(p.taxes -> 'decisions') AS e "  # noqa: S608
                f"WHERE e ->> 'decision' = 'true') FROM {table} AS p WHERE p.run_id = %s "
                "AND coalesce(p.taxes -> 'error', 'null'::jsonb) = 'null'::jsonb "
                "AND jsonb_typeof(p.taxes -> 'decisions') = 'array' ORDER BY p.id",
                [run.pk],
            )
            rows = cursor.fetchall()
    else:
        rows = [
            (pk, 0 if data.get("error") else sum(1 for e in data.get("decisions") or [] if e.get("decision")))
            for pk, data in run.proposals.order_by("id").values_list("id", "taxes").iterator(chunk_size=2000)
        ]
    return [(pk, n) for pk, n in rows if n]


def _reserve_serials(run: AssessmentRun, count: int) -> int:
    """The first serial of the run's decisions: ``count`` consecutive serials of ``taxes:decision:<year>`` drawn
    once, in the transaction that puts the run into ISSUING, and kept in ``summary["serials"]`` — a resumed issue
    numbers the same proposals with the same serials (no gap, no number twice)."""
    from documents.services.numbering import next_numbers

    reserved = (run.summary or {}).get("serials")
    if reserved and reserved.get("count") == count:
        return int(reserved["first"])
    first = next_numbers(f"taxes:decision:{run.year}", count)[0] if count else 0
    summary = dict(run.summary or {})
    summary["serials"] = {"first": first, "count": count}
    AssessmentRun.objects.filter(pk=run.pk).update(summary=summary)
    run.summary = summary
    return first


def issue_processes(chunks: int, profile) -> int:
    """Processes of an issue: as :func:`compute_processes`; 1 when the profile has accounts per receivable type
    (created one by one)."""
    return 1 if profile.per_receivable_type else compute_processes(chunks)


def _issue_chunks(issue: _Issue, chunks: list[list[int]]) -> int:
    """Each chunk in its own transaction. The chunk's proposals still without a decision are locked (FOR UPDATE):
    a concurrent issuer of the same run waits for them and then finds them issued (PostgreSQL re-checks the
    condition after the wait), so it skips them."""
    done = 0
    for ids in chunks:
        with transaction.atomic():
            locked = list(
                Proposal.objects.select_for_update()
                .filter(pk__in=ids, decision__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)
            )
            proposals = list(
                Proposal.objects.filter(pk__in=locked).order_by("id").values_list("id", "party_id", "taxes")
            )
            n = _issue_chunk(issue, proposals)
        # after the commit, on its own: the run row is not locked while a chunk commits (parallel workers); a crash
        # in between only leaves the progress behind (a resumed issue recounts the decisions)
        AssessmentRun.objects.filter(pk=issue.run.pk).update(progress_done=F("progress_done") + n)
        done += n
    return done


def _issue_chunks_in_child(args) -> int:
    issue, chunks = args
    try:
        return _issue_chunks(issue, chunks)
    finally:
        connections.close_all()


def assessment_run_issue(*, actor, run: AssessmentRun) -> AssessmentRun:
    """Issue the decisions of a reviewed run (DRY_RUN, or FAILED / ISSUING to resume): one per tax liability of each
    proposal. The serials are reserved for the whole run (:func:`_reserve_serials`), the addressees' accounts
    created (:func:`_accounts`); then per chunk of ``ISSUE_CHUNK`` proposals, each in its own transaction, in
    :func:`issue_processes` forked workers on PostgreSQL, else in this process (see :func:`_issue_chunks` for
    concurrent issuers). Proposals with a decision are skipped (a proposal's
    decisions are written in one transaction, and :class:`ProposalDecision` (proposal, position) is unique).
    Progress counts decisions. Statutory due dates (``due_date``) are stored; the effective dates follow the
    delivery. → ISSUED with ``issued_by``."""
    _require(actor)
    from finance.services.virtual_accounts import default_profile

    profile = default_profile()  # refuses (nothing written) without an active bank profile
    current = AssessmentRun.objects.get(pk=run.pk)
    if current.status not in (Status.DRY_RUN, Status.FAILED, Status.ISSUING):
        raise ApplicationError(
            _("Only a reviewed dry run can be issued (the run is %(status)s).")
            % {"status": current.get_status_display()},
            code="invalid_state",
        )
    if current.status == Status.FAILED and not current.summary:
        raise ApplicationError(_("The dry run failed: compute it again first."), code="invalid_state")
    if current.issue_date is None:
        raise ApplicationError(_("Set the issue date of the run first."), code="invalid")
    issuable = _issuable(current)
    count = sum(n for _pk, n in issuable)
    with transaction.atomic():
        run = _transition(run.pk, Status.ISSUING, issued_by=actor, error="", progress_total=count)
        first_serial = _reserve_serials(run, count)
        audit_log(actor=actor, action="taxes.assessment_run.issue", obj=run, details={"decisions": count})
    try:
        ordinals, seen = {}, 0
        for pk, n in issuable:
            ordinals[pk] = seen
            seen += n
        issue = _Issue(run, getattr(actor, "pk", None), profile, _accounts(run, profile), first_serial, ordinals)
        AssessmentRun.objects.filter(pk=run.pk).update(progress_done=Decision.objects.filter(run=run).count())
        pending = list(
            Proposal.objects.filter(pk__in=[pk for pk, _n in issuable], decision__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)
        )
        chunks = [pending[offset : offset + ISSUE_CHUNK] for offset in range(0, len(pending), ISSUE_CHUNK)]
        processes = issue_processes(len(chunks), profile)
        if processes > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            shares = [chunks[i::processes] for i in range(processes)]
            connections.close_all()  # the children must not share the parent's connection
            with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
                list(pool.map(_issue_chunks_in_child, [(issue, share) for share in shares]))
        else:
            _issue_chunks(issue, chunks)
    except Exception as error:
        _transition(run.pk, Status.FAILED, error=str(error)[:2000])
        raise
    with transaction.atomic():
        done = Decision.objects.filter(run=run).count()
        run = _transition(run.pk, Status.ISSUED, finished_at=timezone.now(), progress_done=done)
        audit_log(actor=actor, action="taxes.assessment_run.issued", obj=run, details={"decisions": done})
        _enqueue_hand_over(run, actor)
    return run


HAND_OVER_CHUNK = 200


def _enqueue_hand_over(run: AssessmentRun, actor) -> None:
    """After the commit: render and hand over the run's decisions still without a document to EZD, in chunks of
    ``HAND_OVER_CHUNK`` (the task skips a decision with a document, so a resumed issue is safe)."""
    from taxes.tasks_decisions import render_and_hand_over

    ids = list(Decision.objects.filter(run=run, document__isnull=True).order_by("id").values_list("id", flat=True))
    for offset in range(0, len(ids), HAND_OVER_CHUNK):
        chunk = ids[offset : offset + HAND_OVER_CHUNK]
        transaction.on_commit(lambda chunk=chunk: render_and_hand_over.delay(chunk, actor.pk))
