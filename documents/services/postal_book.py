"""Książka nadawcza (Poczta Polska postal dispatch book) and the courier / office messenger lists.

``book_add`` puts a paper shipment into the day's book (consecutive position), with its registered number (typed
from the label by the clerk, or generated from the office's configured range of UPU S10 numbers, e.g.
``RR100000015PL``) and the fee in force that day (dated reference data, ``core.models.FeeRate``). ``book_close``
closes the day's book; ``book_pdf`` / ``book_csv`` print it in the Poczta Polska layout.

Settings: ``DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", first, last)`` — the 8-digit serial range the post office
assigned to the office (default ``("RR", 10000000, 19999999)``).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.exceptions import ApplicationError, ServiceValidationError
from core.exports import csv_bytes
from core.pdf import render_pdf
from core.selectors import fee_amount
from core.services.audit import audit_log
from documents.models import PostalBook, Shipment
from documents.services.dispatch import (
    BOOK_KIND_OF_CHANNEL,
    SS,
    _document_mark_dispatched,
    require_perm,
    shipment_transition,
)
from documents.services.numbering import next_number

FEE_CODES = {
    ("post", True): "postal_registered_zpo",
    ("post", False): "postal_ordinary",
    ("courier", True): "courier",
    ("courier", False): "courier",
}
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_RE = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
DOMESTIC_RE = re.compile(r"^\d{20}$")  # Poczta Polska domestic label number (Elektroniczny Nadawca)


# --- registered numbers (pure) ------------------------------------------------------------------------------


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial number."""
    total = sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def s10_number(prefix: str, serial: int, country: str = "PL") -> str:
    digits = f"{serial:08d}"
    return f"{prefix}{digits}{s10_check_digit(digits)}{country}"


def registered_number_valid(value: str) -> bool:
    match = S10_RE.match(value)
    if match:
        return s10_check_digit(match.group(2)) == int(match.group(3))
    return bool(DOMESTIC_RE.match(value))


def _registered_range() -> tuple[str, int, int]:
    prefix, first, last = getattr(settings, "DOCUMENTS_REGISTERED_NUMBER_RANGE", ("RR", 10000000, 19999999))
    return prefix, int(first), int(last)


def _generate_registered_number() -> str:
    prefix, first, last = _registered_range()
    serial = first + next_number(f"registered:{prefix}:{first}") - 1
    if serial > last:
        raise ApplicationError(
            _("The range of registered numbers assigned by the post office is used up; enter the label number."),
            code="registered_range_exhausted",
        )
    return s10_number(prefix, serial)


# --- adding, closing -----------------------------------------------------------------------------------------


def _fee(kind: str, registered: bool, day: datetime.date) -> Decimal | None:
    code = FEE_CODES.get((kind, registered))
    if code is None:
        return None  # the office messenger costs no postage
    try:
        return fee_amount(code=code, on=day).amount
    except LookupError as exc:
        raise ApplicationError(
            _("No fee rate %(code)s in force on %(day)s: an administrator must enter the price list.")
            % {"code": code, "day": day.strftime("%d.%m.%Y")},
            code="no_fee_rate",
        ) from exc


def _book_for(kind: str, day: datetime.date) -> PostalBook:
    """The day's book of that kind, created on first use (a concurrent creator wins, the other reads it)."""
    try:
        with transaction.atomic():
            return PostalBook.objects.get_or_create(kind=kind, day=day)[0]
    except IntegrityError:
        return PostalBook.objects.get(kind=kind, day=day)


def book_add(
    *,
    actor,
    shipment: Shipment,
    kind: str = "post",
    registered: bool = True,
    day: datetime.date | None = None,
    registered_number: str = "",
) -> Shipment:
    """Enter a paper shipment in the day's dispatch book and mark it sent (see the module docstring)."""
    require_perm(actor, "documents.dispatch_mail")
    day = day or timezone.localdate()
    registered_number = (registered_number or "").strip().upper().replace(" ", "")
    if kind not in PostalBook.Kind.values:
        raise ServiceValidationError(_("The data contain errors."), errors={"kind": [_("Unknown kind of book.")]})
    if registered_number and not registered_number_valid(registered_number):
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"registered_number": [_("This is not a valid registered number (e.g. RR123456785PL).")]},
        )
    if kind != "post" and registered_number:
        registered = True
    try:
        with transaction.atomic():
            locked = Shipment.objects.select_for_update().select_related("document__case").get(pk=shipment.pk)
            if locked.status != SS.PENDING or locked.book_id:
                raise ApplicationError(_("This shipment is not waiting for dispatch."), code="not_pending")
            expected = BOOK_KIND_OF_CHANNEL.get(locked.channel)
            if expected is None:
                raise ApplicationError(_("This shipment does not go on paper."), code="not_paper")
            if expected != kind:
                raise ApplicationError(
                    _("This shipment belongs in another book (%(kind)s).") % {"kind": PostalBook.Kind(expected).label},
                    code="wrong_book",
                )
            if locked.channel == Shipment.Channel.POST_ORDINARY:
                registered = False
            book = PostalBook.objects.select_for_update().get(pk=_book_for(kind, day).pk)
            if book.closed_at:
                raise ApplicationError(_("This dispatch book is closed."), code="book_closed")
            if registered_number and Shipment.objects.filter(registered_number=registered_number).exists():
                raise ServiceValidationError(
                    _("The data contain errors."),
                    errors={"registered_number": [_("This registered number is already used.")]},
                )
            if kind == "post" and registered and not registered_number:
                registered_number = _generate_registered_number()
            channel = locked.channel
            if kind == "post":
                channel = Shipment.Channel.POST_REGISTERED if registered else Shipment.Channel.POST_ORDINARY
            fields = {
                "book": book,
                "book_position": next_number(f"postal_book:{book.pk}"),
                "registered_number": registered_number,
                "fee": _fee(kind, registered, day),
                "sent_on": day,
                "channel": channel,
            }
            if locked.electronic_dispatch_id:
                from epuap.dispatch import dispatch_paper_sent
                from epuap.models import Dispatch

                dispatch = Dispatch.objects.get(pk=locked.electronic_dispatch_id)
                if dispatch.status == Dispatch.Status.AWAITING_PAPER:
                    dispatch_paper_sent(
                        dispatch=dispatch,
                        actor=actor,
                        details={"book": book.pk, "registered_number": registered_number},
                    )
            result = shipment_transition(
                shipment=locked,
                to=SS.SENT,
                actor=actor,
                fields=fields,
                details={
                    "book": str(book),
                    "position": fields["book_position"],
                    "registered_number": registered_number,
                },
            )
    except IntegrityError as exc:  # a concurrent entry took the typed number
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"registered_number": [_("This registered number is already used.")]},
        ) from exc
    shipment.__dict__.update({k: v for k, v in result.__dict__.items() if not k.startswith("_")})
    _document_mark_dispatched(result.document, actor)
    return result


def book_close(*, actor, book: PostalBook) -> PostalBook:
    require_perm(actor, "documents.dispatch_mail")
    with transaction.atomic():
        locked = PostalBook.objects.select_for_update().get(pk=book.pk)
        if locked.closed_at:
            raise ApplicationError(_("This dispatch book is closed."), code="book_closed")
        if not locked.shipments.exists():
            raise ApplicationError(_("An empty dispatch book cannot be closed."), code="book_empty")
        locked.closed_at = timezone.now()
        locked.closed_by = actor if getattr(actor, "is_authenticated", False) else None
        locked.save(update_fields=["closed_at", "closed_by"])
        rows = list(locked.shipments.select_related("document"))
        audit_log(
            actor=actor,
            action="documents.postal_book.closed",
            obj=locked,
            details={
                "kind": locked.kind,
                "day": locked.day.isoformat(),
                "shipments": len(rows),
                "fees": str(sum((s.fee or Decimal("0")) for s in rows)),
            },
        )
    book.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- printing ------------------------------------------------------------------------------------------------


def _money(value: Decimal | None) -> str:
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return f"{sign}{' '.join(groups)},{frac}"


def _first_line(text: str) -> str:
    return (text or "").split("\n", 1)[0]


def _rest(text: str) -> str:
    parts = (text or "").split("\n", 1)
    return parts[1].replace("\n", ", ") if len(parts) > 1 else ""


def book_rows(book: PostalBook) -> list[dict]:
    rows = []
    for s in book.shipments.order_by("book_position"):
        remarks = "ZPO" if s.channel == Shipment.Channel.POST_REGISTERED else ""
        rows.append(
            {
                "position": s.book_position,
                "addressee": _first_line(s.address_text) or s.party.display_name,
                "address": _rest(s.address_text),
                "declared_value": "",
                "mass": "",
                "registered_number": s.registered_number,
                "remarks": remarks,
                "fee": s.fee,
                "fee_text": _money(s.fee),
                "shipment": f"{s.number}/{s.year}",
            }
        )
    return rows


def book_total(rows: list[dict]) -> Decimal:
    return sum((r["fee"] or Decimal("0.00") for r in rows), Decimal("0.00"))


def book_html(book: PostalBook) -> str:
    rows = book_rows(book)
    return render_to_string(
        "documents/dispatch/pdf/postal_book.html",
        {
            "book": book,
            "rows": rows,
            "total": _money(book_total(rows)),
            "office_name": settings.MAGISTRAT_OFFICE_NAME,
            "office_address": settings.MAGISTRAT_OFFICE_ADDRESS,
        },
    )


def book_pdf(book: PostalBook) -> bytes:
    return render_pdf(book_html(book))


CSV_HEADER = (
    gettext_noop("No."),
    gettext_noop("Addressee (name)"),
    gettext_noop("Exact place of delivery (address)"),
    gettext_noop("Declared value"),
    gettext_noop("Mass"),
    gettext_noop("Registered number"),
    gettext_noop("Remarks"),
    gettext_noop("Fee"),
)


def book_csv(book: PostalBook) -> bytes:
    """UTF-8 with BOM, ``;``-separated (opens directly in a Polish spreadsheet)."""
    rows = book_rows(book)
    keys = ("position", "addressee", "address", "declared_value", "mass", "registered_number", "remarks", "fee_text")
    lines = [[r[k] for k in keys] for r in rows]
    lines.append(["", "", "", "", "", "", _("Total"), _money(book_total(rows))])
    return csv_bytes([_(h) for h in CSV_HEADER], lines)
