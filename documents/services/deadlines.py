"""Due dates of cases (KPA art. 35, 57; UDIP art. 13) and the shipped deadline rules (reference data)."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.exceptions import ServiceValidationError
from core.selectors import legal_deadline
from documents.domain.deadlines import RuleSpec, UnknownProcedure, plan_due_date
from documents.models import DeadlineRule, JrwaClass

DEADLINE_RULES_CSV = Path(__file__).resolve().parent.parent / "data" / "deadline_rules.csv"


def _specs() -> list[RuleSpec]:
    return [
        RuleSpec(r.code, r.name, r.days, r.months, r.valid_from, r.legal_basis)
        for r in DeadlineRule.objects.order_by("code", "valid_from")
    ]


def procedure_choices() -> list[tuple[str, str]]:
    """(code, name) of the rule codes known (the newest name of each)."""
    names: dict[str, str] = {}
    for rule in DeadlineRule.objects.order_by("code", "valid_from"):
        names[rule.code] = rule.name
    return sorted(names.items())


def case_due_date(
    *,
    jrwa: JrwaClass,
    opened_on: datetime.date,
    procedure: str = "",
    override: datetime.date | None = None,
) -> tuple[datetime.date | None, str]:
    """The due date of a case and the text saying why (shown with the date). (None, "") when nothing applies."""
    try:
        plan = plan_due_date(
            opened_on=opened_on,
            rules=_specs(),
            procedure=procedure,
            jrwa_procedure=jrwa.procedure,
            jrwa_handling_days=jrwa.handling_days,
            override=override,
        )
    except UnknownProcedure:
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"procedure": [_("No deadline rule %(code)s is in force on that day.") % {"code": procedure}]},
        ) from None
    if plan is None:
        return None, ""
    if plan.kind == "override":
        return plan.date, _("Set by the head of the unit")
    due = legal_deadline(opened_on, days=plan.days, months=plan.months)
    if plan.kind == "rule":
        return due, f"{plan.rule.name} ({plan.rule.legal_basis})"
    return due, _("JRWA class %(symbol)s: %(days)s days") % {"symbol": jrwa.symbol, "days": plan.days}


def due_basis_label(due: datetime.date | None, basis: str) -> str:
    return f"{date_format(due, 'd.m.Y')} – {basis}" if due else ""


def deadline_rules_sync(*, path: Path = DEADLINE_RULES_CSV) -> int:
    """Insert the shipped rules that are missing (by code and valid_from); never overwrite an existing row.

    Reference data like the public holidays: run at migrate (post_migrate hook). Returns the number inserted.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter=";"))
    created = 0
    with transaction.atomic():
        for row in rows:
            _rule, was_created = DeadlineRule.objects.get_or_create(
                code=row["code"].strip(),
                valid_from=datetime.date.fromisoformat(row["valid_from"].strip()),
                defaults={
                    "name": row["name"].strip(),
                    "days": int(row["days"] or 0),
                    "months": int(row["months"] or 0),
                    "legal_basis": row["legal_basis"].strip(),
                },
            )
            created += was_created
    return created
