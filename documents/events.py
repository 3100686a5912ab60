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

from collections.abc import Callable

from core.outbox import deliver_outbox
from documents.models import ReceiptEvent, Shipment

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
    return deliver_outbox(
        ReceiptEvent, lambda event: receipt_handlers(event.source_app), limit=limit, what="receipt event"
    )
