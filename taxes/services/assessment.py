"""Mass assessment of a tax year (issue 8 point 5): a run is created (DRAFT), computed as a dry run (one
:class:`~taxes.models.Proposal` per natural-person taxpayer, with last year's total, the difference and the anomaly
flags → DRY_RUN), reviewed, and issued (ISSUING → one :class:`~taxes.models.Decision` per proposal above the
no-decision threshold, numbered, with its taxes, items, installments, individual bank account and payment QR code →
ISSUED).

Every status change goes through :func:`_transition` (locks the run row, checks ``AssessmentRun.TRANSITIONS``).
Issuing works per chunk, each chunk in its own transaction: a crash leaves the chunks before it committed and the run
ISSUING (or FAILED when the error was caught); calling :func:`assessment_run_issue` again continues with the
proposals that have no decision yet. The unique constraint (run, party) of Decision is the backstop against two
decisions for one taxpayer.

Proposal ``taxes`` JSON (everything the decision needs, strings for Decimals, ISO dates)::

    {"per_tax": {"property": {"exact": "726.8000", "amount": "727", "farm": null}, ...},
     "joint": false, "decision": true, "single": false, "error": null | {"code": ..., "message": ...},
     "period_from": "2025-01-01", "period_to": "2025-12-31", "co_obligors": [party ids],
     "items": [{"tax", "object", "version", "liability", "category", "base", "rate", "months", "share",
                "amount", "exemption"}],
     "installments": [{"number": 1, "nominal_due": "2025-03-15", "due": "2025-03-17", "amount": "181.75"}]}

Flags (``Proposal.flags``): ``change`` (|difference| > ``YearSettings.anomaly_amount`` zł, or > ``anomaly_percent`` %
of last year's tax), ``below_threshold`` (no decision will be issued), ``no_rate`` (the engine refused: a rate or a
hectare multiplier is missing — ``taxes["error"]`` keeps the code and message; no decision), ``co_owner_no_address``
(another holder of one of the objects has neither a registered nor a correspondence address).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.models import Party
from core.services.audit import audit_log
from taxes.domain.engine import (
    TRANSPORT,
    Conventions,
    EngineError,
    JointResult,
    TaxableItem,
    YearRates,
    assess_taxpayer,
)
from taxes.domain.installments import NATURAL, payment_plan
from taxes.models import AssessmentRun, Decision, DecisionInstallment, DecisionItem, DecisionTax, Liability, Proposal
from taxes.selectors import conventions_for_year, due_date_shift, year_rates, year_settings
from taxes.selectors_register import TaxpayerYear, register_for_year

PERM = "taxes.assess_taxes"
Status = AssessmentRun.Status
COMPUTE_CHUNK = 2000
ISSUE_CHUNK = 200
DEFAULT_INLINE_TAXPAYERS = 500
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
    """Natural persons liable (not as a spouse joint with an owner) for an object in ``year``."""
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


def _items(tp: TaxpayerYear) -> list[TaxableItem]:
    """The engine's items of a taxpayer: one per (liability, version) with the number of months; spouses joint with
    an owner's liability and vehicles (DT-1 self-assessment) are left out."""
    items = []
    for it in tp.items:
        if it.object.tax == TRANSPORT or it.liability.joint_with is not None:
            continue
        months: dict[int, int] = defaultdict(int)
        versions = {}
        for version in it.months.values():
            months[version.id] += 1
            versions[version.id] = version
        share = Decimal(it.liability.share_numerator) / Decimal(it.liability.share_denominator)
        for vid, count in months.items():
            v = versions[vid]
            items.append(
                TaxableItem(
                    tax=it.object.tax,
                    category=v.category,
                    unit=v.unit,
                    area=v.area,
                    area_low=v.area_low,
                    value=v.value,
                    land_type=v.land_type,
                    land_class=v.land_class,
                    reserve=v.reserve,
                    exemption=v.exemption or "",
                    months=count,
                    share=share,
                    ref=(it.object.id, v.id, it.liability.id, str(it.liability.share)),
                )
            )
    return items


def _first_month(tp: TaxpayerYear) -> int:
    months = [m for it in tp.items if it.object.tax != TRANSPORT for m in it.months]
    return min(months) if months else 1


def _last_month(tp: TaxpayerYear) -> int:
    months = [m for it in tp.items if it.object.tax != TRANSPORT for m in it.months]
    return max(months) if months else 12


def _money(value) -> str:
    return str(Decimal(value))


def _assess(tp: TaxpayerYear, ctx: _Context) -> dict:
    """The ``taxes`` JSON of a proposal (see the module docstring)."""
    year = ctx.year
    first, last = _first_month(tp), _last_month(tp)
    period_to = datetime.date(year + last // 12, last % 12 + 1, 1) - datetime.timedelta(days=1)
    data = {
        "per_tax": {}, "joint": False, "decision": False, "single": False, "error": None, "items": [],
        "installments": [], "period_from": datetime.date(year, first, 1).isoformat(),
        "period_to": period_to.isoformat(), "total": "0",
    }  # fmt: skip
    items = _items(tp)
    try:
        results: list[JointResult] = assess_taxpayer(items, ctx.rates, ctx.conventions, natural_person=True)
    except EngineError as error:
        data["error"] = {"code": error.code, "message": str(error)}
        return data
    # One decision per taxpayer in a run: the taxes of several results (property + forest without agricultural
    # land) are put in one decision, the total being the sum of the rounded taxes.
    total = Decimal(0)
    for result in results:
        data["joint"] = data["joint"] or result.joint
        total += result.total
        for tax in result.taxes:
            data["per_tax"][tax.tax] = {"exact": _money(tax.exact), "amount": _money(tax.amount), "farm": tax.farm}
            for r in tax.items:
                object_id, version_id, liability_id, share = r.item.ref
                data["items"].append({
                    "tax": tax.tax, "object": object_id, "version": version_id, "liability": liability_id,
                    "category": r.item.category, "base": _money(r.base), "rate": _money(r.rate),
                    "months": r.item.months, "share": share, "amount": _money(r.amount),
                    "exemption": r.exemption,
                })  # fmt: skip
    start = datetime.date(year, first, 1) if first > 1 else None
    plan = payment_plan(total, year=year, shift=ctx.shift, payer=NATURAL, start=start, conventions=ctx.conventions)
    data["total"] = _money(plan.amount)
    data["decision"], data["single"] = plan.decision, plan.single
    data["installments"] = [
        {"number": i.number, "nominal_due": i.nominal_due.isoformat(), "due": i.due.isoformat(),
         "amount": _money(i.amount)}
        for i in plan.installments
    ]  # fmt: skip
    return data


def previous_totals(year: int, party_ids) -> dict[int, Decimal]:
    """Last year's tax per party: the total of the party's latest decision fixing the tax of ``year - 1`` that is
    not cancelled and either past the draft status or from an issued run."""
    found: dict[int, Decimal] = {}
    rows = (
        Decision.objects.filter(year=year - 1, kind=Decision.Kind.ASSESSMENT, party_id__in=list(party_ids))
        .exclude(status=Decision.Status.CANCELLED)
        .filter(~Q(status=Decision.Status.DRAFT) | Q(run__status=Status.ISSUED))
        .order_by("id")
        .values_list("party_id", "total")
    )
    for party_id, total in rows:
        found[party_id] = total
    return found


def channel_of(party: Party) -> str:
    """The delivery channel: an ADE address → e-Doręczenia, an ePUAP box → ePUAP, otherwise post."""
    if party.ade_address:
        return CHANNEL_ADE
    if party.epuap_box:
        return CHANNEL_EPUAP
    return CHANNEL_POST


def _co_holders(year: int, party_ids: list[int], tps: dict[int, TaxpayerYear]) -> dict[int, dict[int, bool]]:
    """party → {other holder party id: has an address} over the objects of the party in ``year``."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    object_ids = {it.object.id for tp in tps.values() for it in tp.items if it.object.tax != TRANSPORT}
    holders: dict[int, set[int]] = defaultdict(set)
    rows = (
        Liability.objects.filter(object_id__in=object_ids, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .values_list("object_id", "party_id", "party__registered_address_id", "party__correspondence_address_id")
    )
    addressed: dict[int, bool] = {}
    for object_id, party_id, registered, correspondence in rows:
        holders[object_id].add(party_id)
        addressed[party_id] = bool(registered or correspondence)
    result: dict[int, dict[int, bool]] = {}
    for pid, tp in tps.items():
        others = {}
        for it in tp.items:
            if it.object.tax == TRANSPORT:
                continue
            for other in holders[it.object.id] - {pid}:
                others[other] = addressed.get(other, False)
        result[pid] = others
    return result


def _flags(data: dict, total: Decimal, previous: Decimal | None, co: dict[int, bool], ctx: _Context) -> list[str]:
    flags = []
    if previous is not None:
        diff = abs(total - previous)
        if diff > ctx.anomaly_amount or (previous and diff * 100 / previous > ctx.anomaly_percent):
            flags.append(FLAG_CHANGE)
    if data["error"]:
        flags.append(FLAG_NO_RATE)
    elif not data["decision"]:
        flags.append(FLAG_BELOW)
    if any(not has for has in co.values()):
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


def _compute(run: AssessmentRun) -> AssessmentRun:
    year = run.year
    settings_ = year_settings(year)
    ctx = _Context(
        year=year, rates=year_rates(year), conventions=conventions_for_year(year), shift=due_date_shift(year),
        anomaly_percent=Decimal(settings_.anomaly_percent), anomaly_amount=Decimal(settings_.anomaly_amount),
    )  # fmt: skip
    ids = taxpayer_ids(year)
    AssessmentRun.objects.filter(pk=run.pk).update(progress_done=0, progress_total=len(ids))
    Proposal.objects.filter(run=run).delete()
    per_tax: dict[str, Decimal] = defaultdict(Decimal)
    channels = (CHANNEL_ADE, CHANNEL_EPUAP, CHANNEL_POST)
    counts = {"taxpayers": 0, "decisions": 0, **dict.fromkeys(FLAGS, 0), **dict.fromkeys(channels, 0)}
    total_this, total_last = Decimal(0), Decimal(0)
    done = 0
    for offset in range(0, len(ids), COMPUTE_CHUNK):
        chunk = ids[offset : offset + COMPUTE_CHUNK]
        tps = {pid: tp for pid, tp in register_for_year(year, chunk).items() if _items(tp)}
        parties = Party.objects.in_bulk(list(tps))
        previous = previous_totals(year, tps)
        co = _co_holders(year, chunk, tps)
        rows = []
        for pid in sorted(tps):
            data = _assess(tps[pid], ctx)
            total = Decimal(data["total"])
            last = previous.get(pid)
            flags = _flags(data, total, last, co.get(pid, {}), ctx)
            data["co_obligors"] = sorted(co.get(pid, {}))
            channel = channel_of(parties[pid])
            rows.append(Proposal(
                run=run, party_id=pid, total=total, previous_total=last,
                difference=total - (last or Decimal(0)), taxes=data, flags=flags, channel=channel,
            ))  # fmt: skip
            counts["taxpayers"] += 1
            counts[channel] += 1
            for f in flags:
                counts[f] += 1
            if data["decision"] and not data["error"]:
                counts["decisions"] += 1
                total_this += total
                for tax, amounts in data["per_tax"].items():
                    per_tax[tax] += Decimal(amounts["amount"])
            total_last += last or Decimal(0)
        with transaction.atomic():
            Proposal.objects.bulk_create(rows, batch_size=1000)
            done += len(chunk)
            AssessmentRun.objects.filter(pk=run.pk).update(progress_done=done)
    paragraf: dict[str, Decimal] = defaultdict(Decimal)
    for tax, amount in per_tax.items():
        paragraf[PARAGRAF.get(tax, "")] += amount
    summary = {
        "counts": counts,
        "total": _money(total_this),
        "previous_total": _money(total_last),
        "difference": _money(total_this - total_last),
        "per_tax": {tax: _money(a) for tax, a in sorted(per_tax.items())},
        "per_paragraf": {p: _money(a) for p, a in sorted(paragraf.items())},
        "computed_at": timezone.now().isoformat(),
    }
    return _transition(run.pk, Status.DRY_RUN, summary=summary, progress_done=done, error="")


# --- issue ---------------------------------------------------------------------------------------------------------


def decision_number(year: int, serial: int) -> str:
    """ "FN.3120.1.2026/000123": the prefix (``TAXES_DECISION_NUMBER_PREFIX``, JRWA 3120), the year, a serial per year
    from ``documents.services.numbering.next_number("taxes:decision:<year>")`` (no gaps: it is drawn in the same
    transaction as the decision)."""
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


def _accounts(parties: list[Party], main_tax: dict[int, str], profile) -> dict[int, str]:
    from finance.models import VirtualAccount
    from finance.services.virtual_accounts import virtual_account_for, virtual_accounts_bulk

    if not profile.per_receivable_type:
        virtual_accounts_bulk(parties=parties, profile=profile)
        return dict(
            VirtualAccount.objects.filter(profile=profile, receivable_type__isnull=True, party__in=parties).values_list(
                "party_id", "nrb"
            )
        )
    return {
        p.pk: virtual_account_for(party=p, receivable_type=_receivable_type(main_tax[p.pk]), profile=profile).nrb
        for p in parties
    }


def _issue_chunk(run: AssessmentRun, actor, proposals: list[Proposal], profile) -> int:
    """Decisions of ``proposals`` (none has one yet) in the caller's transaction; the count."""
    from documents.services.numbering import next_number

    parties = [p.party for p in proposals]
    main_tax = {p.party_id: next(iter(p.taxes["per_tax"]), "property") for p in proposals}
    accounts = _accounts(parties, main_tax, profile)
    decisions = []
    for p in proposals:
        number = decision_number(run.year, next_number(f"taxes:decision:{run.year}"))
        first = p.taxes["installments"][0]
        account = accounts.get(p.party_id, "")
        decisions.append(Decision(
            run=run, kind=Decision.Kind.ASSESSMENT, number=number, party_id=p.party_id, year=run.year,
            period_from=datetime.date.fromisoformat(p.taxes["period_from"]),
            period_to=datetime.date.fromisoformat(p.taxes["period_to"]),
            issue_date=run.issue_date, status=Decision.Status.DRAFT, total=p.total, bank_account=account,
            qr_payload=qr_payload(account=account, amount=Decimal(first["amount"]), title=f"{number} rata 1"),
            created_by=actor,
        ))  # fmt: skip
    Decision.objects.bulk_create(decisions)
    if any(d.pk is None for d in decisions):  # a backend without RETURNING
        by_party = dict(Decision.objects.filter(run=run, party_id__in=[d.party_id for d in decisions]).values_list(
            "party_id", "pk"))  # fmt: skip
        for d in decisions:
            d.pk = d.id = by_party[d.party_id]
    taxes, items, installments, co = [], [], [], []
    through = Decision.co_obligors.through
    for p, d in zip(proposals, decisions, strict=True):
        p.decision = d
        for tax, amounts in p.taxes["per_tax"].items():
            taxes.append(DecisionTax(decision=d, tax=tax, exact=Decimal(amounts["exact"]),
                                     amount=Decimal(amounts["amount"])))  # fmt: skip
        for i in p.taxes["items"]:
            items.append(DecisionItem(
                decision=d, tax=i["tax"], object_id=i["object"], version_id=i["version"], category=i["category"],
                base=Decimal(i["base"]), rate=Decimal(i["rate"]), months=i["months"], share=i["share"],
                amount=Decimal(i["amount"]),
            ))  # fmt: skip
        for i in p.taxes["installments"]:
            installments.append(DecisionInstallment(
                decision=d, number=i["number"], due_date=datetime.date.fromisoformat(i["due"]),
                amount=Decimal(i["amount"]),
            ))  # fmt: skip
        co += [through(decision_id=d.pk, party_id=pid) for pid in p.taxes.get("co_obligors", [])]
    DecisionTax.objects.bulk_create(taxes)
    DecisionItem.objects.bulk_create(items, batch_size=1000)
    DecisionInstallment.objects.bulk_create(installments, batch_size=1000)
    through.objects.bulk_create(co, batch_size=1000)
    Proposal.objects.bulk_update(proposals, ["decision"])
    return len(decisions)


def _issuable_ids(run: AssessmentRun) -> list[int]:
    # JSON containment is not supported on every backend: filter in Python.
    return [
        pk
        for pk, flags, data in run.proposals.order_by("id").values_list("id", "flags", "taxes")
        if FLAG_BELOW not in flags and FLAG_NO_RATE not in flags and data.get("decision")
    ]


def assessment_run_issue(*, actor, run: AssessmentRun) -> AssessmentRun:
    """Issue the decisions of a reviewed run (DRY_RUN, or FAILED / ISSUING to resume). Per chunk of
    ``ISSUE_CHUNK`` proposals, each in its own transaction; proposals with a decision are skipped. Statutory due
    dates (``due_date``) are stored; the effective dates follow the delivery. → ISSUED with ``issued_by``."""
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
    ids = _issuable_ids(current)
    with transaction.atomic():
        run = _transition(run.pk, Status.ISSUING, issued_by=actor, error="", progress_total=len(ids))
        audit_log(actor=actor, action="taxes.assessment_run.issue", obj=run, details={"decisions": len(ids)})
    try:
        done = Proposal.objects.filter(pk__in=ids, decision__isnull=False).count()
        AssessmentRun.objects.filter(pk=run.pk).update(progress_done=done)
        pending = list(Proposal.objects.filter(pk__in=ids, decision__isnull=True).order_by("id").values_list(
            "id", flat=True))  # fmt: skip
        for offset in range(0, len(pending), ISSUE_CHUNK):
            with transaction.atomic():
                AssessmentRun.objects.select_for_update().get(pk=run.pk)  # one issuer at a time
                proposals = list(
                    Proposal.objects.filter(pk__in=pending[offset : offset + ISSUE_CHUNK], decision__isnull=True)
                    .select_related("party")
                    .order_by("id")
                )
                done += _issue_chunk(run, actor, proposals, profile)
                AssessmentRun.objects.filter(pk=run.pk).update(progress_done=done)
    except Exception as error:
        _transition(run.pk, Status.FAILED, error=str(error)[:2000])
        raise
    with transaction.atomic():
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
