"""The office archive (składnica akt, issue point 11): hand-over lists and disposal lists.

Rules (instrukcja archiwalna; the periods are counted in whole years from 1 January of the year after closing):

* a closed case is handed over to the archive **2 years** from 1 January after closing (closed in 2023 →
  eligible from 1.01.2026); the number of years is ``settings.DOCUMENTS_ARCHIVE_AFTER_YEARS`` (default 2);
* a hand-over list (spis zdawczo-odbiorczy, ``ArchiveTransfer``) covers one unit and one JRWA class, numbered per
  year: draft → handed_over → accepted (or returned to draft); on acceptance the cases get
  ``archive_status=in_archive`` and ``archived_on``;
* disposal (brakowanie, ``DisposalList``): category ``B<n>`` cases in the archive whose period passed (B5 closed in
  2019 → disposable from 1.01.2025); ``BE<n>`` the same, but only when the caller asks for them
  (``include_expert_evaluation``): they need the state archive's expert evaluation, which the consent reference
  records; ``Bc`` once closed (short-term files, "after use"), in the archive or still in the unit; ``A`` never.
  draft → submitted → approved (the state archive's consent reference, by someone other than the author) or
  refused → disposed: the cases get ``archive_status=disposed``. **Their documents' content is not deleted in this
  version**: stored files are kept byte-exact and referenced by the audit chain (PROTECT); physically destroying
  them is a separate, later step.

The pure date rules are at the top (no ORM); every action is one keyword-only service owning its transaction,
locking its rows, writing its audit events (per case with ``details["case_id"]`` for the metryka).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.services.audit import audit_log
from documents.models import ArchiveTransfer, Case, DisposalList, JrwaClass
from documents.services.numbering import next_number

CATEGORY_RE = re.compile(r"^(A|B|BE|Bc)([0-9]{0,2})$")
PERMISSION = "documents.manage_archive"


# --- pure rules ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    kind: str  # "A", "B", "BE", "Bc"
    years: int


def parse_category(code: str) -> Category | None:
    match = CATEGORY_RE.match((code or "").strip())
    if (
        not match
        or (match.group(1) in ("B", "BE") and not match.group(2))
        or (match.group(1) in ("A", "Bc") and match.group(2))
    ):
        return None
    return Category(match.group(1), int(match.group(2) or 0))


def period_end(closed_on: datetime.date, years: int) -> datetime.date:
    """The first day after a period of ``years`` counted from 1 January of the year after closing."""
    return datetime.date(closed_on.year + 1 + years, 1, 1)


def archive_eligible_from(closed_on: datetime.date, years: int = 2) -> datetime.date:
    """Closed 31.12.2023 → 1.01.2026; closed 1.01.2024 → 1.01.2027."""
    return period_end(closed_on, years)


def disposable_from(category: str, closed_on: datetime.date) -> datetime.date | None:
    """When a case of ``category`` closed on ``closed_on`` may be destroyed; None: never (A, unknown)."""
    parsed = parse_category(category)
    if parsed is None or parsed.kind == "A":
        return None
    if parsed.kind == "Bc":
        return closed_on
    return period_end(closed_on, parsed.years)


# --- reads ----------------------------------------------------------------------------------------------------


def _after_years() -> int:
    return int(getattr(settings, "DOCUMENTS_ARCHIVE_AFTER_YEARS", 2))


def _require(user) -> None:
    if not (user and user.is_authenticated and user.is_active and user.has_perm(PERMISSION)):
        raise NotFoundOrForbidden("not found")


def eligible_cases(*, on: datetime.date, unit=None, jrwa=None) -> QuerySet[Case]:
    """Closed cases still in their unit whose hand-over date has come, not on an open hand-over list."""
    latest_closing = datetime.date(on.year - 1 - _after_years(), 12, 31)
    qs = Case.objects.filter(
        status=Case.Status.CLOSED,
        archive_status=Case.ArchiveStatus.ACTIVE,
        closed_on__isnull=False,
        closed_on__lte=latest_closing,
    ).exclude(archive_transfers__status__in=[ArchiveTransfer.Status.DRAFT, ArchiveTransfer.Status.HANDED_OVER])
    if unit:
        qs = qs.filter(unit_id=getattr(unit, "pk", unit))
    if jrwa:
        qs = qs.filter(jrwa_id=getattr(jrwa, "pk", jrwa))
    return qs.select_related("unit", "jrwa").order_by("unit__symbol", "jrwa__symbol", "year", "number")


def _is_disposable(case: Case, on: datetime.date, include_expert_evaluation: bool) -> bool:
    parsed = parse_category(case.jrwa.archival_category)
    if parsed is None or parsed.kind == "A" or case.closed_on is None or case.status != Case.Status.CLOSED:
        return False
    if parsed.kind == "BE" and not include_expert_evaluation:
        return False
    if parsed.kind == "Bc":
        allowed = (Case.ArchiveStatus.ACTIVE, Case.ArchiveStatus.IN_ARCHIVE)
    else:
        allowed = (Case.ArchiveStatus.IN_ARCHIVE,)
    due = disposable_from(case.jrwa.archival_category, case.closed_on)
    return case.archive_status in allowed and due is not None and due <= on


def disposable_cases(*, on: datetime.date, include_expert_evaluation: bool = False) -> list[Case]:
    """Cases whose disposal date has come, not on an open disposal list (Python filter over the category)."""
    qs = (
        Case.objects.filter(
            status=Case.Status.CLOSED,
            closed_on__isnull=False,
            archive_status__in=[Case.ArchiveStatus.ACTIVE, Case.ArchiveStatus.IN_ARCHIVE],
        )
        .exclude(jrwa__archival_category="A")
        .exclude(
            disposal_lists__status__in=[
                DisposalList.Status.DRAFT,
                DisposalList.Status.SUBMITTED,
                DisposalList.Status.APPROVED,
            ]
        )
        .select_related("unit", "jrwa")
        .order_by("unit__symbol", "jrwa__symbol", "year", "number")
    )
    return [c for c in qs if _is_disposable(c, on, include_expert_evaluation)]


@dataclass(frozen=True)
class TransferRow:
    """One row of the printed spis zdawczo-odbiorczy: one teczka (class and year)."""

    number: int
    symbol: str
    title: str
    date_from: datetime.date
    date_to: datetime.date
    category: str
    case_count: int
    remarks: str


def transfer_rows(transfer: ArchiveTransfer) -> list[TransferRow]:
    groups: dict[tuple[str, int], list[Case]] = {}
    for case in transfer.cases.select_related("jrwa").order_by("jrwa__symbol", "year", "number"):
        groups.setdefault((case.jrwa.symbol, case.year), []).append(case)
    rows = []
    for lp, ((_symbol, year), cases) in enumerate(sorted(groups.items()), start=1):
        jrwa = cases[0].jrwa
        rows.append(
            TransferRow(
                number=lp,
                symbol=jrwa.symbol,
                title=jrwa.title,
                date_from=min(c.opened_on for c in cases),
                date_to=max(c.closed_on or c.opened_on for c in cases),
                category=jrwa.archival_category,
                case_count=len(cases),
                remarks=_("cases of %(year)s") % {"year": year},
            )
        )
    return rows


# --- state machines -------------------------------------------------------------------------------------------

TRANSFER_TRANSITIONS = {
    ArchiveTransfer.Status.DRAFT: {ArchiveTransfer.Status.HANDED_OVER},
    ArchiveTransfer.Status.HANDED_OVER: {ArchiveTransfer.Status.ACCEPTED, ArchiveTransfer.Status.DRAFT},
    ArchiveTransfer.Status.ACCEPTED: set(),
}

DISPOSAL_TRANSITIONS = {
    DisposalList.Status.DRAFT: {DisposalList.Status.SUBMITTED},
    DisposalList.Status.SUBMITTED: {DisposalList.Status.APPROVED, DisposalList.Status.REFUSED},
    DisposalList.Status.APPROVED: {DisposalList.Status.DISPOSED},
    DisposalList.Status.REFUSED: set(),
    DisposalList.Status.DISPOSED: set(),
}


def _check_transition(table, current: str, target: str) -> None:
    if target not in table.get(current, set()):
        raise ApplicationError(
            _("This list cannot go from “%(current)s” to “%(target)s”.") % {"current": current, "target": target},
            code="invalid_transition",
        )


def _locked_transfer(transfer_id: int) -> ArchiveTransfer:
    transfer = ArchiveTransfer.objects.select_for_update().filter(pk=transfer_id).first()
    if transfer is None:
        raise NotFoundOrForbidden("not found")
    return transfer


def _locked_disposal(disposal_id: int) -> DisposalList:
    disposal = DisposalList.objects.select_for_update().filter(pk=disposal_id).first()
    if disposal is None:
        raise NotFoundOrForbidden("not found")
    return disposal


def _case_events(*, user, action: str, cases, details: dict) -> None:
    for case in cases:
        audit_log(actor=user, action=action, obj=case, details={"case_id": case.pk, **details})


# --- hand-over lists (spis zdawczo-odbiorczy) -----------------------------------------------------------------


def transfer_create(*, user, unit, jrwa, on: datetime.date | None = None, case_ids=None) -> ArchiveTransfer:
    """A draft hand-over list of the eligible cases of one unit and class (all of them, or ``case_ids``)."""
    _require(user)
    on = on or timezone.localdate()
    unit_id, jrwa_id = getattr(unit, "pk", unit), getattr(jrwa, "pk", jrwa)
    if not JrwaClass.objects.filter(pk=jrwa_id).exists():
        raise ServiceValidationError(_("The data contain errors."), errors={"jrwa": [_("Unknown JRWA class.")]})
    with transaction.atomic():
        qs = eligible_cases(on=on, unit=unit_id, jrwa=jrwa_id)
        ids = list(qs.values_list("pk", flat=True))
        if case_ids is not None:
            wanted = {int(i) for i in case_ids}
            not_eligible = sorted(wanted - set(ids))
            if not_eligible:
                raise ServiceValidationError(
                    _("The data contain errors."),
                    errors={"case_ids": [_("These cases cannot be handed over now: %(ids)s.") % {"ids": not_eligible}]},
                )
            ids = sorted(wanted)
        if not ids:
            raise ApplicationError(_("No case of this unit and class can be handed over yet."), code="nothing_eligible")
        cases = list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        # re-checked under the row locks: a list created meanwhile by someone else has taken them
        if set(
            eligible_cases(on=on, unit=unit_id, jrwa=jrwa_id).filter(pk__in=ids).values_list("pk", flat=True)
        ) != set(ids):
            raise ApplicationError(_("Another list has just taken some of these cases; try again."), code="conflict")
        transfer = ArchiveTransfer.objects.create(
            year=on.year,
            number=next_number(f"archive_transfer:{on.year}"),
            unit_id=unit_id,
            jrwa_id=jrwa_id,
            created_by=user,
        )
        transfer.cases.set(cases)
        audit_log(actor=user, action="documents.archive_transfer.created", obj=transfer, details={"case_ids": ids})
        _case_events(
            user=user, action="documents.case.archive_listed", cases=cases, details={"transfer": str(transfer)}
        )
    return transfer


def transfer_transition(*, user, transfer_id: int, to: str, note: str = "") -> ArchiveTransfer:
    """The one transition of a hand-over list: hand over, accept (cases go to the archive), return to draft."""
    _require(user)
    with transaction.atomic():
        transfer = _locked_transfer(transfer_id)
        _check_transition(TRANSFER_TRANSITIONS, transfer.status, to)
        now = timezone.now()
        cases = list(transfer.cases.select_for_update().order_by("pk"))
        if to == ArchiveTransfer.Status.ACCEPTED:
            wrong = [
                c.mark for c in cases if c.status != Case.Status.CLOSED or c.archive_status != Case.ArchiveStatus.ACTIVE
            ]
            if wrong:
                raise ApplicationError(
                    _("These cases are no longer closed in the unit: %(marks)s.") % {"marks": ", ".join(wrong)},
                    code="cases_changed",
                )
            day = timezone.localdate(now)
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(
                archive_status=Case.ArchiveStatus.IN_ARCHIVE, archived_on=day
            )
            transfer.accepted_by, transfer.accepted_at = user, now
            _case_events(user=user, action="documents.case.archived", cases=cases, details={"transfer": str(transfer)})
        elif to == ArchiveTransfer.Status.HANDED_OVER:
            transfer.handed_over_at = now
        elif to == ArchiveTransfer.Status.DRAFT:
            transfer.handed_over_at = None
        previous = transfer.status
        transfer.status = to
        transfer.save(update_fields=["status", "handed_over_at", "accepted_by", "accepted_at"])
        audit_log(
            actor=user,
            action=f"documents.archive_transfer.{to}",
            obj=transfer,
            details={"from": previous, "to": to, "note": note, "case_ids": [c.pk for c in cases]},
        )
    return transfer


# --- disposal lists (brakowanie) -----------------------------------------------------------------------------


def disposal_create(
    *, user, on: datetime.date | None = None, include_expert_evaluation: bool = False, case_ids=None
) -> DisposalList:
    _require(user)
    on = on or timezone.localdate()
    with transaction.atomic():
        candidates = {c.pk: c for c in disposable_cases(on=on, include_expert_evaluation=include_expert_evaluation)}
        ids = sorted(candidates)
        if case_ids is not None:
            wanted = {int(i) for i in case_ids}
            not_disposable = sorted(wanted - set(ids))
            if not_disposable:
                raise ServiceValidationError(
                    _("The data contain errors."),
                    errors={
                        "case_ids": [_("These cases cannot be disposed of now: %(ids)s.") % {"ids": not_disposable}]
                    },
                )
            ids = sorted(wanted)
        if not ids:
            raise ApplicationError(_("No case can be disposed of yet."), code="nothing_disposable")
        cases = list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        recheck = {c.pk for c in disposable_cases(on=on, include_expert_evaluation=include_expert_evaluation)}
        if not set(ids) <= recheck:
            raise ApplicationError(_("Another list has just taken some of these cases; try again."), code="conflict")
        disposal = DisposalList.objects.create(
            year=on.year, number=next_number(f"disposal_list:{on.year}"), created_by=user
        )
        disposal.cases.set(cases)
        audit_log(
            actor=user,
            action="documents.disposal_list.created",
            obj=disposal,
            details={"case_ids": ids, "include_expert_evaluation": include_expert_evaluation},
        )
        _case_events(user=user, action="documents.case.disposal_listed", cases=cases, details={"list": str(disposal)})
    return disposal


def disposal_transition(
    *, user, disposal_id: int, to: str, approval_reference: str = "", reason: str = ""
) -> DisposalList:
    """Submit, approve (with the state archive's consent reference), refuse, or dispose of (cases → disposed).

    Approving and refusing are decisions: not by the author of the list. A refusal writes nothing.
    """
    _require(user)
    approval_reference = (approval_reference or "").strip()
    with transaction.atomic():
        disposal = _locked_disposal(disposal_id)
        _check_transition(DISPOSAL_TRANSITIONS, disposal.status, to)
        if to in (DisposalList.Status.APPROVED, DisposalList.Status.REFUSED) and disposal.created_by_id == user.pk:
            raise ApplicationError(
                _("The author of a disposal list cannot decide on it; another archivist must."), code="own_list"
            )
        if to == DisposalList.Status.APPROVED and not approval_reference:
            raise ServiceValidationError(
                _("The data contain errors."),
                errors={"approval_reference": [_("Give the reference of the state archive's consent.")]},
            )
        now = timezone.now()
        cases = list(disposal.cases.select_for_update().order_by("pk"))
        if to in (DisposalList.Status.APPROVED, DisposalList.Status.REFUSED):
            disposal.decided_by, disposal.decided_at = user, now
            if to == DisposalList.Status.APPROVED:
                disposal.approval_reference = approval_reference
        if to == DisposalList.Status.DISPOSED:
            Case.objects.filter(pk__in=[c.pk for c in cases]).update(archive_status=Case.ArchiveStatus.DISPOSED)
            disposal.disposed_at = now
            _case_events(
                user=user,
                action="documents.case.disposed",
                cases=cases,
                details={"list": str(disposal), "approval_reference": disposal.approval_reference},
            )
        previous = disposal.status
        disposal.status = to
        disposal.save(update_fields=["status", "decided_by", "decided_at", "approval_reference", "disposed_at"])
        audit_log(
            actor=user,
            action=f"documents.disposal_list.{to}",
            obj=disposal,
            details={"from": previous, "to": to, "approval_reference": approval_reference, "reason": reason},
        )
    return disposal
