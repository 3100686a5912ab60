"""Posting to the general ledger: balanced journal entries, posting rules as data, closed periods.

``journal_post`` is the only way to write journal lines: it refuses an unbalanced entry, a line with both or
neither side, and a date in a closed period, and writes the entry and its lines in the caller's transaction. On
PostgreSQL a DEFERRED constraint trigger checks the balance again at commit (a line written by any other path
cannot leave an entry unbalanced) and refuses UPDATE/DELETE of lines (migration 0003).

``post_event`` books one business event by the :class:`~finance.models.PostingRule` table (data): e.g.
``charge/principal`` → Wn 221 (analytic: the obligor account) / Ma 720, with the receivable type's dział,
rozdział and the paragraf of the component (principal: the type's, interest: 0910, costs: 0640).

For bulk work (the statement import): :class:`PostingRules` reads the rules once, :func:`event_lines` gives the
two lines ``post_event`` would write, and :func:`journal_post_many` writes many entries with many lines in a few
queries (the same checks as ``journal_post``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from finance.models import AccountingPeriod, JournalEntry, JournalLine, LedgerAccount, PostingRule
from finance.services.bulk import bulk_insert_rows

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    account: str  # the ledger account number, e.g. "221"
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    obligor_account_id: int | None = None
    dzial: str = ""
    rozdzial: str = ""
    paragraf: str = ""


def _line_row(entry, accounts: dict, x: Line) -> dict:
    """A journal line as a plain row for :func:`~finance.services.bulk.bulk_insert_rows`."""
    return {
        "entry_id": entry.pk, "account_id": accounts[x.account].pk, "obligor_account_id": x.obligor_account_id,
        "debit": x.debit, "credit": x.credit, "dzial": x.dzial, "rozdzial": x.rozdzial, "paragraf": x.paragraf,
    }  # fmt: skip


class PeriodClosed(ApplicationError):
    code = "period_closed"


def period_is_closed(day: datetime.date) -> bool:
    return AccountingPeriod.objects.filter(year=day.year, month=day.month, closed_at__isnull=False).exists()


def _check_lines(lines: list[Line]) -> None:
    if not lines:
        raise ApplicationError(_("A journal entry needs lines."), code="unbalanced")
    for line in lines:
        if (line.debit > 0) == (line.credit > 0) or line.debit < 0 or line.credit < 0:
            raise ApplicationError(_("Each journal line has either a debit or a credit."), code="unbalanced")
    if sum(x.debit for x in lines) != sum(x.credit for x in lines):
        raise ApplicationError(_("The journal entry does not balance."), code="unbalanced")


def journal_post(
    *, date: datetime.date, event: str, description: str, lines: list[Line], actor=None, reverses=None
) -> JournalEntry:
    _check_lines(lines)
    if period_is_closed(date):
        raise PeriodClosed(_("The period %(month)02d.%(year)d is closed.") % {"month": date.month, "year": date.year})
    accounts = {a.number: a for a in LedgerAccount.objects.filter(number__in={x.account for x in lines})}
    missing = {x.account for x in lines} - set(accounts)
    if missing:
        raise ApplicationError(
            _("Unknown ledger account: %(accounts)s.") % {"accounts": ", ".join(sorted(missing))}, code="invalid"
        )
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            date=date,
            event=event,
            description=description[:300],
            reverses=reverses,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        bulk_insert_rows(JournalLine, [_line_row(entry, accounts, x) for x in lines])
    return entry


def journal_reverse(*, original: JournalEntry, date: datetime.date, description: str, actor=None) -> JournalEntry:
    """Storno: ``original``'s lines with debit and credit swapped, pointing at it (``reverses``)."""
    return journal_post(
        date=date,
        event=original.event,
        description=description,
        actor=actor,
        reverses=original,
        lines=[
            Line(
                account=x.account.number,
                debit=x.credit,
                credit=x.debit,
                obligor_account_id=x.obligor_account_id,
                dzial=x.dzial,
                rozdzial=x.rozdzial,
                paragraf=x.paragraf,
            )
            for x in original.lines.select_related("account").order_by("id")
        ],
    )


@dataclass(frozen=True)
class JournalDraft:
    """One entry for :func:`journal_post_many`."""

    date: datetime.date
    event: str
    description: str
    lines: list[Line]


def journal_post_many(*, drafts: list[JournalDraft], actor=None) -> list[JournalEntry]:
    """Write many balanced entries at once (``bulk_create``), each checked like :func:`journal_post`: lines
    with one side, balanced, no closed period, known ledger accounts. All or nothing (the caller's transaction)."""
    if not drafts:
        return []
    for draft in drafts:
        _check_lines(draft.lines)
    for year, month in sorted({(d.date.year, d.date.month) for d in drafts}):
        if period_is_closed(datetime.date(year, month, 1)):
            raise PeriodClosed(_("The period %(month)02d.%(year)d is closed.") % {"month": month, "year": year})
    numbers = {x.account for d in drafts for x in d.lines}
    accounts = {a.number: a for a in LedgerAccount.objects.filter(number__in=numbers)}
    missing = numbers - set(accounts)
    if missing:
        raise ApplicationError(
            _("Unknown ledger account: %(accounts)s.") % {"accounts": ", ".join(sorted(missing))}, code="invalid"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        entries = JournalEntry.objects.bulk_create(
            [JournalEntry(date=d.date, event=d.event, description=d.description[:300], created_by=user) for d in drafts]
        )
        bulk_insert_rows(
            JournalLine,
            [_line_row(entry, accounts, x) for entry, draft in zip(entries, drafts, strict=True) for x in draft.lines],
        )
    return entries


class PostingRules:
    """The posting rules and the accounts kept per obligor, read once (for many events in one transaction)."""

    def __init__(self) -> None:
        self.rules = {
            (r.event, r.component): (r.debit.number, r.credit.number)
            for r in PostingRule.objects.select_related("debit", "credit")
        }
        self.analytic = set(LedgerAccount.objects.filter(analytic_by_obligor=True).values_list("number", flat=True))

    def accounts(self, event: str, component: str) -> tuple[str, str]:
        for key in ((event, component), (event, "any")):
            if key in self.rules:
                return self.rules[key]
        raise ApplicationError(
            _("No posting rule for %(event)s / %(component)s.") % {"event": event, "component": component},
            code="no_posting_rule",
        )


def _lines(*, debit, credit, analytic, amount, cls, obligor_pk, counter_pk) -> list[Line]:
    debit_obligor = obligor_pk if obligor_pk is not None and debit in analytic else None
    credit_obligor = (
        counter_pk
        if counter_pk is not None and credit in analytic
        else (obligor_pk if obligor_pk is not None and credit in analytic and debit not in analytic else None)
    )
    return [
        Line(account=debit, debit=amount, obligor_account_id=debit_obligor, **cls),
        Line(account=credit, credit=amount, obligor_account_id=credit_obligor, **cls),
    ]


def event_lines(
    *, rules: PostingRules, event: str, component: str, amount: Decimal, obligor_account, receivable_type=None
) -> list[Line]:
    """The two lines :func:`post_event` writes for an event on one obligor account (no counter account)."""
    debit, credit = rules.accounts(event, component)
    cls = classification(receivable_type or obligor_account.receivable_type, component)
    return _lines(
        debit=debit, credit=credit, analytic=rules.analytic, amount=amount, cls=cls, obligor_pk=obligor_account.pk,
        counter_pk=None,
    )  # fmt: skip


def posting_accounts(event: str, component: str) -> tuple[str, str]:
    """(debit, credit) account numbers for an event (exact component first, then ``any``)."""
    for key in ((event, component), (event, "any")):
        rule = PostingRule.objects.filter(event=key[0], component=key[1]).select_related("debit", "credit").first()
        if rule is not None:
            return rule.debit.number, rule.credit.number
    raise ApplicationError(
        _("No posting rule for %(event)s / %(component)s.") % {"event": event, "component": component},
        code="no_posting_rule",
    )


def classification(receivable_type, component: str) -> dict[str, str]:
    if receivable_type is None:
        return {}
    paragraf = {
        "interest": receivable_type.interest_paragraf,
        "costs": receivable_type.costs_paragraf,
    }.get(component, receivable_type.paragraf)
    return {"dzial": receivable_type.dzial, "rozdzial": receivable_type.rozdzial, "paragraf": paragraf}


def post_event(
    *,
    event: str,
    component: str,
    amount: Decimal,
    date: datetime.date,
    description: str,
    obligor_account=None,
    counter_obligor_account=None,
    receivable_type=None,
    actor=None,
) -> JournalEntry:
    """Book one event by the posting rules. The obligor account is the analytic of its side on an
    analytic account (221); for a transfer between two obligor accounts the debit goes to ``obligor_account``
    and the credit to ``counter_obligor_account``."""
    debit, credit = posting_accounts(event, component)
    receivable_type = receivable_type or (obligor_account.receivable_type if obligor_account else None)
    cls = classification(receivable_type, component)
    analytic = {a.number for a in LedgerAccount.objects.filter(number__in=(debit, credit), analytic_by_obligor=True)}
    if event in ("overpayment_credit", "transfer") and counter_obligor_account is None:
        raise ApplicationError(_("A transfer needs both accounts."), code="invalid")
    return journal_post(
        date=date,
        event=event,
        description=description,
        actor=actor,
        lines=_lines(
            debit=debit,
            credit=credit,
            analytic=analytic,
            amount=amount,
            cls=cls,
            obligor_pk=obligor_account.pk if obligor_account else None,
            counter_pk=counter_obligor_account.pk if counter_obligor_account is not None else None,
        ),
    )


def period_close(*, actor, year: int, month: int) -> AccountingPeriod:
    """Close a month: no entry dated in it is accepted afterwards. Earlier open months must be closed first."""
    if not actor.has_perm("finance.manage_ledger"):
        raise ApplicationError(_("You may not close periods."), code="forbidden")
    today = timezone.localdate()
    if (year, month) >= (today.year, today.month):
        raise ApplicationError(_("Only a past month can be closed."), code="invalid")
    with transaction.atomic():
        period, _created = AccountingPeriod.objects.select_for_update().get_or_create(year=year, month=month)
        if period.closed_at:
            raise ApplicationError(_("The period is already closed."), code="already_closed")
        # Every earlier month that has entries (or an open period row) must be closed first.
        closed = set(AccountingPeriod.objects.filter(closed_at__isnull=False).values_list("year", "month"))
        earlier_open = (
            AccountingPeriod.objects.filter(closed_at__isnull=True)
            .filter(Q(year__lt=year) | Q(year=year, month__lt=month))
            .exists()
        )
        first = JournalEntry.objects.order_by("date").values_list("date", flat=True).first()
        if first is not None:
            y, m = first.year, first.month
            while (y, m) < (year, month) and not earlier_open:
                earlier_open = (y, m) not in closed
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if earlier_open:
            raise ApplicationError(_("Close the earlier months first."), code="invalid")
        period.closed_at = timezone.now()
        period.closed_by = actor
        period.save(update_fields=["closed_at", "closed_by"])
        audit_log(actor=actor, action="finance.period.closed", obj=period, details={"year": year, "month": month})
    return period
