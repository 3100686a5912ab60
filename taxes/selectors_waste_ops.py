"""Reads shared by the waste fee operations screens and API (taxes/views/waste_ops.py, taxes/api/waste_ops.py): the
kinds of import files with their model and service, the month parameter ``YYYY-MM`` and the verification queue."""

from __future__ import annotations

import datetime
import re

from taxes.models import ContractImport, VerificationFinding, WaterImport
from taxes.services import waste_verify

KINDS = {
    "water": (WaterImport, waste_verify.water_import),
    "contracts": (ContractImport, waste_verify.contracts_import),
}
QUEUE_STATUSES = (VerificationFinding.Status.OPEN, VerificationFinding.Status.CASE_OPENED)


def parse_month(value) -> datetime.date | None:
    """ "2025-03" → 1.03.2025; None when not a month."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return datetime.date(int(m.group(1)), int(m.group(2)), 1)


def findings_queue(*, kind: str = "", month: datetime.date | None = None, status: str = ""):
    """The findings of the verification queue with their property and declaration: the open ones (``status`` empty
    or ``open``) or those whose case is opened (``case_opened``), optionally of one kind and one month."""
    F = VerificationFinding
    wanted = status if status in QUEUE_STATUSES else F.Status.OPEN
    qs = F.objects.select_related("property", "declaration").filter(status=wanted).order_by("-month", "pk")
    if kind in F.Kind.values:
        qs = qs.filter(kind=kind)
    if month:
        qs = qs.filter(month=month)
    return qs
