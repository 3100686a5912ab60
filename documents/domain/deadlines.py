"""Which limit a case's due date follows (pure: rules come in as data, holidays are applied by the caller).

Order of precedence (instrukcja kancelaryjna: the prowadzący watches the termin; KPA art. 35):

1. a date set by the head of the unit (``override``) — taken as given, not shifted;
2. the procedure chosen when the case was opened (a :class:`RuleSpec` code such as ``kpa_complex``);
3. the JRWA class's procedure (``JrwaClass.procedure``);
4. the JRWA class's default handling days (``JrwaClass.handling_days``, the EZD ``TerminDni``);
5. none: no due date.

A rule is dated: the version applied is the newest one with ``valid_from <= opened_on``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    days: int
    months: int
    valid_from: datetime.date
    legal_basis: str


@dataclass(frozen=True)
class DeadlinePlan:
    """What to count: ``kind`` is ``override`` (``date`` given), ``rule`` (``rule`` given) or ``jrwa_days``."""

    kind: str
    date: datetime.date | None = None
    rule: RuleSpec | None = None
    days: int = 0
    months: int = 0


class UnknownProcedure(LookupError):
    """No rule with that code is in force on the day."""


def rule_in_force(rules: Iterable[RuleSpec], code: str, on: datetime.date) -> RuleSpec | None:
    candidates = [r for r in rules if r.code == code and r.valid_from <= on]
    return max(candidates, key=lambda r: r.valid_from) if candidates else None


def plan_due_date(
    *,
    opened_on: datetime.date,
    rules: Iterable[RuleSpec],
    procedure: str = "",
    jrwa_procedure: str = "",
    jrwa_handling_days: int | None = None,
    override: datetime.date | None = None,
) -> DeadlinePlan | None:
    """The limit to apply, or None when nothing defines one. An explicit unknown procedure is an error."""
    if override is not None:
        return DeadlinePlan(kind="override", date=override)
    rules = list(rules)
    if procedure:
        rule = rule_in_force(rules, procedure, opened_on)
        if rule is None:
            raise UnknownProcedure(procedure)
        return DeadlinePlan(kind="rule", rule=rule, days=rule.days, months=rule.months)
    if jrwa_procedure:
        rule = rule_in_force(rules, jrwa_procedure, opened_on)
        if rule is not None:
            return DeadlinePlan(kind="rule", rule=rule, days=rule.days, months=rule.months)
    if jrwa_handling_days:
        return DeadlinePlan(kind="jrwa_days", days=jrwa_handling_days)
    return None
