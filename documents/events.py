"""Receipts for the apps that handed a document over to EZD: an outbox (ReceiptEvent) and a handler registry.

When a shipment of a document with ``source_app`` is delivered (UPD, e-Doręczenia evidence or a paper ZPO), one
:class:`~documents.models.ReceiptEvent` is written in the SAME transaction (:func:`receipt_event_record`). The task
``documents.tasks_dispatch.deliver_receipt_events`` calls :func:`deliver_receipt_events`: each undelivered event is
locked (``select_for_update(skip_locked=True)``), handed to the handlers registered for its ``source_app`` and marked
processed in the same transaction; a handler that raises leaves it undelivered (attempts + 1, last error kept) for
the next run (at-least-once: handlers must be idempotent on ``event.pk`` / ``event.source_ref``).

Apps register from their ``AppConfig.ready``::

    from documents.events import register_receipt_handler
    register_receipt_handler("taxes", on_receipt)   # on_receipt(event: ReceiptEvent) -> None

The event carries the document (``event.shipment.document``, ``event.source_ref``), the recipient
(``event.shipment.party``), the delivery date (``event.delivered_on``) and the manner (``event.manner``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from documents.models import ReceiptEvent, Shipment

logger = logging.getLogger(__name__)

ReceiptHandler = Callable[[ReceiptEvent], None]

_handlers: dict[str, list[ReceiptHandler]] = {}


def register_receipt_handler(source_app: str, fn: ReceiptHandler) -> ReceiptHandler:
    """Register ``fn(event)`` for documents handed over by ``source_app`` (once per function)."""
    handlers = _handlers.setdefault(source_app, [])
    if fn not in handlers:
        handlers.append(fn)
    return fn


def unregister_receipt_handler(source_app: str, fn: ReceiptHandler) -> None:
    handlers = _handlers.get(source_app, [])
    if fn in handlers:
        handlers.remove(fn)


def receipt_handlers(source_app: str) -> list[ReceiptHandler]:
    return list(_handlers.get(source_app, []))


def receipt_event_record(shipment: Shipment) -> ReceiptEvent | None:
    """Write the outbox row for a delivered shipment (caller holds the transaction). None if no app asked."""
    document = shipment.document
    if not document.source_app or shipment.delivered_on is None:
        return None
    event, _created = ReceiptEvent.objects.get_or_create(
        shipment=shipment,
        defaults={
            "source_app": document.source_app,
            "source_ref": document.source_ref,
            "delivered_on": shipment.delivered_on,
            "manner": shipment.delivery_manner,
        },
    )
    return event


def deliver_receipt_events(*, limit: int = 500) -> int:
    """Hand undelivered events to their app's handlers; returns how many were processed now."""
    processed = 0
    ids = list(ReceiptEvent.objects.filter(processed_at__isnull=True).order_by("id").values_list("pk", flat=True))
    for pk in ids[:limit]:
        error = ""
        try:
            with transaction.atomic():
                event = (
                    ReceiptEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, processed_at__isnull=True)
                    .first()
                )
                if event is None:
                    continue  # processed meanwhile, or another worker holds it
                handlers = receipt_handlers(event.source_app)
                if not handlers:
                    error = f"no handler registered for {event.source_app!r}"
                    raise LookupError(error)
                for handler in handlers:
                    handler(event)
                event.processed_at = timezone.now()
                event.attempts += 1
                event.last_error = ""
                event.save(update_fields=["processed_at", "attempts", "last_error"])
                processed += 1
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("receipt event %s: a handler failed", pk)
        if error:
            ReceiptEvent.objects.filter(pk=pk, processed_at__isnull=True).update(
                attempts=F("attempts") + 1, last_error=error[:2000]
            )
    return processed
