"""Reminder runs (upomnienia), information notices and the reminder cost charged on delivery.

A run (``CollectionRun`` kind ``reminders``) goes DRAFT → (dry run) → PROPOSED → (review: exclude / include /
add manually) → CONFIRMED → (documents handed over to EZD) → ISSUED, or → CANCELLED before confirmation.

* :func:`reminder_run_create` refuses an issue date in a closed accounting month (nothing written), creates the
  DRAFT run and computes the dry run inline when at most ``FINANCE_REMINDER_INLINE_ACCOUNTS`` (default 2 000)
  accounts have arrears, else enqueues ``finance.tasks_reminders.compute_reminder_run`` (progress in
  ``progress_done`` / ``progress_total``, in accounts).
* :func:`reminder_run_compute` (the dry run) reads the arrears per installment with the interest to the issue date
  in chunks of 2 000 accounts (a constant number of queries per chunk) and applies
  :mod:`finance.domain.collection`.
* :func:`reminder_run_confirm` numbers the reminders (``UP/<year>/<000001>``) and opens one case (JRWA 3130, the
  clerk's unit); :func:`reminder_run_issue` renders each reminder from the ``reminder`` template and hands it over
  to EZD (``outgoing_create``, ``source_ref="reminder:<id>"``), inline for small runs, else in the task
  ``issue_reminder_run``. Signing and dispatch (the channel: e-Doręczenia / ePUAP address, else post) are the
  documents app's.
* A run that failed while issuing (CONFIRMED → FAILED, ``confirmed_at`` set) is neither recomputed nor cancelled —
  its reminders are numbered and partly in EZD — only retried (:func:`reminder_run_retry`: FAILED → CONFIRMED,
  the reminders already issued are skipped).
* Never twice: the dry run, including an excluded reminder and confirming are serialised by one lock (the row
  ``finance:reminder-runs-lock`` of ``documents.Counter``; lock order: that row, the run, the reminder) and each
  re-reads the installments covered by other reminders under it (:func:`covered_installments`): the dry run
  leaves them out, including is refused, confirming is refused naming the debtors.
* The dated parameters the run needs are checked before anything is written (:func:`check_parameters`).
* :func:`reminder_delivered` — the receipt handler: DELIVERED, ``delivered_on``, the cost in force on that day
  booked (``reminder_cost_post``) with value date = the delivery date; idempotent.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.domain.money import format_pln
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance import selectors
from finance.domain import collection as rules_domain
from finance.models import AccountEntry, Installment, ObligorAccount, ReceivableType
from finance.models.collection import CollectionRun, InformationNotice, Reminder, ReminderItem
from finance.services.ledger import period_is_closed

logger = logging.getLogger(__name__)

PERM = "finance.manage_collection"
RS = CollectionRun.Status
R = Reminder.Status
CHUNK = 2000
OPEN_RUN_STATES = (RS.DRAFT, RS.PROPOSED, RS.CONFIRMED, RS.FAILED)


def _require(actor) -> None:
    if not (actor is not None and getattr(actor, "is_authenticated", False) and actor.has_perm(PERM)):
        raise ApplicationError(_("You may not manage reminders and enforcement."), code="forbidden")


def inline_limit() -> int:
    return int(getattr(settings, "FINANCE_REMINDER_INLINE_ACCOUNTS", 2000))


RUN_PARAMETERS = (
    "reminder_cost",
    "reminder_threshold_multiple",
    "reminder_limitation_margin_months",
    "reminder_notice_window_days",
    "reminder_repeat_after_days",
    "interest_minimum",
)
RUNS_LOCK = "finance:reminder-runs-lock"


def check_parameters(on: datetime.date, codes=RUN_PARAMETERS) -> None:
    """Every dated parameter of a reminder run is in force on ``on``; else a clear error (nothing written)."""
    for code in codes:
        try:
            selectors.parameter(code, on)
        except LookupError:
            raise ApplicationError(
                _("No %(name)s in force on %(date)s: an administrator must add it.")
                % {"name": code, "date": f"{on:%d.%m.%Y}"},
                code="missing_parameter",
            ) from None


def _lock_runs() -> None:
    """The lock serialising the dry runs, including and confirming of reminder runs (inside the caller's
    transaction; taken before the run and the reminder rows)."""
    from documents.models import Counter

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("_lock_runs() must be called inside transaction.atomic()")
    Counter.objects.bulk_create([Counter(key=RUNS_LOCK, value=0)], ignore_conflicts=True)
    Counter.objects.select_for_update().filter(key=RUNS_LOCK).values_list("pk", flat=True).get()


def _rules(on: datetime.date) -> rules_domain.Rules:
    try:
        return rules_domain.Rules(
            reminder_cost=selectors.parameter("reminder_cost", on),
            threshold_multiple=selectors.parameter("reminder_threshold_multiple", on),
            margin_months=int(selectors.parameter("reminder_limitation_margin_months", on)),
            notice_window_days=int(selectors.parameter("reminder_notice_window_days", on)),
        )
    except LookupError as exc:
        raise ApplicationError(_("No reminder cost is in force on that date."), code="invalid") from exc


def _run_transition(run: CollectionRun, to: str, *, actor, fields: dict | None = None) -> CollectionRun:
    """The one place a run changes state (locks the row, checks TRANSITIONS, logs)."""
    with transaction.atomic():
        locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
        if to not in CollectionRun.TRANSITIONS[locked.status]:
            raise ApplicationError(
                _("The run cannot go from %(from)s to %(to)s.")
                % {"from": locked.get_status_display(), "to": CollectionRun.Status(to).label},
                code="invalid_transition",
            )
        if locked.confirmed_at and to in (RS.DRAFT, RS.CANCELLED):
            raise ApplicationError(
                _(
                    "The run was confirmed: its reminders are numbered and handed over to EZD, so it can be neither "
                    "computed again nor cancelled. Retry issuing instead."
                ),
                code="invalid_transition",
            )
        previous = locked.status
        locked.status = to
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.save()
        audit_log(
            actor=actor, action="finance.reminder_run.status_changed", obj=locked,
            details={"from": previous, "to": to},
        )  # fmt: skip
    run.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return run


# --- the dry run -----------------------------------------------------------------------------------------------


def _candidate_accounts(run: CollectionRun):
    qs = ObligorAccount.objects.filter(
        entries__kind=AccountEntry.Kind.CHARGE,
        entries__installments__effective_due_date__lte=run.cutoff_date,
        entries__installments__effective_due_date__lt=run.issue_date,
    )
    if run.receivable_type_id:
        qs = qs.filter(receivable_type_id=run.receivable_type_id)
    return qs.distinct()


def covered_installments(*, issue_date: datetime.date, exclude_run=None) -> set[int]:
    """Installments already demanded: in a reminder issued and not delivered, delivered less than
    ``reminder_repeat_after_days`` before ``issue_date``, or proposed in another open run."""
    repeat = int(selectors.parameter("reminder_repeat_after_days", issue_date))
    since = issue_date - datetime.timedelta(days=repeat)
    q = (
        Q(reminder__status=R.ISSUED)
        | Q(reminder__status=R.DELIVERED, reminder__delivered_on__gt=since)
        | Q(reminder__status=R.PROPOSED, reminder__run__status__in=OPEN_RUN_STATES)
    )
    qs = ReminderItem.objects.filter(q, installment__isnull=False)
    if exclude_run is not None:
        qs = qs.exclude(reminder__run=exclude_run)
    return set(qs.values_list("installment_id", flat=True))


def _latest_notices(party_ids, receivable_type_id) -> dict[int, tuple[int, datetime.date]]:
    qs = InformationNotice.objects.filter(status=InformationNotice.Status.SENT)
    if receivable_type_id:
        qs = qs.filter(Q(receivable_type_id=receivable_type_id) | Q(receivable_type__isnull=True))
    if party_ids is not None:
        qs = qs.filter(party_id__in=party_ids)
    found: dict[int, tuple[int, datetime.date]] = {}
    for pk, party_id, sent_on in qs.order_by("sent_on", "pk").values_list("pk", "party_id", "sent_on"):
        found[party_id] = (pk, sent_on)
    return found


class _Type(NamedTuple):
    code: str
    interest_applies: bool


class _Acc(NamedTuple):
    """An account as plain values (what the replay and the rules read), instead of a model instance."""

    pk: int
    party_id: int
    year: int
    receivable_type: _Type


def _plain_accounts(ids: list[int]) -> list[_Acc]:
    types = {pk: _Type(code, applies) for pk, code, applies in ReceivableType.objects.values_list(
        "pk", "code", "interest_applies")}  # fmt: skip
    rows = ObligorAccount.objects.filter(pk__in=ids).order_by("pk")
    return [
        _Acc(pk, party_id, year, types[type_id])
        for pk, party_id, year, type_id in rows.values_list("pk", "party_id", "year", "receivable_type_id")
    ]


def _adjustments_for(account_ids: list[int]) -> dict:
    """The interest adjustments of those of ``account_ids`` that have any (read once for the whole run)."""
    from finance.models import InterestAdjustment
    from finance.selectors import _adjustment_rows

    with_adj = set(InterestAdjustment.objects.values_list("account_id", flat=True).distinct())
    return _adjustment_rows(sorted(with_adj.intersection(account_ids)))


def _arrears_of(accounts, *, cutoff, issue_date, covered: set[int], ctx_args=None, ctx=None,
                periods: dict[int, str] | None = None, skip_covered: bool = False,
                debtors: dict[int, list] | None = None) -> dict:  # fmt: skip
    """{party id: [Arrear, …]} for a chunk of accounts (model instances or :class:`_Acc`): installments due on or
    before the cut-off, unpaid on the issue date, interest as of the issue date — one replay per account.

    ``ctx``: a shared ``selectors._Context`` (else one is built from ``ctx_args``). ``skip_covered``: an account
    whose installments in scope are all covered is not replayed (its debtor is still listed, with nothing open).
    ``debtors``: the dict to extend (else a new one)."""
    from finance.selectors import _adjustment_rows, _Context, _entry_rows, _inst_rows, _state_from_rows

    by_pk = {a.pk: a for a in accounts}
    if ctx is None:
        ctx = _Context(issue_date, *(ctx_args or (None, None)), adjustments=_adjustment_rows(by_pk))
    insts: dict[int, list] = defaultdict(list)
    for i in _inst_rows(charge__account_id__in=list(by_pk)):
        insts[i.account_id].append(i)
    out: dict[int, list] = debtors if debtors is not None else defaultdict(list)
    replay = []
    for pk, account in by_pk.items():
        scope = [i.pk for i in insts[pk] if i.effective_due_date <= cutoff and i.effective_due_date < issue_date]
        if not scope:
            continue
        if skip_covered and covered.issuperset(scope):
            out.setdefault(account.party_id, [])
            continue
        replay.append(pk)
    entries: dict[int, list] = defaultdict(list)
    if replay:
        for e in _entry_rows(account_id__in=replay, value_date__lte=issue_date):
            entries[e.account_id].append(e)
    period_format = _("%(year)s, installment %(number)s")
    Arrear = rules_domain.Arrear
    for pk in replay:
        account = by_pk[pk]
        code = account.receivable_type.code
        party_arrears = None
        for inst in _state_from_rows(account, entries[pk], insts[pk], issue_date, ctx).installments:
            due = inst.effective_due_date
            principal = inst.state.principal
            if due > cutoff or due >= issue_date or principal <= 0:
                continue
            if periods is not None:
                periods[inst.id] = (
                    period_format % {"year": account.year, "number": inst.number} if inst.number else str(account.year)
                )
            if party_arrears is None:
                party_arrears = out.setdefault(account.party_id, [])
            party_arrears.append(Arrear(pk, inst.id, code, due, principal, inst.state.interest, inst.id in covered))
    return out


def _period_text(year: int, installment_number: int | None) -> str:
    if installment_number:
        return _("%(year)s, installment %(number)s") % {"year": year, "number": installment_number}
    return str(year)


def reminder_run_compute(*, run_id: int, actor=None) -> CollectionRun:
    """The dry run: proposals (Reminder PROPOSED + items) for a DRAFT run; safe to run twice (recomputes)."""
    run = CollectionRun.objects.select_related("receivable_type").get(pk=run_id)
    if run.status != RS.DRAFT:
        return run
    try:
        check_parameters(run.issue_date)
        rules = _rules(run.issue_date)
        covered = covered_installments(issue_date=run.issue_date, exclude_run=run)
        account_ids = list(_candidate_accounts(run).order_by("pk").values_list("pk", flat=True))
        CollectionRun.objects.filter(pk=run.pk).update(progress_total=len(account_ids), progress_done=0)
        tables = selectors.interest_rate_tables()
        # one context (rates, minimum, interest adjustments) shared by the replay of every account of the run
        ctx = selectors._Context(
            run.issue_date, tables=tables, minimum=selectors.parameter("interest_minimum", run.issue_date),
            adjustments=_adjustments_for(account_ids),
        )  # fmt: skip
        per_party: dict[int, list] = {}
        periods: dict[int, str] = {}
        for start in range(0, len(account_ids), CHUNK):
            _arrears_of(
                _plain_accounts(account_ids[start : start + CHUNK]), cutoff=run.cutoff_date,
                issue_date=run.issue_date, covered=covered, ctx=ctx, periods=periods, skip_covered=True,
                debtors=per_party,
            )  # fmt: skip
            CollectionRun.objects.filter(pk=run.pk).update(progress_done=min(start + CHUNK, len(account_ids)))
        notices = _latest_notices(None, run.receivable_type_id)
        with transaction.atomic():
            _lock_runs()
            locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != RS.DRAFT:
                return locked
            # what other runs proposed or issued meanwhile is covered now (never twice): decided under the lock
            now_covered = covered_installments(issue_date=run.issue_date, exclude_run=run)
            debtors = [
                rules_domain.Debtor(
                    party_id=pid,
                    arrears=rules_domain.with_covered(arr, now_covered),
                    notice_sent_on=notices.get(pid, (None, None))[1],
                    notice_id=notices.get(pid, (None, None))[0],
                )
                for pid, arr in per_party.items()
            ]
            decided = [rules_domain.decide(d, rules, run.issue_date) for d in debtors]
            proposals = sorted((p for p in decided if p.reason), key=lambda p: p.party_id)
            why_not = defaultdict(int)
            for p in decided:
                if not p.reason:
                    why_not[p.why_not] += 1
            ReminderItem.objects.filter(reminder__run=locked).delete()
            Reminder.objects.filter(run=locked).delete()
            _write_proposals(locked, proposals, rules, periods=periods)
            summary = {
                "debtors_with_arrears": len(debtors),
                "proposed": len(proposals),
                "by_reason": {
                    r: sum(1 for p in proposals if p.reason == r)
                    for r in (rules_domain.THRESHOLD, rules_domain.LIMITATION, rules_domain.NOTICE)
                },
                "not_now": dict(why_not),
                "threshold": str(rules.threshold),
                "total": str(sum((p.total for p in proposals), Decimal("0.00"))),
            }
            _run_transition(locked, RS.PROPOSED, actor=actor or "system:finance", fields={"summary": summary})
        run.refresh_from_db()
        return run
    except Exception as exc:  # the run shows why it failed; a clerk may recompute
        logger.exception("reminder run %s failed", run_id)
        run.refresh_from_db()
        if run.status == RS.DRAFT:
            _run_transition(run, RS.FAILED, actor=actor or "system:finance", fields={"error": str(exc)[:2000]})
        raise


def _write_proposals(run: CollectionRun, proposals, rules: rules_domain.Rules, *, reason: str | None = None,
                     created_by=None, periods: dict[int, str] | None = None) -> list[int]:  # fmt: skip
    """Write the proposals as plain rows (COPY on PostgreSQL, see finance.services.bulk); their reminder ids."""
    from finance.services.bulk import bulk_insert_rows, reserve_ids

    rate = _standard_rate(run.issue_date)
    periods = periods if periods is not None else _periods({i for p in proposals for i in p.items})
    ids = reserve_ids(Reminder, len(proposals))
    by = getattr(created_by, "pk", None)
    bulk_insert_rows(
        Reminder,
        (
            {
                "id": pk,
                "run_id": run.pk,
                "number": "",
                "party_id": p.party_id,
                "status": R.PROPOSED,
                "reason": reason or p.reason,
                "issue_date": run.issue_date,
                "principal": p.principal,
                "interest": p.interest,
                "costs": Decimal("0.00"),
                "interest_rate": rate,
                "reminder_cost": rules.reminder_cost,
                "limitation_date": p.limitation_date,
                "notice_id": p.notice_id,
                "excluded_reason": "",
                "created_by_id": by,
            }
            for pk, p in zip(ids, proposals, strict=True)
        ),
        with_ids=True,
    )
    bulk_insert_rows(
        ReminderItem,
        (
            {
                "reminder_id": pk,
                "account_id": i.account_id,
                "installment_id": i.installment_id,
                "due_date": i.due_date,
                "principal": i.principal,
                "interest": i.interest,
                "period": periods.get(i.installment_id, "")[:100],
            }
            for pk, p in zip(ids, proposals, strict=True)
            for i in p.items
        ),
    )
    return ids


def _periods(items) -> dict[int, str]:
    """{installment id: "2026, installment 1"} for arrears not computed by _arrears_of (manual additions)."""
    ids = [i.installment_id for i in items if i.installment_id]
    rows = Installment.objects.filter(pk__in=ids).values_list("pk", "number", "charge__account__year")
    return {pk: _period_text(year, number) for pk, number, year in rows}


def _standard_rate(on: datetime.date) -> Decimal:
    rates = [r for r in selectors.interest_rates() if r.valid_from <= on]
    return rates[-1].rate if rates else Decimal("0.00")


def reminder_run_create(
    *, actor, receivable_type=None, cutoff_date: datetime.date, issue_date: datetime.date
) -> CollectionRun:
    """A new reminder run; the dry run is computed now (small) or by a task (big) — see the module docstring."""
    _require(actor)
    errors: dict[str, list[str]] = {}
    if cutoff_date is None:
        errors["cutoff_date"] = [_("Give the cut-off date.")]
    if issue_date is None:
        errors["issue_date"] = [_("Give the issue date.")]
    if not errors and cutoff_date >= issue_date:
        errors["cutoff_date"] = [_("The cut-off date must be before the issue date.")]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)
    if period_is_closed(issue_date):
        raise ApplicationError(
            _("The accounting month of the issue date %(date)s is closed.") % {"date": f"{issue_date:%d.%m.%Y}"},
            code="period_closed",
        )
    check_parameters(issue_date)
    with transaction.atomic():
        run = CollectionRun.objects.create(
            kind=CollectionRun.Kind.REMINDERS, receivable_type=receivable_type, cutoff_date=cutoff_date,
            issue_date=issue_date, created_by=_user(actor),
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.reminder_run.created", obj=run,
            details={"receivable_type": getattr(receivable_type, "code", None), "cutoff_date": cutoff_date,
                     "issue_date": issue_date},
        )  # fmt: skip
    if _candidate_accounts(run).count() <= inline_limit():
        return reminder_run_compute(run_id=run.pk, actor=actor)
    from finance import tasks_reminders

    transaction.on_commit(lambda: tasks_reminders.compute_reminder_run.delay(run.pk))
    return run


def reminder_run_recompute(*, actor, run: CollectionRun) -> CollectionRun:
    """Back to DRAFT (from PROPOSED, or FAILED while computing) and compute again (review choices are lost); refused
    once the run was confirmed (see :func:`reminder_run_retry`)."""
    _require(actor)
    check_parameters(run.issue_date)
    _run_transition(run, RS.DRAFT, actor=actor, fields={"error": ""})
    return reminder_run_compute(run_id=run.pk, actor=actor)


def _lock_reminder(reminder: Reminder) -> Reminder:
    return Reminder.objects.select_for_update().get(pk=reminder.pk)


def _reminder_transition(
    reminder: Reminder, to: str, *, actor, action: str, fields=None, details=None, check=None
) -> Reminder:
    """The one place a reminder changes state. A review change (exclude / include) locks the run first, then the
    reminder (the lock order everywhere), and requires the run under review. ``check(locked_run, locked_reminder)``
    may refuse (raise) before anything is written."""
    with transaction.atomic():
        run = None
        if to in (R.EXCLUDED, R.PROPOSED):
            run_id = Reminder.objects.filter(pk=reminder.pk).values_list("run_id", flat=True).first()
            run = CollectionRun.objects.select_for_update().filter(pk=run_id).first() if run_id else None
        locked = _lock_reminder(reminder)
        if to not in Reminder.TRANSITIONS[locked.status]:
            raise ApplicationError(
                _("The reminder cannot go from %(from)s to %(to)s.")
                % {"from": locked.get_status_display(), "to": Reminder.Status(to).label},
                code="invalid_transition",
            )
        if to in (R.EXCLUDED, R.PROPOSED) and (run is None or run.status != RS.PROPOSED):
            raise ApplicationError(_("Only a run under review can be changed."), code="invalid_transition")
        if check is not None:
            check(run, locked)
        previous = locked.status
        locked.status = to
        for name, value in (fields or {}).items():
            setattr(locked, name, value)
        locked.save()
        audit_log(actor=actor, action=action, obj=locked, details={"from": previous, "to": to, **(details or {})})
    reminder.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return reminder


def reminder_exclude(*, actor, reminder: Reminder, reason: str = "") -> Reminder:
    """Review: leave a proposed reminder out of the run."""
    _require(actor)
    return _reminder_transition(
        reminder, R.EXCLUDED, actor=actor, action="finance.reminder.excluded",
        fields={"excluded_reason": (reason or "")[:300]}, details={"reason": reason},
    )  # fmt: skip


def _covered_elsewhere(run: CollectionRun, reminder_ids) -> dict[int, str]:
    """{reminder id: debtor's name} of those of ``reminder_ids`` (of ``run``) demanding an installment already
    covered by another reminder (proposed in another open run, issued, or delivered recently)."""
    check_parameters(run.issue_date, ("reminder_repeat_after_days",))
    covered = covered_installments(issue_date=run.issue_date, exclude_run=run)
    if not covered:
        return {}
    hits = {
        rid
        for rid, inst in ReminderItem.objects.filter(reminder_id__in=reminder_ids, installment__isnull=False)
        .values_list("reminder_id", "installment_id")
        .iterator(chunk_size=5000)
        if inst in covered
    }
    if not hits:
        return {}
    return {r.pk: r.party.display_name for r in Reminder.objects.filter(pk__in=hits).select_related("party")}


def reminder_include(*, actor, reminder: Reminder) -> Reminder:
    """Review: take an excluded reminder back into the run — refused while any of its installments is covered by
    another reminder (proposed in another open run, issued, delivered recently): never twice."""
    _require(actor)

    def not_covered(run, locked):
        if _covered_elsewhere(run, [locked.pk]):
            raise ApplicationError(
                _("The arrears of this reminder are already covered by another reminder; it cannot be included."),
                code="covered",
            )

    with transaction.atomic():
        _lock_runs()
        return _reminder_transition(
            reminder, R.PROPOSED, actor=actor, action="finance.reminder.included", fields={"excluded_reason": ""},
            check=not_covered,
        )  # fmt: skip


def reminder_add_manual(*, actor, run: CollectionRun, party) -> tuple[Reminder, list[str]]:
    """Review: a clerk adds a debtor (reason MANUAL) with all his open arrears in the run's scope, also those
    already covered by another reminder — returned warnings say so."""
    _require(actor)
    if party is None:
        raise ServiceValidationError(_("The data contain errors."), errors={"party": [_("Choose the debtor.")]})
    with transaction.atomic():
        locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RS.PROPOSED:
            raise ApplicationError(_("Only a run under review can be changed."), code="invalid_transition")
        if Reminder.objects.filter(run=locked, party=party).exists():
            raise ApplicationError(_("This debtor is already in the run."), code="duplicate")
        accounts = list(
            _candidate_accounts(locked).filter(Q(party=party)).select_related("receivable_type").order_by("pk")
        )
        covered = covered_installments(issue_date=locked.issue_date, exclude_run=locked)
        found = _arrears_of(
            accounts, cutoff=locked.cutoff_date, issue_date=locked.issue_date, covered=covered, ctx_args=(None, None)
        )
        arrears = [a for a in found.get(party.pk, []) if a.principal > 0]
        if not arrears:
            raise ApplicationError(_("The debtor has no arrears in the scope of this run."), code="no_arrears")
        warnings = []
        if any(a.covered for a in arrears):
            warnings.append(_("Some of these arrears are already covered by another reminder."))
        items = tuple(sorted(arrears, key=lambda a: (a.due_date, a.account_id)))
        proposal = rules_domain.Proposal(
            party.pk, Reminder.Reason.MANUAL, items=items,
            limitation_date=min(rules_domain.limitation_date(a.due_date) for a in items),
        )  # fmt: skip
        (reminder_id,) = _write_proposals(
            locked, [proposal], _rules(locked.issue_date), reason=Reminder.Reason.MANUAL, created_by=_user(actor)
        )
        reminder = Reminder.objects.get(pk=reminder_id)
        audit_log(
            actor=actor, action="finance.reminder.added", obj=reminder,
            details={"party": party.pk, "run": locked.pk, "warnings": warnings},
        )  # fmt: skip
    return reminder, warnings


def reminder_run_cancel(*, actor, run: CollectionRun, reason: str = "") -> CollectionRun:
    """Cancel a run before it is confirmed: its proposals are cancelled, nothing is issued (refused once the run
    was confirmed, also when issuing failed — see :func:`reminder_run_retry`)."""
    _require(actor)
    with transaction.atomic():
        _run_transition(run, RS.CANCELLED, actor=actor, fields={"finished_at": timezone.now()})
        Reminder.objects.filter(run=run, status__in=(R.PROPOSED, R.EXCLUDED)).update(
            status=R.CANCELLED, excluded_reason=(reason or _("run cancelled"))[:300]
        )
    return run


def reminder_run_confirm(*, actor, run: CollectionRun) -> CollectionRun:
    """Confirm a reviewed run: numbers, a case in EZD (JRWA 3130, the clerk's unit); the documents are handed over
    now (small runs) or by the task ``issue_reminder_run``."""
    _require(actor)
    if period_is_closed(run.issue_date):
        raise ApplicationError(
            _("The accounting month of the issue date %(date)s is closed.") % {"date": f"{run.issue_date:%d.%m.%Y}"},
            code="period_closed",
        )
    from documents.models import JrwaClass
    from documents.services.cases import case_open
    from documents.services.numbering import next_number

    unit = getattr(actor, "org_unit", None)
    if unit is None:
        raise ApplicationError(_("You are not assigned to an organisational unit."), code="no_unit")
    jrwa = JrwaClass.objects.filter(symbol="3130", is_leaf=True).order_by("-version__is_current", "-pk").first()
    if jrwa is None:
        raise ApplicationError(_("The JRWA class 3130 is missing."), code="no_jrwa")
    check_parameters(run.issue_date, ("reminder_repeat_after_days",))
    with transaction.atomic():
        _lock_runs()
        locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RS.PROPOSED:
            raise ApplicationError(_("Only a run under review can be confirmed."), code="invalid_transition")
        reminders = list(Reminder.objects.filter(run=locked, status=R.PROPOSED).order_by("party_id", "pk"))
        if not reminders:
            raise ApplicationError(_("The run has no reminders to issue."), code="empty")
        clashes = _covered_elsewhere(locked, [r.pk for r in reminders])
        if clashes:
            names = sorted(set(clashes.values()))
            raise ApplicationError(
                _(
                    "The arrears of these debtors are already covered by another reminder: %(names)s. Exclude them "
                    "(or cancel the other reminders) before confirming."
                )
                % {"names": ", ".join(names[:20]) + (" …" if len(names) > 20 else "")},
                code="covered",
            )
        case = case_open(
            actor=actor, unit=unit, jrwa=jrwa,
            title=_("Reminders of %(date)s") % {"date": f"{locked.issue_date:%d.%m.%Y}"},
        )  # fmt: skip
        year = locked.issue_date.year
        for r in reminders:
            r.number = f"UP/{year}/{next_number(f'finance:reminder:{year}'):06d}"
        Reminder.objects.bulk_update(reminders, ["number"], batch_size=1000)
        _run_transition(
            locked, RS.CONFIRMED, actor=actor,
            fields={"case": case, "confirmed_by": _user(actor), "confirmed_at": timezone.now(),
                    "progress_done": 0, "progress_total": len(reminders)},
        )  # fmt: skip
    run.refresh_from_db()
    if len(reminders) <= int(getattr(settings, "FINANCE_REMINDER_INLINE_DOCUMENTS", 50)):
        return reminder_run_issue(run_id=run.pk, actor=actor)
    from finance import tasks_reminders

    transaction.on_commit(lambda: tasks_reminders.issue_reminder_run.delay(run.pk))
    return run


def reminder_run_retry(*, actor, run: CollectionRun) -> CollectionRun:
    """Issue again a run that failed while issuing (FAILED with ``confirmed_at``) → CONFIRMED; the reminders already
    handed over to EZD are skipped, the others are issued now (small runs) or by the task ``issue_reminder_run``."""
    _require(actor)
    with transaction.atomic():
        locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RS.FAILED or not locked.confirmed_at:
            raise ApplicationError(
                _("Only a confirmed run whose issuing failed can be retried."), code="invalid_transition"
            )
        pending = Reminder.objects.filter(run=locked, status=R.PROPOSED).count()
        _run_transition(locked, RS.CONFIRMED, actor=actor, fields={"error": ""})
        audit_log(actor=actor, action="finance.reminder_run.retried", obj=locked, details={"pending": pending})
    run.refresh_from_db()
    if pending <= int(getattr(settings, "FINANCE_REMINDER_INLINE_DOCUMENTS", 50)):
        return reminder_run_issue(run_id=run.pk, actor=actor)
    from finance import tasks_reminders

    transaction.on_commit(lambda: tasks_reminders.issue_reminder_run.delay(run.pk))
    return run


# --- the documents -------------------------------------------------------------------------------------------


def reminder_context(reminder: Reminder) -> dict[str, str]:
    """The fields of the ``reminder`` template with all the mandatory content of a reminder."""
    from finance.services.virtual_accounts import virtual_account_for

    items = list(reminder.items.select_related("account__receivable_type").order_by("due_date", "pk"))
    kinds = list(dict.fromkeys(i.account.receivable_type.name for i in items))
    periods = list(dict.fromkeys(i.period for i in items))
    first_type = items[0].account.receivable_type if items else None
    account = virtual_account_for(party=reminder.party, receivable_type=first_type)
    office = getattr(settings, "MAGISTRAT_OFFICE_NAME", "") or getattr(settings, "EPUAP_OFFICE_NAME", "")
    lines = [
        _("Creditor: %(office)s.") % {"office": office},
        _("Debtor: %(name)s.") % {"name": reminder.party.display_name},
        _("Arrears:"),
    ]
    for i in items:
        lines.append(
            _("– %(kind)s, %(period)s, due %(due)s: %(principal)s, interest to %(date)s: %(interest)s")
            % {
                "kind": i.account.receivable_type.name,
                "period": i.period,
                "due": f"{i.due_date:%d.%m.%Y}",
                "principal": format_pln(i.principal),
                "date": f"{reminder.issue_date:%d.%m.%Y}",
                "interest": format_pln(i.interest),
            }
        )
    lines += [
        _(
            "Interest for late payment to the issue date %(date)s: %(interest)s; further interest accrues from the "
            "next day to the day of payment at the rate of %(rate)s%% a year."
        )
        % {
            "date": f"{reminder.issue_date:%d.%m.%Y}",
            "interest": format_pln(reminder.interest),
            "rate": f"{reminder.interest_rate:.2f}".replace(".", ","),
        },
        _("Pay to your individual bank account %(account)s (%(office)s).")
        % {"account": _nrb_text(account.nrb), "office": office},
        _(
            "The cost of this reminder, %(cost)s, arises on the day it is delivered and is payable together with the "
            "arrears."
        )
        % {"cost": format_pln(reminder.reminder_cost)},
    ]
    return {
        "liability": ", ".join(kinds)[:500],
        "period": ", ".join(periods)[:500],
        "amount": f"{reminder.principal:.2f}",
        "cost": f"{reminder.reminder_cost:.2f}",
        "body": "\n".join(lines),
    }


def _nrb_text(nrb: str) -> str:
    digits = "".join(ch for ch in nrb if ch.isdigit())
    return " ".join([digits[:2], *[digits[i : i + 4] for i in range(2, len(digits), 4)]])


def reminder_issue_one(*, reminder: Reminder, actor=None) -> Reminder:
    """Render one confirmed reminder and hand it over to EZD (idempotent: a reminder with a document is skipped)."""
    from documents.models import DocumentTemplate
    from documents.models.outgoing import DocumentKind
    from documents.services.outgoing import outgoing_create
    from documents.services.templates import recipient_of, render_document

    reminder = Reminder.objects.select_related("run__case", "party").get(pk=reminder.pk)
    if reminder.document_id or reminder.status != R.PROPOSED:
        return reminder
    template = DocumentTemplate.objects.filter(code="reminder", is_active=True).order_by("-version").first()
    context = reminder_context(reminder)
    title = _("Reminder %(number)s") % {"number": reminder.number}
    rendered = render_document(
        template=template, context=context, title=title, mark=reminder.run.case.mark,
        recipients=[recipient_of(reminder.party)], day=reminder.issue_date,
    )  # fmt: skip
    with transaction.atomic():
        locked = _lock_reminder(reminder)
        if locked.document_id:
            return locked
        document = outgoing_create(
            case=reminder.run.case, document=rendered.pdf, file_name=f"{reminder.number.replace('/', '-')}.pdf",
            mime="application/pdf", title=title, kind=DocumentKind.REMINDER, recipients=[reminder.party],
            template=template, source_app="finance", source_ref=f"reminder:{reminder.pk}", actor=actor,
        )  # fmt: skip
        _reminder_transition(
            locked, R.ISSUED, actor=actor or "system:finance", action="finance.reminder.issued",
            fields={"document": document}, details={"number": locked.number, "document": document.pk},
        )  # fmt: skip
    return locked


def reminder_run_issue(*, run_id: int, actor=None) -> CollectionRun:
    """Hand over every confirmed reminder of the run; run → ISSUED when all are; safe to run twice."""
    run = CollectionRun.objects.get(pk=run_id)
    if run.status not in (RS.CONFIRMED, RS.FAILED) or not run.confirmed_at:
        return run
    if run.status == RS.FAILED:
        _run_transition(run, RS.CONFIRMED, actor=actor or "system:finance", fields={"error": ""})
    pending = list(Reminder.objects.filter(run=run, status=R.PROPOSED).order_by("pk"))
    done = Reminder.objects.filter(run=run, status__in=(R.ISSUED, R.DELIVERED)).count()
    try:
        for r in pending:
            reminder_issue_one(reminder=r, actor=actor)
            done += 1
            CollectionRun.objects.filter(pk=run.pk).update(progress_done=done)
    except Exception as exc:
        logger.exception("reminder run %s: issuing failed", run_id)
        run.refresh_from_db()
        _run_transition(run, RS.FAILED, actor=actor or "system:finance", fields={"error": str(exc)[:2000]})
        raise
    with transaction.atomic():
        Reminder.objects.filter(run=run, status=R.EXCLUDED).update(status=R.CANCELLED)
        run.refresh_from_db()
        _run_transition(run, RS.ISSUED, actor=actor or "system:finance", fields={"finished_at": timezone.now()})
    return run


# --- signing and dispatch ------------------------------------------------------------------------------------

DISPATCH_PERMS = (PERM, "finance.sign_titles")
DISPATCHABLE_RUN_STATES = (RS.CONFIRMED, RS.ISSUED)


def _require_signer(actor, run: CollectionRun):
    """The actor manages collection (or signs titles) and may sign the run's documents with the office e-seal
    (documents.services.signing: ``documents.sign_document``, the document visible to him, approved — or a draft
    when he heads the case's unit). Refused clearly otherwise, before anything is signed."""
    from documents.models import OutgoingDocument
    from documents.services.signing import can_sign

    if not (actor is not None and getattr(actor, "is_authenticated", False)
            and any(actor.has_perm(p) for p in DISPATCH_PERMS)):  # fmt: skip
        raise ApplicationError(_("You may not manage reminders and enforcement."), code="forbidden")
    unsigned = (
        OutgoingDocument.objects.filter(pk__in=Reminder.objects.filter(run=run).values("document_id"))
        .exclude(status__in=(OutgoingDocument.Status.SIGNED, OutgoingDocument.Status.DISPATCHED))
        .select_related("case")
        .order_by("pk")
        .first()
    )
    if unsigned is not None and not can_sign(actor, unsigned):
        raise ApplicationError(
            _(
                "You may not sign the reminders of this run with the office e-seal: signing needs the right to sign "
                "documents and, for documents not approved, the head of the case's unit."
            ),
            code="cannot_sign",
        )


def _dispatch_pending(run: CollectionRun) -> list[Reminder]:
    from documents.models import OutgoingDocument

    return list(
        Reminder.objects.filter(run=run, document__isnull=False, status__in=(R.ISSUED, R.DELIVERED))
        .exclude(document__status=OutgoingDocument.Status.DISPATCHED)
        .select_related("document__case")
        .order_by("pk")
    )


def _dispatch_progress(run: CollectionRun, **progress) -> None:
    with transaction.atomic():
        locked = CollectionRun.objects.select_for_update().get(pk=run.pk)
        summary = dict(locked.summary or {})
        summary["dispatch"] = {**summary.get("dispatch", {}), **progress}
        locked.summary = summary
        locked.save(update_fields=["summary"])
    run.summary = summary


def reminder_run_dispatch(*, actor, run: CollectionRun, edoreczenia=None, epuap=None, inline: bool | None = None):
    """Sign (office e-seal, XAdES) and dispatch every issued reminder of a confirmed run whose document is not yet
    dispatched; the channel per recipient is the documents app's (e-Doręczenia address → e-Doręczenia, ePUAP box →
    ePUAP, else registered post — paper shipments wait for the postal book). Inline for up to
    ``FINANCE_REMINDER_INLINE_DOCUMENTS`` documents, else the task ``dispatch_reminder_run`` (progress in
    ``run.summary["dispatch"]``). Safe to run twice: a dispatched document is skipped, a signed one only
    dispatched. The dispatch is done as the actor when he holds ``documents.dispatch_mail``, else on behalf of the
    run (``system:finance``) — the shipments are the documents app's from there on."""
    run = CollectionRun.objects.get(pk=run.pk)
    _require_signer(actor, run)
    if run.status not in DISPATCHABLE_RUN_STATES:
        raise ApplicationError(_("Only a confirmed run can be signed and dispatched."), code="invalid_transition")
    pending = _dispatch_pending(run)
    if inline is None:
        inline = len(pending) <= int(getattr(settings, "FINANCE_REMINDER_INLINE_DOCUMENTS", 50))
    audit_log(
        actor=actor, action="finance.reminder_run.dispatch_started", obj=run,
        details={"reminders": len(pending), "inline": inline},
    )  # fmt: skip
    if not inline:
        _dispatch_progress(run, total=len(pending), done=0, state="queued")
        from finance import tasks_reminders

        transaction.on_commit(lambda: tasks_reminders.dispatch_reminder_run.delay(run.pk, actor.pk))
        return run
    return reminder_run_dispatch_all(run_id=run.pk, actor=actor, edoreczenia=edoreczenia, epuap=epuap)


def reminder_run_dispatch_all(*, run_id: int, actor, edoreczenia=None, epuap=None) -> CollectionRun:
    """The work of :func:`reminder_run_dispatch` (also the task's): one reminder after another, each in its own
    transactions (signing, then the documents app's dispatch); a reminder that fails is recorded in the progress
    and the others go on."""
    from documents.models import OutgoingDocument
    from documents.services.dispatch import document_dispatch
    from documents.services.signing import document_sign

    run = CollectionRun.objects.get(pk=run_id)
    _require_signer(actor, run)
    if run.status not in DISPATCHABLE_RUN_STATES:
        return run
    dispatcher = actor if actor.has_perm("documents.dispatch_mail") else "system:finance"
    pending = _dispatch_pending(run)
    signed = dispatched = 0
    errors: list[dict] = []
    _dispatch_progress(run, total=len(pending), done=0, signed=0, dispatched=0, errors=[], state="running")
    for n, reminder in enumerate(pending, start=1):
        document = reminder.document
        try:
            if document.status != OutgoingDocument.Status.SIGNED:
                document_sign(actor=actor, document=document)
                signed += 1
            document_dispatch(actor=dispatcher, document=document, edoreczenia=edoreczenia, epuap=epuap)
            dispatched += 1
        except ApplicationError as exc:
            logger.warning("reminder %s: sign/dispatch failed: %s", reminder.pk, exc)
            errors.append({"reminder": reminder.pk, "number": reminder.number, "error": str(exc.message)[:300]})
        _dispatch_progress(run, done=n, signed=signed, dispatched=dispatched, errors=errors)
    _dispatch_progress(run, state="finished")
    audit_log(
        actor=actor, action="finance.reminder_run.dispatched", obj=run,
        details={"signed": signed, "dispatched": dispatched, "failed": [e["reminder"] for e in errors]},
    )  # fmt: skip
    return run


# --- delivery ------------------------------------------------------------------------------------------------


def booking_date(delivered_on: datetime.date, *, today: datetime.date | None = None) -> datetime.date:
    """The date of the journal entry of a cost that arose on ``delivered_on``: that day when its accounting month
    is open; when it is closed (the receipt came back after the month was closed), the current day when its month
    is open, else the first day of the first open month after the delivery."""
    if not period_is_closed(delivered_on):
        return delivered_on
    today = today or timezone.localdate()
    if today > delivered_on and not period_is_closed(today):
        return today
    year, month = delivered_on.year, delivered_on.month
    for _i in range(240):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = datetime.date(year, month, 1)
        if not period_is_closed(day):
            return day
    raise ApplicationError(_("No open accounting month was found."), code="period_closed")


def _cost_post_in_open_month(*, account, delivered_on, booked: datetime.date, description: str, source_ref: str):
    """The reminder cost when the month of delivery is closed: the entry on the debtor's account keeps the value
    date = the delivery date (the day the cost arose); the journal entry is dated ``booked`` (an open month) with a
    note saying why."""
    from finance.models import AccountEntry as Entry
    from finance.services.accounts import lock_accounts
    from finance.services.ledger import post_event

    try:
        amount = selectors.parameter("reminder_cost", delivered_on)
    except LookupError as exc:
        raise ApplicationError(_("No reminder cost is in force on that date."), code="invalid") from exc
    note = _("%(description)s (delivered on %(date)s; the accounting month is closed)") % {
        "description": description, "date": f"{delivered_on:%d.%m.%Y}"}  # fmt: skip
    account = lock_accounts([account.pk])[account.pk]
    journal = post_event(
        event="reminder_cost", component="costs", amount=amount, date=booked, description=note[:500],
        obligor_account=account, actor=None,
    )  # fmt: skip
    entry = Entry.objects.create(
        account=account, kind=Entry.Kind.REMINDER_COST, component=Entry.Component.COSTS, amount=amount,
        value_date=delivered_on, booked_on=timezone.localdate(), description=description[:500],
        source_ref=source_ref, journal_entry=journal,
    )  # fmt: skip
    audit_log(
        actor="system:finance", action="finance.reminder_cost.posted", obj=account,
        details={"amount": str(amount), "value_date": delivered_on, "journal_date": booked},
    )  # fmt: skip
    return entry


def reminder_delivered(*, reminder_id: int, delivered_on: datetime.date) -> Reminder | None:
    """The reminder was delivered: DELIVERED and the cost in force on ``delivered_on`` booked with that value
    date on the debtor's account of the first item. Idempotent (a second call changes nothing). When the month of
    delivery is already closed, the journal entry goes to an open month (:func:`booking_date`) with a note; the
    value date stays the delivery date."""
    from finance.services.accounts import reminder_cost_post

    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.status != R.ISSUED or reminder.cost_entry_id:
            return reminder
        item = reminder.items.select_related("account__receivable_type").order_by("due_date", "pk").first()
        description = _("Cost of reminder %(number)s") % {"number": reminder.number}
        booked = booking_date(delivered_on)
        if booked == delivered_on:
            entry = reminder_cost_post(
                actor=None, account=item.account, value_date=delivered_on, description=description,
                source_ref=f"reminder:{reminder.pk}",
            )  # fmt: skip
        else:
            entry = _cost_post_in_open_month(
                account=item.account, delivered_on=delivered_on, booked=booked, description=description,
                source_ref=f"reminder:{reminder.pk}",
            )  # fmt: skip
        _reminder_transition(
            reminder, R.DELIVERED, actor="system:finance", action="finance.reminder.delivered",
            fields={"delivered_on": delivered_on, "cost_entry": entry},
            details={"delivered_on": delivered_on, "cost": str(entry.amount), "journal_date": booked},
        )  # fmt: skip
    return reminder


def on_receipt(event) -> None:
    """documents.events receipt handler for source_app "finance" (reminders; other refs are ignored here)."""
    ref = event.source_ref or ""
    if ref.startswith("reminder:"):
        reminder_delivered(reminder_id=int(ref.split(":", 1)[1]), delivered_on=event.delivered_on)


# --- information notices -------------------------------------------------------------------------------------


class LogNoticeBackend:
    """Default sender: writes the notice to the log (and to ``FINANCE_NOTICE_DIR`` when set)."""

    name = "log"

    def send(self, *, channel: str, address: str, message: str) -> None:
        logger.info("information notice via %s to %s: %s", channel, address, message)
        folder = getattr(settings, "FINANCE_NOTICE_DIR", "")
        if folder:
            from pathlib import Path

            path = Path(folder)
            path.mkdir(parents=True, exist_ok=True)
            stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
            (path / f"{stamp}-{channel}.txt").write_text(f"{address}\n\n{message}\n", encoding="utf-8")


class EmailNoticeBackend:
    """E-mail through Django's mail (SMS is refused)."""

    name = "email"

    def send(self, *, channel: str, address: str, message: str) -> None:
        from django.core.mail import send_mail

        if channel != InformationNotice.Channel.EMAIL:
            raise RuntimeError("this sender sends e-mail only")
        send_mail(_("Information about arrears"), message, None, [address])


def notice_backend():
    path = getattr(settings, "FINANCE_NOTICE_BACKEND", "finance.services.reminders.LogNoticeBackend")
    return import_string(path)()


def information_notice_send(*, actor, party, channel: str, receivable_type=None, on: datetime.date | None = None):
    """Działanie informacyjne: tell the debtor the arrears with interest today; logged (row + audit) also when the
    sender fails (status FAILED). It starts the notice window (see finance.domain.collection)."""
    _require(actor)
    if party is None:
        raise ApplicationError(_("Unknown party."), code="not_found")
    if channel not in InformationNotice.Channel.values:
        raise ServiceValidationError(_("The data contain errors."), errors={"channel": [_("Unknown channel.")]})
    address = party.email if channel == InformationNotice.Channel.EMAIL else party.phone
    if not address:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"channel": [_("The party has no address for this channel.")]}
        )
    today = on or timezone.localdate()
    total = Decimal("0.00")
    for account, b in selectors.party_balances(party, as_of=today):
        if (receivable_type is None or account.receivable_type_id == receivable_type.pk) and b.arrears > 0:
            total += b.arrears + b.interest + b.costs
    if total <= 0:
        raise ApplicationError(_("The party has no arrears."), code="no_arrears")
    message = _(
        "%(office)s informs that on %(date)s your arrears with interest amount to %(amount)s. Please pay them to "
        "avoid a reminder and its costs."
    ) % {"office": getattr(settings, "MAGISTRAT_OFFICE_NAME", ""), "date": f"{today:%d.%m.%Y}",
         "amount": format_pln(total)}  # fmt: skip
    backend = notice_backend()
    status, error = InformationNotice.Status.SENT, ""
    try:
        backend.send(channel=channel, address=address, message=message)
    except Exception as exc:  # logged as a failed notice; the window does not start
        status, error = InformationNotice.Status.FAILED, str(exc)[:2000]
    with transaction.atomic():
        notice = InformationNotice.objects.create(
            party=party, receivable_type=receivable_type, channel=channel, address=address, message=message,
            amount=total, sent_on=today, status=status, backend=getattr(backend, "name", type(backend).__name__)[:100],
            error=error, created_by=_user(actor),
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.information_notice.sent", obj=notice,
            details={"party": party.pk, "channel": channel, "amount": str(total), "status": status},
        )  # fmt: skip
    return notice


def access_reminder(*, user, reminder_id: int) -> Reminder:
    """One reminder for a user holding ``finance.manage_collection``; the read is logged (personal data)."""
    from core.exceptions import NotFoundOrForbidden

    if not (user and user.is_authenticated and user.has_perm(PERM)):
        raise NotFoundOrForbidden("Not found.")
    reminder = Reminder.objects.select_related("party", "run", "document").filter(pk=reminder_id).first()
    if reminder is None:
        raise NotFoundOrForbidden("Not found.")
    audit_log(actor=user, action="finance.reminder.viewed", obj=reminder, details={})
    return reminder
