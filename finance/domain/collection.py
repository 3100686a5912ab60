"""Who gets a reminder (upomnienie) — pure selection rules over dataclasses (no ORM).

Domain reference §7 and E8 (regulation of the Minister of Finance on the creditors' duties, OP art. 70 §1):

* **threshold** — arrears plus interest to the issue date *exceeding* ``threshold_multiple × reminder_cost``
  (10 × 16.00 = 160.00 zł: 160.00 is not enough, 160.01 is) → a reminder now;
* **information notice** — a debtor above the threshold who was sent a notice (działanie informacyjne) less than
  ``notice_window_days`` (21) days before the issue date is *not yet* reminded (the notice window runs); once the
  window has passed and the arrears are still above the threshold the reason is ``notice``;
* **limitation** — below the threshold, a debtor is reminded only when the earliest limitation date of his
  arrears (31.12 of the due date's year + 5 years) is less than ``margin_months`` (6) months after the issue date
  (a limitation date that near also overrides a running notice window);
* a clerk may add anyone (reason ``manual``; not decided here).

Arrears already covered by a reminder (issued and not yet delivered, or delivered less than
``reminder_repeat_after_days`` ago, or proposed in another open run) are left out before any rule is applied:
they neither count towards the threshold nor get reminded again.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

ZERO = Decimal("0.00")

THRESHOLD = "threshold"
LIMITATION = "limitation"
NOTICE = "notice"
# Not reminded (``Proposal.reason`` is None); ``Proposal.why_not`` says why.
BELOW_THRESHOLD = "below_threshold"
NOTICE_WINDOW = "notice_window"
NOTHING_OPEN = "nothing_open"


@dataclass(frozen=True)
class Arrear:
    """One installment past due: its principal unpaid and the interest to the issue date."""

    account_id: int
    installment_id: int | None
    receivable_type: str
    due_date: datetime.date
    principal: Decimal
    interest: Decimal = ZERO
    covered: bool = False  # already demanded by a reminder (see the module docstring)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class Debtor:
    party_id: int
    arrears: tuple[Arrear, ...]
    notice_sent_on: datetime.date | None = None  # the latest information notice, if any
    notice_id: int | None = None


@dataclass(frozen=True)
class Rules:
    reminder_cost: Decimal
    threshold_multiple: Decimal = Decimal(10)
    margin_months: int = 6
    notice_window_days: int = 21

    @property
    def threshold(self) -> Decimal:
        return self.reminder_cost * self.threshold_multiple


@dataclass(frozen=True)
class Proposal:
    party_id: int
    reason: str | None  # THRESHOLD / LIMITATION / NOTICE, or None: not reminded now
    why_not: str = ""  # BELOW_THRESHOLD / NOTICE_WINDOW / NOTHING_OPEN when reason is None
    items: tuple[Arrear, ...] = field(default_factory=tuple)
    limitation_date: datetime.date | None = None
    notice_id: int | None = None

    @property
    def principal(self) -> Decimal:
        return sum((a.principal for a in self.items), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((a.interest for a in self.items), ZERO)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def limitation_date(due_date: datetime.date) -> datetime.date:
    """OP art. 70 §1: a tax liability is time-barred 5 years from the end of the year of its due date."""
    return datetime.date(due_date.year + 5, 12, 31)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus whole months; the 31st becomes the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def limitation_near(limit: datetime.date, issue_date: datetime.date, margin_months: int) -> bool:
    """The limitation date is less than ``margin_months`` months after the issue date."""
    return limit < add_months(issue_date, margin_months)


def decide(debtor: Debtor, rules: Rules, issue_date: datetime.date) -> Proposal:
    """Whether ``debtor`` gets a reminder on ``issue_date`` and for which arrears (all his open, uncovered ones)."""
    items = tuple(
        sorted(
            (a for a in debtor.arrears if not a.covered and a.principal > 0),
            key=lambda a: (a.due_date, a.account_id, a.installment_id or 0),
        )
    )
    if not items:
        return Proposal(debtor.party_id, None, NOTHING_OPEN)
    limit = min(limitation_date(a.due_date) for a in items)
    total = sum((a.total for a in items), ZERO)
    near = limitation_near(limit, issue_date, rules.margin_months)

    def proposal(reason, why_not=""):
        return Proposal(
            debtor.party_id, reason, why_not, items if reason else (), limit, debtor.notice_id if reason else None
        )

    if total > rules.threshold:
        notice = debtor.notice_sent_on
        if notice is not None and notice <= issue_date:
            if (issue_date - notice).days < rules.notice_window_days:
                return proposal(LIMITATION) if near else proposal(None, NOTICE_WINDOW)
            return proposal(NOTICE)
        return proposal(THRESHOLD)
    if near:
        return proposal(LIMITATION)
    return proposal(None, BELOW_THRESHOLD)


def select(debtors, rules: Rules, issue_date: datetime.date) -> list[Proposal]:
    """:func:`decide` for many debtors; only those who get a reminder, in party order."""
    out = [decide(d, rules, issue_date) for d in debtors]
    return sorted((p for p in out if p.reason), key=lambda p: p.party_id)


def with_covered(arrears, covered: set[int]) -> tuple[Arrear, ...]:
    """``arrears`` with ``covered`` re-read from a fresh set of covered installment ids (the dry run decides under
    the runs lock with what other runs proposed or issued meanwhile)."""
    return tuple(
        a if a.covered == (a.installment_id in covered) else replace(a, covered=a.installment_id in covered)
        for a in arrears
    )
