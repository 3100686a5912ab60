"""The revenue plan (plan dochodów) per dział / rozdział / paragraf and year — ``finance.manage_budget``.

* :func:`budget_plan_set` enters or amends one line (upsert; the amount may be 0, never negative).
* :func:`budget_plan_import_csv` loads a plan file (layout: ``finance.domain.rb27s.parse_plan_csv``) all or
  nothing: any bad row → ServiceValidationError listing every bad row with its line number, nothing written. Lines
  of the file are set (created or amended); lines of the year not in the file are kept. The same file twice gives
  the same plan (the second import changes nothing). A file above :data:`MAX_PLAN_FILE_BYTES` (2 MB) is refused
  — by :func:`validate_plan_file_size` on the screen's form and the API's serializer, and by the service itself.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.domain import rb27s
from finance.models import BudgetPlanLine

PERM = "finance.manage_budget"
MAX_PLAN_FILE_MB = 2
MAX_PLAN_FILE_BYTES = MAX_PLAN_FILE_MB * 1024 * 1024  # the screen, the API and the service


def plan_file_too_large_message() -> str:
    return _("The file is too large (limit %(mb)s MB).") % {"mb": MAX_PLAN_FILE_MB}


def validate_plan_file_size(file) -> None:
    """Validator of the plan file's field on the screen (Django form) and in the API (DRF serializer)."""
    if file is not None and file.size > MAX_PLAN_FILE_BYTES:
        raise ValidationError(plan_file_too_large_message(), code="file_too_large")


def _require(actor) -> None:
    if actor is None or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not manage the budget plan."), code="forbidden")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def check_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not 2000 <= value <= 2100:
        raise ServiceValidationError(_("Give a valid year."), errors={"year": [_("Give a valid year.")]})
    return value


def _classification_messages(dzial: str, rozdzial: str, paragraf: str) -> dict[str, list[str]]:
    messages = {
        "dzial": _("A dział has 3 digits."),
        "rozdzial": _("A rozdział has 5 digits."),
        "rozdzial_prefix": _("A rozdział starts with the digits of its dział."),
        "paragraf": _("A paragraf has 4 digits."),
    }
    return {
        field: [messages[reason]] for field, reason in rb27s.classification_errors(dzial, rozdzial, paragraf).items()
    }


def _reason(error: rb27s.PlanError) -> str:
    return {
        "encoding": _("the file is not UTF-8 text"),
        "empty": _("the file is empty"),
        "format": _("unknown format: the first row must be the header dzial;rozdzial;paragraf;amount"),
        "columns": _("expected 4 or 5 columns"),
        "dzial": _("dział %(value)s must have 3 digits"),
        "rozdzial": _("rozdział %(value)s must have 5 digits"),
        "rozdzial_prefix": _("rozdział %(value)s does not start with its dział"),
        "paragraf": _("paragraf %(value)s must have 4 digits"),
        "amount": _("amount %(value)s is not a number"),
        "negative": _("amount %(value)s is negative"),
        "duplicate": _("classification %(value)s appears twice"),
    }[error.reason] % {"value": error.value}


def budget_plan_set(
    *, actor, year, dzial: str, rozdzial: str, paragraf: str, amount, description: str = ""
) -> BudgetPlanLine:
    _require(actor)
    year = check_year(year)
    dzial, rozdzial, paragraf = (str(x or "").strip() for x in (dzial, rozdzial, paragraf))
    errors = _classification_messages(dzial, rozdzial, paragraf)
    try:
        value = Decimal(str(amount).strip().replace(",", "."))
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, TypeError, ValueError):
        errors["amount"] = [_("Enter an amount.")]
    else:
        if value < 0:
            errors["amount"] = [_("The plan cannot be negative.")]
        elif value != value.quantize(Decimal("0.01")):
            errors["amount"] = [_("Amounts are in złoty and grosze.")]
    if errors:
        raise ServiceValidationError(_("Correct the plan line."), errors=errors)
    value = value.quantize(Decimal("0.01"))
    with transaction.atomic():
        line = (
            BudgetPlanLine.objects.select_for_update()
            .filter(year=year, dzial=dzial, rozdzial=rozdzial, paragraf=paragraf)
            .first()
        )
        before = None if line is None else str(line.amount)
        if line is None:
            line = BudgetPlanLine.objects.create(
                year=year, dzial=dzial, rozdzial=rozdzial, paragraf=paragraf, amount=value,
                description=description[:300], updated_by=_user(actor),
            )  # fmt: skip
        else:
            line.amount = value
            line.description = description[:300]
            line.updated_by = _user(actor)
            line.save(update_fields=["amount", "description", "updated_by", "updated_at"])
        audit_log(
            actor=actor, action="finance.budget_plan.set", obj=line,
            details={"year": year, "classification": f"{dzial}/{rozdzial}/{paragraf}", "amount": str(value),
                     "previous": before},
        )  # fmt: skip
    return line


def budget_plan_import_csv(*, actor, year, data: bytes) -> dict[str, int]:
    """Import a plan file for ``year``; returns {"created", "updated", "unchanged"} counts."""
    _require(actor)
    year = check_year(year)
    if len(data or b"") > MAX_PLAN_FILE_BYTES:
        raise ServiceValidationError(
            _("The plan file has errors; nothing was imported."), errors={"file": [plan_file_too_large_message()]}
        )
    rows, problems = rb27s.parse_plan_csv(data or b"")
    if problems:
        messages = [
            _("Line %(line)d: %(reason)s.") % {"line": p.line, "reason": _reason(p)} if p.line else _reason(p)
            for p in problems
        ]
        raise ServiceValidationError(_("The plan file has errors; nothing was imported."), errors={"file": messages})
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {
            (x.dzial, x.rozdzial, x.paragraf): x for x in BudgetPlanLine.objects.select_for_update().filter(year=year)
        }
        user = _user(actor)
        for row in rows:
            line = existing.get(row.key)
            if line is None:
                BudgetPlanLine.objects.create(
                    year=year, dzial=row.dzial, rozdzial=row.rozdzial, paragraf=row.paragraf, amount=row.amount,
                    description=row.description, updated_by=user,
                )  # fmt: skip
                counts["created"] += 1
            elif line.amount == row.amount and line.description == row.description:
                counts["unchanged"] += 1
            else:
                line.amount, line.description, line.updated_by = row.amount, row.description, user
                line.save(update_fields=["amount", "description", "updated_by", "updated_at"])
                counts["updated"] += 1
        audit_log(
            actor=actor, action="finance.budget_plan.imported", obj=None, object_type="finance.budgetplanline",
            details={"year": year, "rows": len(rows), **counts},
        )  # fmt: skip
    return counts
