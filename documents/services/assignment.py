"""Dekretacja: assigning an incoming entry to a unit (level 1) and then to a clerk (level 2 and further),
standing rules for the first level (dekretacja zastępcza by the registry), re-assigning cases and priorities.

Who may do what (checked here, on the server, whatever the screen offers):

* to a unit — the registry desk (``documents.register_mail``) and the administrator (``view_all_cases``) for any
  entry not yet in a case; a head of unit (``assign_entry``) for an entry of a unit he supervises (passing it on
  to the right unit);
* to a clerk — a head of unit (``assign_entry``) who supervises the entry's unit, to an active clerk
  (``handle_case``) of a unit he supervises;
* a case to another clerk, priorities — a head who supervises the case's (entry's) unit.

Every step is an :class:`~documents.models.Assignment` row plus an audit event; a refusal writes nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.domain.text import fold
from core.exceptions import ApplicationError
from core.services.audit import audit_log
from documents.models import Assignment, AssignmentRule, Case, IncomingEntry, Priority
from documents.selectors import units_supervised_by

RULES_ACTOR = "system:dekretacja"


def _refuse(message: str, code: str = "forbidden") -> ApplicationError:
    return ApplicationError(message, code=code)


def _lock_entry(entry: IncomingEntry) -> IncomingEntry:
    locked = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status in (IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED):
        raise _refuse(_("This letter is already in a case; re-assign the case instead."), "entry_in_case")
    return locked


def _next_level(entry: IncomingEntry) -> int:
    return (entry.assignments.aggregate(m=Max("level"))["m"] or 1) + 1


def _refresh(entry: IncomingEntry, locked: IncomingEntry) -> None:
    entry.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})


def _check_clerk(actor, clerk) -> None:
    if not (clerk.is_active and clerk.has_perm("documents.handle_case")):
        raise _refuse(_("%(user)s cannot handle cases.") % {"user": clerk.get_full_name() or clerk.get_username()})
    if clerk.org_unit_id not in units_supervised_by(actor):
        raise _refuse(
            _("%(user)s does not work in a unit you supervise.")
            % {"user": clerk.get_full_name() or clerk.get_username()}
        )


def may_assign_to_unit(user, entry: IncomingEntry) -> bool:
    """The registry desk and the administrator for any letter; a head for a letter of a unit he supervises."""
    if user.has_perm("documents.register_mail") or user.has_perm("documents.view_all_cases"):
        return True
    return user.has_perm("documents.assign_entry") and entry.assigned_unit_id in units_supervised_by(user)


def may_assign_to_clerk(user, entry: IncomingEntry) -> bool:
    """A head who supervises the letter's unit."""
    return (
        bool(entry.assigned_unit_id)
        and user.has_perm("documents.assign_entry")
        and entry.assigned_unit_id in units_supervised_by(user)
    )


def assign_to_unit(
    *, actor, entry: IncomingEntry, unit, instruction: str = "", deadline: datetime.date | None = None
) -> Assignment:
    with transaction.atomic():
        locked = _lock_entry(entry)
        if not may_assign_to_unit(actor, locked):
            raise _refuse(_("You may not assign this letter to a unit."))
        if not unit.is_active:
            raise _refuse(_("The unit %(unit)s is not active.") % {"unit": unit.symbol}, "invalid")
        assignment = Assignment.objects.create(
            entry=locked, level=1, to_unit=unit, by_user=actor, instruction=instruction, deadline=deadline
        )
        previous_unit = locked.assigned_unit.symbol if locked.assigned_unit_id else ""
        locked.assigned_unit = unit
        locked.assigned_to = None
        locked.status = IncomingEntry.Status.ASSIGNED_UNIT
        locked.instruction = instruction
        fields = ["assigned_unit", "assigned_to", "status", "instruction", "updated_at"]
        if deadline:
            locked.due_date = deadline
            fields.append("due_date")
        locked.save(update_fields=fields)
        audit_log(
            actor=actor,
            action="documents.entry.assigned_unit",
            obj=locked,
            details={
                "unit": unit.symbol,
                "previous_unit": previous_unit,
                "instruction": instruction,
                "deadline": deadline.isoformat() if deadline else None,
            },
        )
    _refresh(entry, locked)
    return assignment


def assign_to_clerk(
    *, actor, entry: IncomingEntry, clerk, instruction: str = "", deadline: datetime.date | None = None
) -> Assignment:
    with transaction.atomic():
        locked = _lock_entry(entry)
        if not locked.assigned_unit_id:
            raise _refuse(_("Assign the letter to a unit first."), "no_unit")
        if not may_assign_to_clerk(actor, locked):
            raise _refuse(_("Only the head of the unit may assign this letter to a clerk."))
        _check_clerk(actor, clerk)
        assignment = Assignment.objects.create(
            entry=locked,
            level=_next_level(locked),
            to_unit=locked.assigned_unit,
            to_user=clerk,
            by_user=actor,
            instruction=instruction,
            deadline=deadline,
        )
        locked.assigned_to = clerk
        locked.status = IncomingEntry.Status.ASSIGNED_CLERK
        if instruction:
            locked.instruction = instruction
        fields = ["assigned_to", "status", "instruction", "updated_at"]
        if deadline:
            locked.due_date = deadline
            fields.append("due_date")
        locked.save(update_fields=fields)
        audit_log(
            actor=actor,
            action="documents.entry.assigned_clerk",
            obj=locked,
            details={
                "clerk": clerk.get_username(),
                "level": assignment.level,
                "instruction": instruction,
                "deadline": deadline.isoformat() if deadline else None,
            },
        )
    _refresh(entry, locked)
    return assignment


def rule_matches(rule: AssignmentRule, entry: IncomingEntry) -> bool:
    if rule.form_code and fold(rule.form_code) != fold(entry.form_code):
        return False
    if rule.channel and rule.channel != entry.channel:
        return False
    if rule.title_contains and fold(rule.title_contains) not in fold(entry.title):
        return False
    return bool(rule.form_code or rule.channel or rule.title_contains)


def assign_by_rules(*, entry: IncomingEntry) -> Assignment | None:
    """Dekretacja zastępcza: the first active standing rule matching the entry assigns it to its unit.

    Does nothing for an entry already assigned (idempotent). A rule with no condition never matches.
    """
    with transaction.atomic():
        locked = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
        if locked.assigned_unit_id or locked.status != IncomingEntry.Status.REGISTERED:
            return None
        rule = next(
            (r for r in AssignmentRule.objects.filter(is_active=True, unit__is_active=True) if rule_matches(r, locked)),
            None,
        )
        if rule is None:
            return None
        assignment = Assignment.objects.create(
            entry=locked, level=1, to_unit=rule.unit, rule=rule, instruction=rule.instruction
        )
        locked.assigned_unit = rule.unit
        locked.status = IncomingEntry.Status.ASSIGNED_UNIT
        locked.instruction = rule.instruction
        locked.save(update_fields=["assigned_unit", "status", "instruction", "updated_at"])
        audit_log(
            actor=RULES_ACTOR,
            action="documents.entry.assigned_unit",
            obj=locked,
            details={"unit": rule.unit.symbol, "rule": rule.name, "rule_id": rule.pk},
        )
    _refresh(entry, locked)
    return assignment


def _check_priority(priority: int) -> int:
    if priority not in Priority.values:
        raise ApplicationError(_("Unknown priority."), code="invalid")
    return priority


def entry_set_priority(*, actor, entry: IncomingEntry, priority: int) -> IncomingEntry:
    _check_priority(priority)
    with transaction.atomic():
        locked = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
        if not (locked.assigned_unit_id and locked.assigned_unit_id in units_supervised_by(actor)):
            raise _refuse(_("Only the head of the unit may set the priority."))
        old = locked.priority
        locked.priority = priority
        locked.save(update_fields=["priority", "updated_at"])
        audit_log(actor=actor, action="documents.entry.priority", obj=locked, details={"from": old, "to": priority})
    _refresh(entry, locked)
    return locked


def case_reassign(*, actor, case: Case, clerk, reason: str = "") -> Case:
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.unit_id not in units_supervised_by(actor):
            raise _refuse(_("Only the head of the unit may re-assign its cases."))
        if locked.status == Case.Status.CLOSED:
            raise _refuse(_("A closed case cannot be re-assigned."), "case_closed")
        _check_clerk(actor, clerk)
        if clerk.pk == locked.owner_id:
            raise _refuse(_("The case is already handled by this clerk."), "no_change")
        previous = locked.owner
        Assignment.objects.create(
            case=locked,
            level=(locked.assignments.aggregate(m=Max("level"))["m"] or 1) + 1,
            to_unit=locked.unit,
            to_user=clerk,
            by_user=actor,
            instruction=reason,
        )
        locked.owner = clerk
        locked.save(update_fields=["owner", "updated_at"])
        audit_log(
            actor=actor,
            action="documents.case.reassigned",
            obj=locked,
            details={
                "case_id": locked.pk,
                "mark": locked.mark,
                "from": previous.get_username(),
                "to": clerk.get_username(),
                "reason": reason,
            },
        )
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def case_set_priority(*, actor, case: Case, priority: int) -> Case:
    _check_priority(priority)
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.unit_id not in units_supervised_by(actor):
            raise _refuse(_("Only the head of the unit may set the priority."))
        old = locked.priority
        locked.priority = priority
        locked.save(update_fields=["priority", "updated_at"])
        audit_log(
            actor=actor,
            action="documents.case.priority",
            obj=locked,
            details={"case_id": locked.pk, "from": old, "to": priority},
        )
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked
