"""Delivery results for other apps: an outbox (:class:`~epuap.models.DeliveryEvent`) and a handler registry.

A dispatch reaching ``delivered`` / ``deemed_delivered`` writes one DeliveryEvent in the SAME transaction as the
state change (:func:`delivery_event_record`), so the event exists exactly when the delivery does. The Celery task
``epuap.tasks.deliver_events`` (every minute, config/schedule.py) calls :func:`deliver_events`: each undelivered
event is locked (``select_for_update(skip_locked=True)``), handed to every registered handler, and marked
processed in the same transaction. Two runs — sequential or concurrent — process an event once. A handler that
raises rolls the event back to undelivered (attempts + 1, last error kept) and it is retried on the next run;
so handlers must tolerate a repeat after a crash (at-least-once; idempotent on ``event.dispatch_id``).

Other apps register in their ``AppConfig.ready``::

    from epuap.events import register_delivery_handler
    register_delivery_handler(on_delivered)   # on_delivered(event: DeliveryEvent) -> None
"""

from __future__ import annotations

from collections.abc import Callable

from core.outbox import deliver_outbox
from epuap.models import DeliveryEvent, Dispatch

DeliveryHandler = Callable[[DeliveryEvent], None]

_handlers: list[DeliveryHandler] = []


def register_delivery_handler(fn: DeliveryHandler) -> DeliveryHandler:
    """Register ``fn(event)`` (idempotent: a function is registered once). Usable as a decorator."""
    if fn not in _handlers:
        _handlers.append(fn)
    return fn


def unregister_delivery_handler(fn: DeliveryHandler) -> None:
    if fn in _handlers:
        _handlers.remove(fn)


def delivery_handlers() -> list[DeliveryHandler]:
    return list(_handlers)


def delivery_event_record(dispatch: Dispatch) -> DeliveryEvent:
    """Write the outbox row for a delivered dispatch (caller holds the transaction of the transition)."""
    event, _created = DeliveryEvent.objects.get_or_create(
        dispatch=dispatch,
        defaults={
            "channel": dispatch.channel,
            "delivered_on": dispatch.delivered_on,
            "delivered_at": dispatch.delivered_at,
            "deemed": dispatch.status == Dispatch.Status.DEEMED_DELIVERED,
            "case_id": dispatch.case_id,
            "document_id": dispatch.document_id,
        },
    )
    return event


def deliver_events(*, limit: int = 500) -> int:
    """Hand undelivered events to the handlers; returns how many were processed now.

    With no handler registered an event is processed as delivered to nobody (the adapter works on its own)."""
    return deliver_outbox(
        DeliveryEvent, lambda event: delivery_handlers() or [_no_one], limit=limit, what="delivery event"
    )


def _no_one(event: DeliveryEvent) -> None:
    """No app listens: nothing to hand over."""
