"""The receipt outbox: an event for an app with no handler stays undelivered (and is retried), a handled one is
processed once even when delivery runs twice."""

import datetime

import pytest

from documents.events import deliver_receipt_events, register_receipt_handler, unregister_receipt_handler
from documents.models import ReceiptEvent, Shipment
from tests.factories import OutgoingDocumentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _event(source_app: str) -> ReceiptEvent:
    document = OutgoingDocumentFactory(source_app=source_app, source_ref="DEC-1")
    shipment = Shipment.objects.create(
        document=document, party=PersonFactory(), year=2026, number=1, created_by=document.created_by
    )
    return ReceiptEvent.objects.create(
        shipment=shipment, source_app=source_app, source_ref="DEC-1", delivered_on=datetime.date(2026, 3, 4),
        manner="electronic",
    )  # fmt: skip


def test_no_handler_keeps_the_event_for_later():
    event = _event("nobody")
    assert deliver_receipt_events() == 0
    event.refresh_from_db()
    assert (event.processed_at, event.attempts) == (None, 1)
    assert event.last_error == f"NoHandler: no handler registered for receipt event {event.pk}"


def test_handled_once():
    calls = []

    def handler(event):
        calls.append(event.pk)

    register_receipt_handler("taxes-test", handler)
    try:
        event = _event("taxes-test")
        assert deliver_receipt_events() == 1
        assert deliver_receipt_events() == 0
    finally:
        unregister_receipt_handler("taxes-test", handler)
    assert calls == [event.pk]
