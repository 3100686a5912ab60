"""The effective interest rate table of one installment with its adjustments (OP art. 54 §1, 56a, 56b; pure).

An adjustment is a period (``date_from`` .. ``date_to`` inclusive, open when ``date_to`` is None) in which interest
runs at the reduced rate (art. 56a), at the increased rate (art. 56b) or not at all (``none``, art. 54 §1). The
result is a list of :class:`~finance.domain.interest.RatePeriod` that the existing
:func:`~finance.domain.interest.interest_exact` / :func:`~finance.domain.interest.rounded_interest` use unchanged:
interest stays computed per sub-period and only the sum is rounded.

* inside a ``reduced`` / ``increased`` period the rate is the reduced / increased rate *in force on each day*
  (its own dated table; it follows the standard rate's changes);
* inside a ``none`` period the rate is 0;
* **overlaps**: ``none`` wins over everything; among the others the one that starts latest wins (it is the more
  specific, later decision); on the same start day the later recorded one (higher ``order``) wins. So splitting
  an adjustment into two adjacent ones changes nothing as long as no other adjustment starts inside it.

:func:`clip` cuts adjustments to the days after a date (the interest fixed at a payment is history, see
``finance.selectors``).
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from finance.domain.interest import ONE_DAY, RatePeriod

NONE = "none"
REDUCED = "reduced"
INCREASED = "increased"
KINDS = (NONE, REDUCED, INCREASED)


@dataclass(frozen=True)
class Adjustment:
    kind: str  # none / reduced / increased
    date_from: datetime.date
    date_to: datetime.date | None = None  # inclusive; None = open
    order: int = 0  # tie-break on the same start day: the higher wins (the record's id)

    def covers(self, day: datetime.date) -> bool:
        return self.date_from <= day and (self.date_to is None or day <= self.date_to)


def clip(
    adjustments: Iterable[Adjustment], *, after: datetime.date | None = None, until: datetime.date | None = None
) -> tuple[Adjustment, ...]:
    """The adjustments restricted to the days after ``after`` and up to ``until`` inclusive (either may be None:
    no bound); adjustments left with no day are dropped."""
    out = []
    for a in adjustments:
        start, end = a.date_from, a.date_to
        if after is not None and start <= after:
            start = after + ONE_DAY
        if until is not None and (end is None or end > until):
            end = until
        if end is not None and end < start:
            continue
        out.append(Adjustment(a.kind, start, end, a.order))
    return tuple(out)


def _rate_on(starts: list[datetime.date], ordered: Sequence[RatePeriod], day: datetime.date, kind: str) -> Decimal:
    i = bisect_right(starts, day) - 1
    if i < 0:
        raise ValueError(f"No {kind} interest rate in force on {day:%d.%m.%Y}")
    return ordered[i].rate


def governing(adjustments: Sequence[Adjustment], day: datetime.date) -> Adjustment | None:
    """The adjustment that decides the rate on ``day`` (None: the standard rate)."""
    active = [a for a in adjustments if a.covers(day)]
    if not active:
        return None
    nones = [a for a in active if a.kind == NONE]
    if nones:
        return nones[0]
    return max(active, key=lambda a: (a.date_from, a.order))


def effective_rates(
    standard: Sequence[RatePeriod],
    reduced: Sequence[RatePeriod],
    increased: Sequence[RatePeriod],
    adjustments: Sequence[Adjustment],
) -> list[RatePeriod]:
    """The rate table of one installment: the standard table where no adjustment applies, 0 in a ``none`` period,
    the reduced / increased rate in force on the day in such a period (overlaps: see the module). Consecutive
    periods with the same rate are merged; the table starts where the standard one does."""
    std = sorted(standard, key=lambda r: r.valid_from)
    if not adjustments or not std:
        return list(std)
    for a in adjustments:
        if a.kind not in KINDS:
            raise ValueError(f"Unknown interest adjustment kind {a.kind!r}")
    tables = {
        None: std,
        REDUCED: sorted(reduced, key=lambda r: r.valid_from),
        INCREASED: sorted(increased, key=lambda r: r.valid_from),
    }
    starts = {k: [r.valid_from for r in v] for k, v in tables.items()}
    first = std[0].valid_from
    points = {first}
    for table in tables.values():
        points.update(r.valid_from for r in table)
    for a in adjustments:
        points.add(a.date_from)
        if a.date_to is not None:
            points.add(a.date_to + ONE_DAY)
    result: list[RatePeriod] = []
    for day in sorted(p for p in points if p >= first):
        rule = governing(adjustments, day)
        if rule is not None and rule.kind == NONE:
            rate = Decimal(0)
        else:
            kind = rule.kind if rule is not None else None
            rate = _rate_on(starts[kind], tables[kind], day, kind or "standard")
        if not result or result[-1].rate != rate:
            result.append(RatePeriod(valid_from=day, rate=rate))
    return result
