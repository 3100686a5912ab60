"""Delivery receipts: electronic (UPD from ePUAP, e-Doręczenia evidence) and paper (ZPO, zwrotka).

* :func:`electronic_receipt_attach` is the epuap ``DeliveryEvent`` handler (registered in ``documents.hooks.dispatch``):
  it finds the shipment by its epuap dispatch, stores the UPD / evidence bytes as a ``StoredFile`` (role receipt),
  creates an attached :class:`~documents.models.Receipt` and moves the shipment to delivered / deemed_delivered with
  the legal delivery date. Idempotent on the event (``Receipt.electronic_event`` is one-to-one). An event whose
  dispatch has no shipment gives a quarantined Receipt with the reason (never an exception).
* :func:`zpo_register` records a paper ZPO by shipment or by registered number; an unknown number gives a
  quarantined Receipt (with the scan) for the registry clerk, who attaches or discards it (:func:`receipt_resolve`).
  Awizo: deemed delivered on first notice + 14 days (``documents.domain.delivery``); refusal: deemed delivered on
  the day of refusal (KPA art. 47). The epuap dispatch (if any) is moved too, and its DeliveryEvent is linked to the
  ZPO receipt so the handler above does not create a second one.
* Every delivery of a document handed over by another app writes a ReceiptEvent (``documents.events``).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from documents.domain.delivery import deemed_delivery_date, second_notice_date
from documents.events import receipt_event_record
from documents.models import Receipt, Shipment, StoredFile
from documents.services.dispatch import SS, local_midnight, require_perm, shipment_audit_details, shipment_transition

SYSTEM_ACTOR = "system:documents-receipts"
M = Receipt.Manner

MANNER_STATUS = {
    M.ADDRESSEE: SS.DELIVERED,
    M.ADULT_HOUSEHOLD: SS.DELIVERED,
    M.JANITOR: SS.DELIVERED,
    M.ELECTRONIC: SS.DELIVERED,
    M.DEEMED: SS.DEEMED_DELIVERED,
    M.REFUSED: SS.DEEMED_DELIVERED,
    M.RETURNED: SS.RETURNED,
}
ZPO_MANNERS = frozenset({M.ADDRESSEE, M.ADULT_HOUSEHOLD, M.JANITOR, M.DEEMED, M.REFUSED, M.RETURNED})
SCAN_TYPES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}


def _store_file(*, receipt: Receipt, content: bytes, file_name: str, mime: str, role=StoredFile.Role.RECEIPT):
    return StoredFile.objects.create(
        receipt=receipt,
        role=role,
        file_name=file_name[:255],
        mime_type=mime[:100],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
    )


def sniff_scan(content: bytes) -> tuple[str, str]:
    """(mime, extension) of an allowed scan (PDF, PNG, JPEG) by its content; ServiceValidationError otherwise."""
    limit = getattr(settings, "DOCUMENTS_MAX_SCAN_BYTES", 10 * 1024 * 1024)
    if len(content) > limit:
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"scan": [_("The file is too large (limit %(mb)s MB).") % {"mb": limit // (1024 * 1024)}]},
        )
    for magic, kind in SCAN_TYPES.items():
        if content.startswith(magic):
            return kind
    raise ServiceValidationError(
        _("The data contain errors."), errors={"scan": [_("Only a PDF, PNG or JPEG scan is accepted.")]}
    )


def _deliver_shipment(*, actor, shipment: Shipment, receipt: Receipt) -> Shipment:
    """Shipment → the state of the receipt's manner; ReceiptEvent for the originating app (same transaction)."""
    to = MANNER_STATUS[receipt.manner]
    result = shipment_transition(
        shipment=shipment,
        to=to,
        actor=actor,
        fields={"delivered_on": receipt.delivered_on, "delivery_manner": receipt.manner},
        details={"receipt": receipt.pk, "kind": receipt.kind, "delivered_on": _iso(receipt.delivered_on)},
    )
    if to != SS.RETURNED:
        receipt_event_record(result)
    return result


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


# --- electronic ----------------------------------------------------------------------------------------------


def electronic_receipt_attach(event) -> Receipt | None:
    """epuap DeliveryEvent handler (runs in the event's transaction). Idempotent; never raises for a stray event."""
    from epuap.models import Dispatch

    existing = Receipt.objects.filter(electronic_event=event).first()
    if existing is not None:
        return existing
    dispatch = Dispatch.objects.select_related("upd").get(pk=event.dispatch_id)
    shipment = Shipment.objects.select_for_update().filter(electronic_dispatch_id=dispatch.pk).first()
    manner = M.DEEMED if event.deemed else M.ELECTRONIC
    if dispatch.channel == Dispatch.Channel.PAPER:
        if shipment is not None:
            zpo = shipment.receipts.filter(status=Receipt.Status.ATTACHED, electronic_event__isnull=True).first()
            if zpo is not None:  # the ZPO registered at the desk moved the dispatch: one receipt, linked
                zpo.electronic_event = event
                zpo.save(update_fields=["electronic_event"])
                return zpo
        kind = Receipt.Kind.ZPO
    else:
        kind = Receipt.Kind.UPD if dispatch.channel == Dispatch.Channel.EPUAP else Receipt.Kind.EVIDENCE
    with transaction.atomic():
        receipt = Receipt.objects.create(
            shipment=shipment,
            kind=kind,
            status=Receipt.Status.ATTACHED if shipment is not None else Receipt.Status.QUARANTINED,
            manner=manner,
            delivered_on=event.delivered_on,
            reference=(dispatch.external_id or dispatch.sender_reference)[:200],
            quarantine_reason=""
            if shipment is not None
            else f"no shipment of the outgoing register for dispatch {dispatch.pk} ({dispatch.document_id})",
            electronic_event=event,
        )
        if kind == Receipt.Kind.UPD and dispatch.upd_id:
            _store_file(receipt=receipt, content=bytes(dispatch.upd.content), file_name="UPD.xml", mime="text/xml")
        elif kind == Receipt.Kind.EVIDENCE and dispatch.delivery_evidence:
            _store_file(
                receipt=receipt,
                content=dispatch.delivery_evidence.encode("ascii"),
                file_name="dowod-doreczenia.jws",
                mime="application/jose",
            )
        details = {"dispatch": dispatch.pk, "event": event.pk, "kind": kind, "delivered_on": _iso(event.delivered_on)}
        if shipment is None:
            audit_log(
                actor=SYSTEM_ACTOR,
                action="documents.receipt.quarantined",
                obj=receipt,
                details={**details, "reason": receipt.quarantine_reason},
            )
            return receipt
        audit_log(
            actor=SYSTEM_ACTOR,
            action="documents.receipt.attached",
            obj=receipt,
            details=shipment_audit_details(shipment, receipt=receipt.pk, **details),
        )
        if shipment.status == SS.SENT:
            _deliver_shipment(actor=SYSTEM_ACTOR, shipment=shipment, receipt=receipt)
    return receipt


# --- paper ZPO -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZpoDates:
    delivered_on: datetime.date | None
    first_notice_on: datetime.date | None
    second_notice_on: datetime.date | None


def zpo_dates(
    *,
    manner: str,
    delivered_on: datetime.date | None,
    first_notice_on: datetime.date | None,
    second_notice_on: datetime.date | None,
    today: datetime.date,
) -> ZpoDates:
    """Check the entered dates for the manner and compute the deemed date (awizo). ServiceValidationError."""
    errors: dict[str, list[str]] = {}
    if manner not in ZPO_MANNERS:
        errors["manner"] = [_("Choose the manner of delivery.")]
    elif manner == M.DEEMED:
        if first_notice_on is None:
            errors["first_notice_on"] = [_("Enter the date of the first notice (awizo).")]
        else:
            second_notice_on = second_notice_on or second_notice_date(first_notice_on)
            if second_notice_on < first_notice_on:
                errors["second_notice_on"] = [_("The second notice cannot precede the first.")]
            delivered_on = deemed_delivery_date(first_notice_on)
            if first_notice_on > today:
                errors["first_notice_on"] = [_("The date cannot be in the future.")]
    elif manner == M.RETURNED:
        delivered_on = None
    elif delivered_on is None:
        errors["delivered_on"] = [_("Enter the delivery date.")]
    elif delivered_on > today:
        errors["delivered_on"] = [_("The date cannot be in the future.")]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)
    if manner != M.DEEMED:
        first_notice_on = first_notice_on if manner == M.RETURNED else None
        second_notice_on = second_notice_on if manner == M.RETURNED else None
    return ZpoDates(delivered_on, first_notice_on, second_notice_on)


def _apply_zpo(*, actor, receipt: Receipt, shipment: Shipment) -> Receipt:
    """Attach a ZPO receipt to a sent paper shipment; move the shipment and its epuap dispatch (caller's tx)."""
    from epuap.dispatch import dispatch_transition
    from epuap.models import DeliveryEvent, Dispatch

    shipment = Shipment.objects.select_for_update().select_related("document__case").get(pk=shipment.pk)
    if shipment.status != SS.SENT or not shipment.book_id:
        raise ApplicationError(_("This shipment was not sent on paper or already has its receipt."), code="not_sent")
    if receipt.delivered_on and shipment.sent_on and receipt.delivered_on < shipment.sent_on:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"delivered_on": [_("The delivery date precedes the dispatch.")]}
        )
    receipt.shipment = shipment
    receipt.status = Receipt.Status.ATTACHED
    receipt.quarantine_reason = ""
    receipt.reference = receipt.reference or shipment.registered_number
    receipt.save(update_fields=["shipment", "status", "quarantine_reason", "reference"])
    audit_log(
        actor=actor,
        action="documents.receipt.attached",
        obj=receipt,
        details=shipment_audit_details(
            shipment,
            receipt=receipt.pk,
            kind=receipt.kind,
            manner=receipt.manner,
            delivered_on=_iso(receipt.delivered_on),
            first_notice_on=_iso(receipt.first_notice_on),
        ),
    )
    _deliver_shipment(actor=actor, shipment=shipment, receipt=receipt)
    if shipment.electronic_dispatch_id and receipt.manner != M.RETURNED:
        dispatch = Dispatch.objects.get(pk=shipment.electronic_dispatch_id)
        if dispatch.status == Dispatch.Status.SENT_PAPER:
            to = (
                Dispatch.Status.DELIVERED
                if MANNER_STATUS[receipt.manner] == SS.DELIVERED
                else Dispatch.Status.DEEMED_DELIVERED
            )
            dispatch_transition(
                dispatch=dispatch,
                to=to,
                actor=actor,
                at=local_midnight(receipt.delivered_on),
                details={"receipt": receipt.pk, "manner": receipt.manner},
            )
            event = DeliveryEvent.objects.get(dispatch=dispatch)
            receipt.electronic_event = event
            receipt.save(update_fields=["electronic_event"])
    return receipt


def zpo_register(
    *,
    actor,
    shipment: Shipment | None = None,
    registered_number: str = "",
    delivered_on: datetime.date | None = None,
    manner: str,
    first_notice_on: datetime.date | None = None,
    second_notice_on: datetime.date | None = None,
    scan: bytes | None = None,
) -> Receipt:
    """Register a paper ZPO. Unknown registered number → quarantined receipt (nothing else changes)."""
    require_perm(actor, "documents.register_receipt")
    registered_number = (registered_number or "").strip().upper().replace(" ", "")
    if shipment is None and not registered_number:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"registered_number": [_("Enter the registered number.")]}
        )
    dates = zpo_dates(
        manner=manner,
        delivered_on=delivered_on,
        first_notice_on=first_notice_on,
        second_notice_on=second_notice_on,
        today=timezone.localdate(),
    )
    scan_kind = sniff_scan(bytes(scan)) if scan else None
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if shipment is None:
            shipment = Shipment.objects.filter(registered_number=registered_number).first()
        receipt = Receipt.objects.create(
            kind=Receipt.Kind.ZPO,
            status=Receipt.Status.QUARANTINED,
            manner=manner,
            delivered_on=dates.delivered_on,
            first_notice_on=dates.first_notice_on,
            second_notice_on=dates.second_notice_on,
            reference=registered_number or (shipment.registered_number if shipment else ""),
            quarantine_reason="" if shipment else f"unknown registered number {registered_number}",
            registered_by=user,
        )
        if scan_kind:
            mime, ext = scan_kind
            _store_file(receipt=receipt, content=bytes(scan), file_name=f"zpo-{receipt.pk}.{ext}", mime=mime)
        if shipment is None:
            audit_log(
                actor=actor,
                action="documents.receipt.quarantined",
                obj=receipt,
                details={"kind": "zpo", "reference": registered_number, "reason": receipt.quarantine_reason},
            )
            return receipt
        return _apply_zpo(actor=actor, receipt=receipt, shipment=shipment)


def receipt_resolve(*, actor, receipt: Receipt, shipment: Shipment | None = None, discard_reason: str = "") -> Receipt:
    """A quarantined receipt: attach it to a shipment, or discard it with a reason."""
    require_perm(actor, "documents.register_receipt")
    discard_reason = (discard_reason or "").strip()
    if (shipment is None) == (not discard_reason):
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"shipment": [_("Choose a shipment to attach the receipt to, or give the reason to discard it.")]},
        )
    with transaction.atomic():
        locked = Receipt.objects.select_for_update().get(pk=receipt.pk)
        if locked.status != Receipt.Status.QUARANTINED:
            raise ApplicationError(_("This receipt is not in quarantine."), code="not_quarantined")
        if shipment is None:
            locked.status = Receipt.Status.DISCARDED
            locked.quarantine_reason = f"{locked.quarantine_reason}\n{discard_reason}".strip()
            locked.save(update_fields=["status", "quarantine_reason"])
            audit_log(
                actor=actor,
                action="documents.receipt.discarded",
                obj=locked,
                details={"reason": discard_reason, "reference": locked.reference},
            )
            return locked
        if locked.kind == Receipt.Kind.ZPO and locked.electronic_event_id is None:
            return _apply_zpo(actor=actor, receipt=locked, shipment=shipment)
        # an electronic receipt whose dispatch had no shipment: attach it as it is
        target = Shipment.objects.select_for_update().select_related("document__case").get(pk=shipment.pk)
        locked.shipment = target
        locked.status = Receipt.Status.ATTACHED
        locked.save(update_fields=["shipment", "status"])
        audit_log(
            actor=actor,
            action="documents.receipt.attached",
            obj=locked,
            details=shipment_audit_details(target, receipt=locked.pk, kind=locked.kind),
        )
        if target.status == SS.SENT and locked.delivered_on:
            _deliver_shipment(actor=actor, shipment=target, receipt=locked)
        return locked
