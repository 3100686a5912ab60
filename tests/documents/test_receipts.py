"""Paper ZPO (zwrotka) with awizo, quarantine of unknown receipts, the ReceiptEvent outbox, screens and API."""

import base64
import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent, FeeRate
from documents.events import deliver_receipt_events, register_receipt_handler, unregister_receipt_handler
from documents.models import OutgoingDocument, PostalBook, Receipt, ReceiptEvent, Shipment, StoredFile
from documents.services.dispatch import document_dispatch
from documents.services.postal_book import book_add
from documents.services.receipts import receipt_resolve, zpo_register
from epuap.events import deliver_events
from epuap.models import DeliveryEvent, Dispatch
from tests.documents.test_dispatch import _settings, paper_document, person, signed_document  # noqa: F401
from tests.epuap.conftest import pki, pki_session  # noqa: F401

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
SENT = datetime.datetime(2025, 2, 28, 9, 0, tzinfo=WARSAW)
LATER = datetime.datetime(2025, 3, 20, 9, 0, tzinfo=WARSAW)
SCAN = b"%PDF-1.7\n% ZPO scan\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def fees(db):
    FeeRate.objects.create(
        code="postal_registered_zpo", name="List polecony z ZPO", amount=Decimal("12.40"),
        valid_from=datetime.date(2025, 1, 1), legal_basis="test",
    )  # fmt: skip


@pytest.fixture
def posted(pki, registry_clerk, fees):  # noqa: F811
    """A XAdES-signed decision for a party without ADE or ePUAP box: the adapter says paper; posted 28.02.2025."""
    party = person("Anna", "Nowak")
    document = signed_document(pki, party, source_app="taxes")
    with time_machine.travel(SENT, tick=False):
        [shipment] = document_dispatch(actor=registry_clerk, document=document)
        assert shipment.electronic_dispatch.status == Dispatch.Status.AWAITING_PAPER
        shipment = book_add(actor=registry_clerk, shipment=shipment)
    assert shipment.electronic_dispatch.status == Dispatch.Status.SENT_PAPER
    return shipment


@pytest.fixture
def calls():
    seen = []

    def handler(event):
        seen.append((event.shipment.document_id, event.shipment.party_id, event.delivered_on, event.manner))

    register_receipt_handler("taxes", handler)
    yield seen
    unregister_receipt_handler("taxes", handler)


def test_zpo_with_awizo_is_deemed_delivered_after_14_days(posted, registry_clerk, calls):
    with time_machine.travel(LATER, tick=False):
        receipt = zpo_register(
            actor=registry_clerk,
            registered_number=posted.registered_number.lower(),
            manner="deemed",
            first_notice_on=datetime.date(2025, 3, 3),
            scan=SCAN,
        )
    assert (receipt.kind, receipt.status, receipt.shipment_id) == ("zpo", "attached", posted.pk)
    assert (receipt.first_notice_on, receipt.second_notice_on, receipt.delivered_on) == (
        datetime.date(2025, 3, 3),
        datetime.date(2025, 3, 10),
        datetime.date(2025, 3, 17),
    )
    stored = StoredFile.objects.get(receipt=receipt)
    assert (stored.role, stored.mime_type, bytes(stored.content)) == ("receipt", "application/pdf", SCAN)
    posted.refresh_from_db()
    assert (posted.status, posted.delivered_on, posted.delivery_manner) == (
        "deemed_delivered",
        datetime.date(2025, 3, 17),
        "deemed",
    )
    dispatch = Dispatch.objects.get(pk=posted.electronic_dispatch_id)
    assert (dispatch.status, dispatch.delivered_on) == ("deemed_delivered", datetime.date(2025, 3, 17))
    event = DeliveryEvent.objects.get(dispatch=dispatch)
    assert receipt.electronic_event_id == event.pk

    # The adapter's DeliveryEvent reaches our own handler: no second receipt.
    assert deliver_events() == 1
    assert Receipt.objects.count() == 1
    assert deliver_receipt_events() == 1
    assert calls == [(posted.document_id, posted.party_id, datetime.date(2025, 3, 17), "deemed")]
    assert posted.document.status == OutgoingDocument.Status.DISPATCHED


def test_refusal_is_deemed_delivered_on_the_day_of_refusal(posted, registry_clerk):
    with time_machine.travel(LATER, tick=False):
        receipt = zpo_register(
            actor=registry_clerk, shipment=posted, manner="refused", delivered_on=datetime.date(2025, 3, 4)
        )
    posted.refresh_from_db()
    assert (receipt.delivered_on, posted.status, posted.delivered_on) == (
        datetime.date(2025, 3, 4),
        "deemed_delivered",
        datetime.date(2025, 3, 4),
    )
    assert ReceiptEvent.objects.get().manner == "refused"


def test_unknown_registered_number_is_quarantined_and_nothing_else_changes(posted, registry_clerk, calls):
    seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    with time_machine.travel(LATER, tick=False):
        receipt = zpo_register(
            actor=registry_clerk,
            registered_number="RR123456785PL",
            manner="addressee",
            delivered_on=datetime.date(2025, 3, 5),
            scan=SCAN,
        )
    assert (receipt.status, receipt.shipment_id, receipt.reference) == ("quarantined", None, "RR123456785PL")
    assert receipt.quarantine_reason == "unknown registered number RR123456785PL"
    posted.refresh_from_db()
    assert (posted.status, posted.delivered_on) == ("sent", None)
    assert Dispatch.objects.get(pk=posted.electronic_dispatch_id).status == Dispatch.Status.SENT_PAPER
    assert not DeliveryEvent.objects.exists()
    assert not ReceiptEvent.objects.exists()
    assert list(AuditEvent.objects.filter(seq__gt=seq).values_list("action", flat=True)) == [
        "documents.receipt.quarantined"
    ]

    # The registry clerk attaches it to the right shipment: the delivery is applied then.
    with time_machine.travel(LATER, tick=False):
        resolved = receipt_resolve(actor=registry_clerk, receipt=receipt, shipment=posted)
    assert (resolved.status, resolved.shipment_id) == ("attached", posted.pk)
    posted.refresh_from_db()
    assert (posted.status, posted.delivered_on) == ("delivered", datetime.date(2025, 3, 5))
    with pytest.raises(ApplicationError):
        receipt_resolve(actor=registry_clerk, receipt=receipt, discard_reason="again")


def test_quarantined_receipt_discarded_with_reason(registry_clerk):
    receipt = zpo_register(
        actor=registry_clerk, registered_number="RR123456785PL", manner="addressee", delivered_on=timezone.localdate()
    )
    with pytest.raises(ServiceValidationError):
        receipt_resolve(actor=registry_clerk, receipt=receipt)
    discarded = receipt_resolve(actor=registry_clerk, receipt=receipt, discard_reason="cudza zwrotka")
    assert discarded.status == "discarded"
    assert discarded.quarantine_reason.endswith("cudza zwrotka")


def test_bad_zpo_input_is_refused_without_side_effects(posted, registry_clerk, tax_clerk):
    seq = AuditEvent.objects.count()
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(ServiceValidationError) as no_notice:
            zpo_register(actor=registry_clerk, shipment=posted, manner="deemed")
        assert list(no_notice.value.errors) == ["first_notice_on"]
        with pytest.raises(ServiceValidationError) as future:
            zpo_register(
                actor=registry_clerk, shipment=posted, manner="addressee", delivered_on=datetime.date(2025, 4, 1)
            )
        assert list(future.value.errors) == ["delivered_on"]
        with pytest.raises(ServiceValidationError) as before:
            zpo_register(
                actor=registry_clerk, shipment=posted, manner="addressee", delivered_on=datetime.date(2025, 2, 1)
            )
        assert list(before.value.errors) == ["delivered_on"]
        with pytest.raises(ServiceValidationError) as exe:
            zpo_register(
                actor=registry_clerk,
                shipment=posted,
                manner="addressee",
                delivered_on=datetime.date(2025, 3, 5),
                scan=b"MZ\x90\x00 not a scan",
            )
        assert list(exe.value.errors) == ["scan"]
        from core.exceptions import NotFoundOrForbidden

        with pytest.raises(NotFoundOrForbidden):
            zpo_register(actor=tax_clerk, shipment=posted, manner="addressee", delivered_on=datetime.date(2025, 3, 5))
    assert not Receipt.objects.exists()
    assert not StoredFile.objects.exists()
    posted.refresh_from_db()
    assert posted.status == "sent"
    assert AuditEvent.objects.count() == seq


def test_failing_receipt_handler_is_retried(posted, registry_clerk):
    with time_machine.travel(LATER, tick=False):
        zpo_register(actor=registry_clerk, shipment=posted, manner="addressee", delivered_on=datetime.date(2025, 3, 5))
    seen, fail = [], {"n": 1}

    def flaky(event):
        if fail["n"]:
            fail["n"] -= 1
            raise RuntimeError("down")
        seen.append(event.pk)

    register_receipt_handler("taxes", flaky)
    try:
        assert deliver_receipt_events() == 0
        event = ReceiptEvent.objects.get()
        assert (event.processed_at, event.attempts, event.last_error) == (None, 1, "RuntimeError: down")
        assert deliver_receipt_events() == 1
        assert deliver_receipt_events() == 0
    finally:
        unregister_receipt_handler("taxes", flaky)
    assert seen == [event.pk]


# --- screens and API ----------------------------------------------------------------------------------------


def test_desk_screens_and_downloads(posted, client, registry_clerk, nobody):
    waiting = paper_document(person("Ewa", "Lis"))
    client.force_login(registry_clerk)
    desk = client.get(reverse("documents:dispatch-desk"))
    assert desk.status_code == 200
    assert [d.pk for d in desk.context["signed"]] == [waiting.pk]
    assert reverse("documents:document-dispatch", args=[waiting.pk]) in desk.content.decode()
    assert client.get(reverse("documents:book-detail", args=[posted.book_id])).context["total"] == "12,40"
    register = client.get(reverse("documents:outgoing-register"), {"q": posted.registered_number})
    assert [s.pk for s in register.context["page"].object_list] == [posted.pk]
    book = posted.book
    csv = client.get(reverse("documents:book-file", args=[book.pk, "csv"]))
    assert csv.status_code == 200
    assert csv.content.startswith(b"\xef\xbb\xbf")
    assert posted.registered_number.encode() in csv.content
    assert client.get(reverse("documents:book-file", args=[book.pk, "xls"])).status_code == 404
    deemed = client.get(reverse("documents:receipt-zpo-deemed"), {"first_notice_on": "2025-03-03"})
    assert "17.03.2025" in deemed.content.decode()
    assert "10.03.2025" in deemed.content.decode()

    with time_machine.travel(LATER, tick=False):
        response = client.post(
            reverse("documents:receipt-zpo"),
            {"registered_number": posted.registered_number, "manner": "addressee", "delivered_on": "2025-03-05"},
        )
    assert response.status_code == 302
    posted.refresh_from_db()
    assert posted.status == "delivered"
    quarantined = zpo_register(
        actor=registry_clerk, registered_number="RR123456785PL", manner="addressee", delivered_on=timezone.localdate()
    )
    listing = client.get(reverse("documents:receipt-list"))
    assert [r.pk for r in listing.context["page"].object_list] == [quarantined.pk]
    assert client.get(reverse("documents:receipt-resolve", args=[quarantined.pk])).status_code == 200
    discard = client.post(reverse("documents:receipt-resolve", args=[quarantined.pk]), {"discard_reason": "obca"})
    assert discard.status_code == 302
    assert Receipt.objects.get(pk=quarantined.pk).status == "discarded"
    closed = client.post(reverse("documents:book-close", args=[book.pk]))
    assert closed.status_code == 302
    assert PostalBook.objects.get(pk=book.pk).closed_at is not None

    client.force_login(nobody)
    assert client.get(reverse("documents:dispatch-desk")).status_code == 403
    assert client.get(reverse("documents:receipt-list")).status_code == 403


def test_zpo_form_shows_errors(client, registry_clerk):
    client.force_login(registry_clerk)
    response = client.post(reverse("documents:receipt-zpo"), {"registered_number": "RR1", "manner": "deemed"})
    assert response.status_code == 400
    assert response.context["form"].errors["first_notice_on"]
    assert not Receipt.objects.exists()


def test_api_shipments_dispatch_receipts_resolve(pki, client, registry_clerk, fees):  # noqa: F811
    client.force_login(registry_clerk)
    party = person()
    document = paper_document(party)
    response = client.post(
        reverse("api-documents-dispatch", args=[document.pk]),
        {"channels": {str(party.pk): "post_ordinary"}},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    assert (row["number"], row["channel"], row["status"]) == (1, "post_ordinary", "pending")
    listing = client.get(reverse("api-documents-shipments"), {"status": "pending"})
    assert [r["id"] for r in listing.json()["results"]] == [row["id"]]

    refused = client.post(reverse("api-documents-receipts"), {"manner": "addressee"}, content_type="application/json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["registered_number"]

    created = client.post(
        reverse("api-documents-receipts"),
        {
            "registered_number": "RR123456785PL",
            "manner": "addressee",
            "delivered_on": timezone.localdate().isoformat(),
            "scan_base64": base64.b64encode(SCAN).decode(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "quarantined"
    quarantined = client.get(reverse("api-documents-receipts"), {"status": "quarantined"}).json()["results"]
    assert [r["id"] for r in quarantined] == [created.json()["id"]]
    resolved = client.post(
        reverse("api-documents-receipt-resolve", args=[created.json()["id"]]),
        {"discard_reason": "nie nasza"},
        content_type="application/json",
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "discarded"
    shipment = Shipment.objects.get()
    assert shipment.status == "pending"


def test_api_refuses_without_permission(client, nobody, tax_clerk):
    for user in (nobody, tax_clerk):
        client.force_login(user)
        assert client.get(reverse("api-documents-shipments")).status_code == 403
        assert client.get(reverse("api-documents-receipts")).status_code == 403
        assert (
            client.post(reverse("api-documents-dispatch", args=[1]), {}, content_type="application/json").status_code
            == 403
        )
    client.logout()
    assert client.get(reverse("api-documents-postal-books")).status_code in (401, 403)
