"""Cases (sprawy): opening (from a letter or ad hoc), attaching letters, parties, statuses, re-classification.

Who may do what (checked here, whatever the screen offers):

* open a case — a clerk (``handle_case``) in his own unit (he becomes the prowadzący) or a head for a unit he
  supervises (he may name another clerk of that unit as the prowadzący); from a letter — only the letter's
  assignee or a supervisor of the letter's unit;
* handle a case (attach, parties, status, re-classification) — its prowadzący or a supervisor of its unit.

The number is taken from the counter of (unit, JRWA class, year) inside the transaction that creates the case,
so two clerks opening cases at once get consecutive numbers; the unique constraint on (unit, jrwa, year, number)
and on the mark makes a collision impossible even if a number were taken another way.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from documents.domain.marks import format_mark
from documents.models import Case, IncomingEntry, JrwaClass
from documents.selectors import can_supervise, units_supervised_by
from documents.services.deadlines import case_due_date
from documents.services.indexing import case_reindex, entry_reindex
from documents.services.numbering import case_key, next_number

S = Case.Status

#: The status machine: from → the statuses it may go to.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.SUSPENDED, S.CLOSED}),
    S.SUSPENDED: frozenset({S.OPEN, S.CLOSED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.SUSPENDED, S.CLOSED}),
}

#: Audit action of each transition (target status, and whether the case was suspended before).
TRANSITION_ACTIONS = {
    S.SUSPENDED: "documents.case.suspended",
    S.CLOSED: "documents.case.closed",
    S.REOPENED: "documents.case.reopened",
    S.OPEN: "documents.case.resumed",
}


def _refuse(message: str, code: str = "forbidden") -> ApplicationError:
    return ApplicationError(message, code=code)


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(_("The data contain errors."), errors={field: [message]})


def _check_leaf(jrwa: JrwaClass) -> None:
    if not (jrwa.is_leaf and jrwa.version.is_current):
        raise _invalid("jrwa", _("Cases are registered only in final classes of the current JRWA."))


def may_handle(user, case: Case) -> bool:
    """The prowadzący (with handle_case) or a supervisor of the case's unit."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if case.owner_id == user.pk and user.has_perm("documents.handle_case"):
        return True
    return can_supervise(user, case.unit_id)


def allowed_transitions(user, case: Case) -> list[str]:
    """Statuses ``user`` may move ``case`` to now (for the screens; the service checks again)."""
    if not may_handle(user, case) or case.archive_status != Case.ArchiveStatus.ACTIVE:
        return []
    return sorted(ALLOWED_TRANSITIONS.get(case.status, ()))


def _check_owner(actor, unit, owner) -> None:
    if not (owner.is_active and owner.has_perm("documents.handle_case")):
        raise _invalid("owner", _("%(user)s cannot handle cases.") % {"user": owner.get_full_name() or owner})
    if owner.pk != actor.pk:
        if not can_supervise(actor, unit.pk):
            raise _refuse(_("Only a supervisor of the unit may open a case for another clerk."))
        # The owner works in the unit or in a unit the actor supervises (FN's head gives an FN case to PD).
        if (
            owner.org_unit_id != unit.pk
            and owner.org_unit_id not in units_supervised_by(actor)
            and not can_supervise(owner, unit.pk)
        ):
            raise _invalid(
                "owner", _("%(user)s does not work in this unit.") % {"user": owner.get_full_name() or owner}
            )


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("unit", "jrwa", "jrwa__version").get(pk=case.pk)


def _refresh(obj, locked) -> None:
    obj.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})


def case_open(
    *,
    actor,
    unit,
    jrwa: JrwaClass,
    title: str,
    owner=None,
    entry: IncomingEntry | None = None,
    parties=(),
    opened_on: datetime.date | None = None,
    procedure: str = "",
    due_date: datetime.date | None = None,
    description: str = "",
) -> Case:
    """Open a case; from a letter the letter's sender becomes a party and the letter goes into the case.

    ``due_date`` (an explicit date) may be set only by a supervisor of the unit; otherwise the due date follows
    the procedure / JRWA class (documents.services.deadlines), counted from the day the letter was received
    (the day proceedings on request start, KPA art. 61 §3) or from ``opened_on`` for an ad hoc case.
    """
    if not (actor and actor.is_active and actor.has_perm("documents.handle_case")):
        raise _refuse(_("You may not open cases."))
    title = (title or "").strip()
    if not title:
        raise _invalid("title", _("Give the title of the case."))
    if len(title) > 500:
        raise _invalid("title", _("The title is longer than 500 characters."))
    _check_leaf(jrwa)
    # A clerk to whom a letter was assigned through a unit (dekretacja: FN → a clerk of its sub-unit PD) opens the
    # case in that unit; otherwise cases are opened in one's own unit or in a supervised one.
    assigned_through_unit = entry is not None and entry.assigned_to_id == actor.pk and entry.assigned_unit_id == unit.pk
    if unit.pk != actor.org_unit_id and not can_supervise(actor, unit.pk) and not assigned_through_unit:
        raise _refuse(_("You may open cases only in your own unit or in units you supervise."))
    owner = owner or actor
    _check_owner(actor, unit, owner)
    if due_date is not None and not can_supervise(actor, unit.pk):
        raise _refuse(_("Only the head of the unit may set the due date."))
    today = timezone.localdate()
    opened_on = opened_on or today
    if opened_on > today:
        raise _invalid("opened_on", _("The opening date cannot be in the future."))

    with transaction.atomic():
        locked_entry = None
        start = opened_on
        if entry is not None:
            locked_entry = IncomingEntry.objects.select_for_update().select_related("sender").get(pk=entry.pk)
            if locked_entry.case_id or locked_entry.status in (
                IncomingEntry.Status.IN_CASE,
                IncomingEntry.Status.CLOSED,
            ):
                raise _refuse(_("This letter is already in a case."), "entry_in_case")
            if locked_entry.assigned_to_id != actor.pk and not (
                locked_entry.assigned_unit_id and can_supervise(actor, locked_entry.assigned_unit_id)
            ):
                raise _refuse(_("Only the clerk the letter is assigned to, or his head, may open a case from it."))
            opened_on = today
            start = min(timezone.localtime(locked_entry.received_at).date(), today)
        due, basis = case_due_date(jrwa=jrwa, opened_on=start, procedure=procedure, override=due_date)
        year = opened_on.year
        number = next_number(case_key(unit.pk, jrwa.symbol, year))
        case = Case.objects.create(
            unit=unit,
            jrwa=jrwa,
            year=year,
            number=number,
            mark=format_mark(unit=unit.symbol, jrwa=jrwa.symbol, number=number, year=year),
            title=title,
            description=description or "",
            owner=owner,
            opened_by=actor,
            origin_entry=locked_entry,
            opened_on=opened_on,
            due_date=due,
            due_basis=basis[:300],
        )
        party_ids = [p.pk for p in parties]
        if locked_entry is not None:
            party_ids.insert(0, locked_entry.sender_id)
        if party_ids:
            case.parties.add(*dict.fromkeys(party_ids))
        if locked_entry is not None:
            locked_entry.case = case
            locked_entry.status = IncomingEntry.Status.IN_CASE
            locked_entry.save(update_fields=["case", "status", "updated_at"])
            _refresh(entry, locked_entry)
        case_reindex(case)
        audit_log(
            actor=actor,
            action="documents.case.opened",
            obj=case,
            details={
                "case_id": case.pk,
                "mark": case.mark,
                "owner": owner.get_username(),
                "entry": locked_entry.rpw_number if locked_entry else "",
                "document": locked_entry.rpw_number if locked_entry else "",
                "due_date": due,
                "due_basis": basis,
            },
        )
    return case


def case_attach_entry(*, actor, case: Case, entry: IncomingEntry) -> IncomingEntry:
    """Put another letter (e.g. a party's reply) into the case; its sender becomes a party."""
    with transaction.atomic():
        locked = _lock_case(case)
        if not may_handle(actor, locked):
            raise _refuse(_("Only the clerk handling the case or his head may do this."))
        locked_entry = IncomingEntry.objects.select_for_update().get(pk=entry.pk)
        if locked_entry.case_id or locked_entry.status in (IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED):
            raise _refuse(_("This letter is already in a case."), "entry_in_case")
        if locked_entry.assigned_to_id != actor.pk and not (
            locked_entry.assigned_unit_id and can_supervise(actor, locked_entry.assigned_unit_id)
        ):
            raise _refuse(_("Only the clerk the letter is assigned to, or his head, may put it into a case."))
        locked_entry.case = locked
        locked_entry.status = IncomingEntry.Status.IN_CASE
        locked_entry.save(update_fields=["case", "status", "updated_at"])
        locked.parties.add(locked_entry.sender_id)
        case_reindex(locked)
        entry_reindex(locked_entry)
        audit_log(
            actor=actor,
            action="documents.case.entry_attached",
            obj=locked,
            details={"case_id": locked.pk, "entry_id": locked_entry.pk, "document": locked_entry.rpw_number},
        )
    _refresh(entry, locked_entry)
    return entry


def case_add_party(*, actor, case: Case, party) -> Case:
    with transaction.atomic():
        locked = _lock_case(case)
        if not may_handle(actor, locked):
            raise _refuse(_("Only the clerk handling the case or his head may do this."))
        if locked.parties.filter(pk=party.pk).exists():
            raise _invalid("party", _("This party is already in the case."))
        locked.parties.add(party)
        case_reindex(locked)
        audit_log(
            actor=actor,
            action="documents.case.party_added",
            obj=locked,
            details={"case_id": locked.pk, "party_id": party.pk},
        )
    return locked


def case_transition(
    *,
    actor,
    case: Case,
    to: str,
    on: datetime.date | None = None,
    manner: str = "",
    note: str = "",
) -> Case:
    """The one way to change a case's status (table ALLOWED_TRANSITIONS). Closing needs the date and manner."""
    today = timezone.localdate()
    with transaction.atomic():
        locked = _lock_case(case)
        if not may_handle(actor, locked):
            raise _refuse(_("Only the clerk handling the case or his head may do this."))
        if locked.archive_status != Case.ArchiveStatus.ACTIVE:
            raise _refuse(_("The case is in the archive."), "archived")
        if to not in ALLOWED_TRANSITIONS.get(locked.status, ()):
            raise _refuse(
                _("A case that is %(from)s cannot become %(to)s.")
                % {"from": Case.Status(locked.status).label, "to": Case.Status(to).label if to in S.values else to},
                "transition_not_allowed",
            )
        previous = locked.status
        details = {"case_id": locked.pk, "from": previous, "to": to}
        fields = ["status", "updated_at"]
        if to == S.CLOSED:
            errors = {}
            if on is None:
                errors["closed_on"] = [_("Give the date of closing.")]
            elif on > today:
                errors["closed_on"] = [_("The date of closing cannot be in the future.")]
            elif on < locked.opened_on:
                errors["closed_on"] = [_("The case cannot be closed before it was opened.")]
            if manner not in Case.ClosingManner.values:
                errors["manner"] = [_("Choose the manner of closing.")]
            if errors:
                raise ServiceValidationError(_("The data contain errors."), errors=errors)
            locked.closed_on, locked.closing_manner, locked.closing_note = on, manner, note or ""
            locked.suspended_on = None
            fields += ["closed_on", "closing_manner", "closing_note", "suspended_on"]
            details |= {"closed_on": on, "manner": manner}
        elif to == S.SUSPENDED:
            on = on or today
            if on > today or on < locked.opened_on:
                raise _invalid("on", _("Give a date between the opening of the case and today."))
            locked.suspended_on = on
            fields.append("suspended_on")
            details["suspended_on"] = on
        elif to == S.OPEN:
            locked.suspended_on = None
            fields.append("suspended_on")
        elif to == S.REOPENED:
            # The mark stays; the earlier closing is kept in the audit trail (and the metryka).
            details |= {"closed_on": locked.closed_on, "manner": locked.closing_manner}
            locked.closed_on, locked.closing_manner, locked.closing_note = None, "", ""
            fields += ["closed_on", "closing_manner", "closing_note"]
        if note:
            details["note"] = note
        locked.status = to
        locked.save(update_fields=fields)
        audit_log(actor=actor, action=TRANSITION_ACTIONS[to], obj=locked, details=details)
    _refresh(case, locked)
    return case


def case_reclassify(*, actor, case: Case, jrwa: JrwaClass, unit=None) -> Case:
    """Move a case to another JRWA class (and/or unit): new number there, new mark; the old mark is kept."""
    _check_leaf(jrwa)
    with transaction.atomic():
        locked = _lock_case(case)
        if not may_handle(actor, locked):
            raise _refuse(_("Only the clerk handling the case or his head may do this."))
        if locked.archive_status != Case.ArchiveStatus.ACTIVE:
            raise _refuse(_("The case is in the archive."), "archived")
        unit = unit or locked.unit
        if unit.pk != locked.unit_id and not (
            can_supervise(actor, unit.pk) or actor.has_perm("documents.view_all_cases")
        ):
            raise _refuse(_("You may move a case only to a unit you supervise."))
        if unit.pk == locked.unit_id and jrwa.pk == locked.jrwa_id:
            raise _invalid("jrwa", _("The case is already in this class."))
        old_mark = locked.mark
        number = next_number(case_key(unit.pk, jrwa.symbol, locked.year))
        locked.unit, locked.jrwa, locked.number = unit, jrwa, number
        locked.mark = format_mark(unit=unit.symbol, jrwa=jrwa.symbol, number=number, year=locked.year)
        locked.previous_marks = [*locked.previous_marks, old_mark]
        locked.save(update_fields=["unit", "jrwa", "number", "mark", "previous_marks", "updated_at"])
        case_reindex(locked)
        audit_log(
            actor=actor,
            action="documents.case.reclassified",
            obj=locked,
            details={"case_id": locked.pk, "old_mark": old_mark, "new_mark": locked.mark},
        )
    _refresh(case, locked)
    return case
