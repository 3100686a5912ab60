"""Reads of the central register imports for the back office and the API.

The reports hold personal data (names, PESEL, addresses): ``access_central_import`` checks the
permission and logs the read, and raises the same error for a missing and a forbidden import.
"""

from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from core.actors import require_perm_or_not_found as _require
from core.exceptions import NotFoundOrForbidden
from core.services.audit import audit_log
from population.models import CentralImport, CentralImportRow, ReconciliationItem, Resident
from population.sync.layout import from_iso

VIEW_PERMISSION = "population.import_central"
APPLY_PERMISSION = "population.apply_reconciliation"

FIELD_LABELS = {
    "surname": _("Surname"),
    "first_names": _("First names"),
    "family_name": _("Family name"),
    "citizenship": _("Citizenship"),
    "status": _("Status"),
    "status_date": _("Status since"),
    "permanent.address": _("Permanent stay: address"),
    "permanent.start_date": _("Permanent stay: from"),
    "permanent.end_date": _("Permanent stay: ends on"),
    "temporary.address": _("Temporary stay: address"),
    "temporary.start_date": _("Temporary stay: from"),
    "temporary.planned_end_date": _("Temporary stay: until"),
    "temporary.end_date": _("Temporary stay: ends on"),
}


def central_import_list(*, user) -> QuerySet[CentralImport]:
    """The imports, newest first (file names, statuses and counts only: no personal data)."""
    _require(user, VIEW_PERMISSION)
    return CentralImport.objects.select_related("uploaded_by", "decided_by").order_by("-uploaded_at", "-pk")


def access_central_import(*, user, import_id: int, purpose: str = "") -> CentralImport:
    """One import with its report; checks the permission and logs the read."""
    _require(user, VIEW_PERMISSION)
    central_import = CentralImport.objects.select_related("uploaded_by", "decided_by").filter(pk=import_id).first()
    if central_import is None:
        raise NotFoundOrForbidden("not found")
    audit_log(
        actor=user,
        action="central_import.viewed",
        obj=central_import,
        details={"purpose": purpose} if purpose else {},
    )
    return central_import


def central_import_items(*, central_import: CentralImport, kind: str = "") -> QuerySet[ReconciliationItem]:
    """The items of a report obtained through access_central_import, optionally of one kind."""
    qs = central_import.items.select_related("resident__party")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "pesel", "pk")


def central_import_to_apply(*, central_import: CentralImport) -> dict[str, int]:
    """How many items of each kind applying the report would apply (not missing centrally, not manual)."""
    counts = dict.fromkeys(
        (ReconciliationItem.Kind.NEW, ReconciliationItem.Kind.MISSING_LOCALLY, ReconciliationItem.Kind.CHANGED), 0
    )
    rows = (
        central_import.items.filter(kind__in=list(counts))
        .exclude(central_data__has_key="manual")
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def central_import_quarantine(*, central_import: CentralImport) -> QuerySet[CentralImportRow]:
    return central_import.quarantined.order_by("line_no", "pk")


def _display(field: str, value) -> str:
    if value is None or value == "":
        return "—"
    if field == "status" or field.endswith("status"):
        return str(Resident.Status(value).label) if value in Resident.Status.values else str(value)
    if field.endswith("date"):
        day = from_iso(value)
        return day.strftime("%d.%m.%Y")
    return str(value)


def describe_changes(changes: dict) -> list[dict]:
    """``changes`` as rows for a table: label, local value, central value (dates dd.mm.rrrr, statuses named)."""
    order = list(FIELD_LABELS)
    rows = []
    for field in sorted(changes, key=lambda f: order.index(f) if f in order else len(order)):
        local, central = changes[field]
        rows.append(
            {
                "field": field,
                "label": FIELD_LABELS.get(field, field),
                "local": _display(field, local),
                "central": _display(field, central),
            }
        )
    return rows
