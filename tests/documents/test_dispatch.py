"""Dispatch (wysyłka) of signed documents against the REAL simulations (e-Doręczenia, ePUAP) through the test
transports, and the książka nadawcza for paper: numbering, registered numbers, fees, PDF and CSV."""

import datetime
import io
import subprocess
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Address, AuditEvent, FeeRate, Party
from documents.events import deliver_receipt_events, register_receipt_handler, unregister_receipt_handler
from documents.models import OutgoingDocument, PostalBook, Receipt, ReceiptEvent, Shipment, StoredFile
from documents.services.dispatch import document_dispatch, shipment_to_paper
from documents.services.postal_book import (
    book_add,
    book_close,
    book_csv,
    book_html,
    book_pdf,
    registered_number_valid,
    s10_number,
)
from epuap import edoreczenia_client, xades
from epuap.dispatch import edoreczenia_poll_dispatches
from epuap.edoreczenia_client import EdoreczeniaClient
from epuap.events import deliver_events
from epuap.models import Dispatch
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.epuap.transports import HttpTransport, SoapTransport, use_simulations
from tests.factories import OutgoingDocumentFactory
from tests.tools import needs_pdftotext

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=WARSAW)
BOX = "/magistrowo/skrytka"
RESIDENT_BOX = "/resident-1/domyslna"
KOWALSKI_ADE = "AE:PL-51234-56789-KOWJA-11"
CRD_1410 = "http://crd.gov.pl/wzor/2013/12/12/1410/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, pki):  # noqa: F811
    use_simulations(settings, pki.directory)
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.MAGISTRAT_OFFICE_ADDRESS = "pl. Wolności 1, 05-990 Magistrowo"
    settings.DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", 10000000, 10000002)
    yield
    edoreczenia_client.clear_caches()


@pytest.fixture
def platforms(client):
    call_command("epuap_platform_setup", residents=1, stdout=io.StringIO())
    call_command("edoreczenia_setup", stdout=io.StringIO())
    http = HttpTransport(client)
    from epuap.client import EpuapClient

    return {
        "edor": EdoreczeniaClient(transport=http),
        "epuap": EpuapClient(transport=SoapTransport(client)),
    }


@pytest.fixture
def fees(db):
    FeeRate.objects.create(
        code="postal_registered_zpo", name="List polecony z ZPO", amount=Decimal("12.40"),
        valid_from=datetime.date(2025, 1, 1), legal_basis="test",
    )  # fmt: skip
    FeeRate.objects.create(
        code="postal_ordinary", name="List zwykły", amount=Decimal("5.20"),
        valid_from=datetime.date(2025, 1, 1), legal_basis="test",
    )  # fmt: skip
    FeeRate.objects.create(
        code="courier", name="Kurier", amount=Decimal("1234.56"),
        valid_from=datetime.date(2025, 1, 1), legal_basis="test",
    )  # fmt: skip


@pytest.fixture
def receipt_calls():
    calls = []

    def handler(event):
        calls.append(
            (event.shipment.document_id, event.shipment.party_id, event.delivered_on, event.manner, event.source_ref)
        )

    register_receipt_handler("taxes", handler)
    yield calls
    unregister_receipt_handler("taxes", handler)


def letter(text: str = "Decyzja w sprawie podatku od nieruchomości.") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Dokument xmlns="{CRD_1410}" xmlns:str="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">'
        "<DaneDokumentu><str:Naglowek><str:NazwaDokumentu>Decyzja</str:NazwaDokumentu></str:Naglowek>"
        f"</DaneDokumentu><TrescDokumentu><Wartosc>{text}</Wartosc></TrescDokumentu></Dokument>\n"
    ).encode()


def person(first="Jan", surname="Kowalski", street="ul. Polna", number="5", **fields) -> Party:
    address = Address.objects.create(
        street_name=street, building_number=number, postal_code="05-990", locality_name="Magistrowo"
    )
    return Party.objects.create(
        kind=Party.Kind.PERSON, first_names=first, surname=surname, registered_address=address, **fields
    )


def signed_document(pki, *recipients, source_app="", **kw) -> OutgoingDocument:  # noqa: F811
    document = OutgoingDocumentFactory(
        status=OutgoingDocument.Status.SIGNED,
        signature_kind=OutgoingDocument.SignatureKind.XADES,
        signed_xml=xades.sign(letter(), pki["office-system"]),
        source_app=source_app,
        source_ref="DEC-7" if source_app else "",
        **kw,
    )
    document.recipients.set(recipients)
    return document


def paper_document(*recipients) -> OutgoingDocument:
    document = OutgoingDocumentFactory(
        status=OutgoingDocument.Status.SIGNED, signature_kind=OutgoingDocument.SignatureKind.PAPER
    )
    document.recipients.set(recipients)
    return document


# --- e-Doręczenia -------------------------------------------------------------------------------------------


def test_edoreczenia_dispatch_evidence_receipt_and_event_for_the_app(platforms, pki, registry_clerk, receipt_calls):  # noqa: F811
    from epuap.edoreczenia import services as edor_sim
    from epuap.edoreczenia.models import Message

    party = person(ade_address=KOWALSKI_ADE)
    document = signed_document(pki, party, source_app="taxes")
    with time_machine.travel(T0, tick=False):
        shipments = document_dispatch(actor=registry_clerk, document=document, edoreczenia=platforms["edor"])

    [shipment] = shipments
    assert (shipment.year, shipment.number, shipment.channel, shipment.status) == (2026, 1, "edoreczenia", "sent")
    assert shipment.sent_on == datetime.date(2026, 3, 2)
    assert shipment.address_text == "Jan Kowalski\nul. Polna 5, 05-990 Magistrowo"
    dispatch = shipment.electronic_dispatch
    assert (dispatch.channel, dispatch.status) == ("edoreczenia", "sent")
    assert dispatch.document_id == f"MAGISTRAT-SHIPMENT-{shipment.pk}"
    message = Message.objects.get(pk=dispatch.external_id)
    assert message.case_id == document.case.mark
    assert bytes(message.attachments.get().content) == bytes(document.signed_xml)
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.DISPATCHED

    # Dispatching again sends nothing more.
    assert [s.pk for s in document_dispatch(actor=registry_clerk, document=document)] == [shipment.pk]
    assert Dispatch.objects.count() == 1
    assert Message.objects.count() == 1

    edor_sim.message_open(message, T0 + datetime.timedelta(days=3, hours=2))
    with time_machine.travel(T0 + datetime.timedelta(days=6), tick=False):
        assert edoreczenia_poll_dispatches(client=platforms["edor"])["delivered"] == 1
        assert deliver_events() == 1

    receipt = Receipt.objects.get()
    assert (receipt.kind, receipt.status, receipt.manner, receipt.shipment_id) == (
        "evidence",
        "attached",
        "electronic",
        shipment.pk,
    )
    assert receipt.delivered_on == datetime.date(2026, 3, 5)
    dispatch.refresh_from_db()
    stored = StoredFile.objects.get(receipt=receipt)
    assert (stored.role, bytes(stored.content)) == ("receipt", dispatch.delivery_evidence.encode())
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_on, shipment.delivery_manner) == (
        "delivered",
        datetime.date(2026, 3, 5),
        "electronic",
    )

    assert deliver_receipt_events() == 1
    assert deliver_receipt_events() == 0
    assert receipt_calls == [(document.pk, party.pk, datetime.date(2026, 3, 5), "electronic", "DEC-7")]

    # The handler run again for the same event (a retry after a crash) creates nothing new.
    from documents.services.receipts import electronic_receipt_attach
    from epuap.models import DeliveryEvent

    assert electronic_receipt_attach(DeliveryEvent.objects.get()) == receipt
    assert (Receipt.objects.count(), ReceiptEvent.objects.count(), StoredFile.objects.count()) == (1, 1, 1)

    case_events = AuditEvent.objects.filter(action__regex=r"^documents\.(shipment|document|receipt)\.").order_by("seq")
    assert [e.action for e in case_events] == [
        "documents.shipment.registered",
        "documents.shipment.sent",
        "documents.document.dispatched",
        "documents.receipt.attached",
        "documents.shipment.delivered",
    ]
    assert {e.details["case_id"] for e in case_events} == {document.case_id}
    assert {e.details["document"] for e in case_events} == {document.pk}


# --- ePUAP --------------------------------------------------------------------------------------------------


def test_epuap_dispatch_upd_attached(platforms, pki, registry_clerk):  # noqa: F811
    from epuap.models import InboundDocument
    from epuap.platform import services as platform_sim
    from epuap.platform.models import DeliveryOrder
    from epuap.services import box_poll

    party = person(epuap_box=RESIDENT_BOX, email_consent=True)
    document = signed_document(pki, party)
    [shipment] = document_dispatch(
        actor=registry_clerk, document=document, edoreczenia=platforms["edor"], epuap=platforms["epuap"]
    )
    assert (shipment.channel, shipment.status) == ("epuap", "sent"), shipment.channel_reason
    order = DeliveryOrder.objects.get(order_id=shipment.electronic_dispatch.order_id)
    opened_at = (order.notified_at + datetime.timedelta(days=2)).replace(microsecond=0)
    platform_sim.delivery_open(order, opened_at)
    with time_machine.travel(order.notified_at + datetime.timedelta(days=4), tick=False):
        box_poll(box_address=BOX, transport=SoapTransport(platforms["epuap"].transport.client))
    assert deliver_events() == 1

    receipt = Receipt.objects.get()
    upd = InboundDocument.objects.get(form_code="UPD")
    assert (receipt.kind, receipt.status, receipt.shipment_id) == ("upd", "attached", shipment.pk)
    assert bytes(StoredFile.objects.get(receipt=receipt).content) == bytes(upd.content)
    shipment.refresh_from_db()
    assert shipment.status == "delivered"
    assert shipment.delivered_on == opened_at.astimezone(WARSAW).date()
    assert not ReceiptEvent.objects.exists()  # no app handed this document over


def test_delivery_event_of_a_dispatch_without_shipment_is_quarantined(platforms):
    from epuap.dispatch import dispatch_paper_sent, dispatch_transition, send_to_party

    dispatch = send_to_party(
        actor="test", document=letter(), file_name="a.xml", mime="text/xml", title="Inne", party=person(),
        case_id="X.1.2026", document_id="OTHER-1", edoreczenia=platforms["edor"],
    )  # fmt: skip
    dispatch_paper_sent(dispatch=dispatch, actor="test")
    dispatch_transition(dispatch=dispatch, to=Dispatch.Status.DELIVERED, actor="test", at=T0)
    assert deliver_events() == 1
    receipt = Receipt.objects.get()
    assert (receipt.status, receipt.shipment_id) == ("quarantined", None)
    assert receipt.quarantine_reason == f"no shipment of the outgoing register for dispatch {dispatch.pk} (OTHER-1)"
    assert deliver_events() == 0
    assert Receipt.objects.count() == 1


# --- refusals -----------------------------------------------------------------------------------------------


def test_unsigned_document_and_user_without_permission_are_refused(pki, registry_clerk, tax_clerk):  # noqa: F811
    draft = OutgoingDocumentFactory()
    draft.recipients.set([person()])
    seq = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refused:
        document_dispatch(actor=registry_clerk, document=draft)
    assert refused.value.code == "not_signed"
    signed = signed_document(pki, person())
    with pytest.raises(NotFoundOrForbidden):
        document_dispatch(actor=tax_clerk, document=signed)
    with pytest.raises(ServiceValidationError) as bad:
        document_dispatch(actor=registry_clerk, document=signed, channels={signed.recipients.get().pk: "edoreczenia"})
    assert list(bad.value.errors) == ["channels"]
    assert not Shipment.objects.exists()
    assert not Dispatch.objects.exists()
    assert AuditEvent.objects.count() == seq


# --- paper: książka nadawcza --------------------------------------------------------------------------------


def test_s10_numbers():
    assert s10_number("RR", 12345678) == "RR123456785PL"
    assert registered_number_valid("RR123456785PL")
    assert not registered_number_valid("RR123456784PL")
    assert registered_number_valid("00259007734567890123")
    assert not registered_number_valid("R12")


def test_paper_dispatch_book_numbering_fees_pdf_csv(platforms, registry_clerk, fees):
    a = person("Anna", "Nowak", street="ul. Lipowa", number="3/4")
    b = person("Piotr", "Zieliński", street="ul. Krótka", number="1")
    c = person("Ewa", "Wójcik")
    d = person("Adam", "Kurier")
    document = paper_document(a, b, c, d)
    day = datetime.date(2026, 3, 2)
    with time_machine.travel(T0, tick=False):
        shipments = document_dispatch(
            actor=registry_clerk,
            document=document,
            channels={c.pk: "post_ordinary", d.pk: "courier"},
        )
        assert [(s.number, s.channel, s.status) for s in shipments] == [
            (1, "post_registered", "pending"),
            (2, "post_registered", "pending"),
            (3, "post_ordinary", "pending"),
            (4, "courier", "pending"),
        ]
        assert not Dispatch.objects.exists()  # signed on paper: the adapter is not asked
        first = book_add(actor=registry_clerk, shipment=shipments[0])
        second = book_add(actor=registry_clerk, shipment=shipments[1], registered_number="rr 123456785 pl")
        third = book_add(actor=registry_clerk, shipment=shipments[2])
        document.refresh_from_db()
        assert document.status == OutgoingDocument.Status.SIGNED  # the courier letter has not left yet
        with pytest.raises(ApplicationError) as wrong:
            book_add(actor=registry_clerk, shipment=shipments[3], kind="post")
        assert wrong.value.code == "wrong_book"
        fourth = book_add(actor=registry_clerk, shipment=shipments[3], kind="courier")

    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.DISPATCHED
    book = PostalBook.objects.get(kind="post", day=day)
    assert [(s.book_position, s.registered_number, s.fee, s.status, s.sent_on) for s in (first, second, third)] == [
        (1, "RR100000003PL", Decimal("12.40"), "sent", day),
        (2, "RR123456785PL", Decimal("12.40"), "sent", day),
        (3, "", Decimal("5.20"), "sent", day),
    ]
    assert (fourth.book.kind, fourth.book_position, fourth.fee) == ("courier", 1, Decimal("1234.56"))

    with translation.override("en"):
        csv_text = book_csv(book).decode("utf-8")
        html = book_html(book)
    assert csv_text.startswith("\ufeff")
    assert csv_text[1:].split("\r\n") == [
        "No.;Addressee (name);Exact place of delivery (address);Declared value;Mass;Registered number;Remarks;Fee",
        "1;Anna Nowak;ul. Lipowa 3/4, 05-990 Magistrowo;;;RR100000003PL;ZPO;12,40",
        "2;Piotr Zieliński;ul. Krótka 1, 05-990 Magistrowo;;;RR123456785PL;ZPO;12,40",
        "3;Ewa Wójcik;ul. Polna 5, 05-990 Magistrowo;;;;;5,20",
        ";;;;;;Total;30,00",
        "",
    ]
    assert "Urząd Gminy Magistrowo" in html
    assert "02.03.2026" in html
    assert "30,00 zł" in html
    assert book_pdf(book).startswith(b"%PDF-")

    closed = book_close(actor=registry_clerk, book=book)
    assert closed.closed_at is not None
    late = person("Jan", "Spóźniony")
    later_doc = paper_document(late)
    with time_machine.travel(T0, tick=False):
        [pending] = document_dispatch(actor=registry_clerk, document=later_doc)
        with pytest.raises(ApplicationError) as closed_refusal:
            book_add(actor=registry_clerk, shipment=pending)
    assert closed_refusal.value.code == "book_closed"
    pending.refresh_from_db()
    assert (pending.status, pending.book_id, pending.registered_number) == ("pending", None, "")


def test_typed_number_must_be_valid_and_unique_and_range_is_bounded(registry_clerk, fees, settings):
    settings.DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", 10000000, 10000001)
    parties = [person(), person("Anna", "Nowak"), person("Ewa", "Lis"), person("Jan", "Wrona")]
    shipments = document_dispatch(actor=registry_clerk, document=paper_document(*parties))
    with pytest.raises(ServiceValidationError) as invalid:
        book_add(actor=registry_clerk, shipment=shipments[0], registered_number="RR123456784PL")
    assert list(invalid.value.errors) == ["registered_number"]
    book_add(actor=registry_clerk, shipment=shipments[0], registered_number="RR123456785PL")
    seq = AuditEvent.objects.count()
    with pytest.raises(ServiceValidationError):
        book_add(actor=registry_clerk, shipment=shipments[1], registered_number="RR123456785PL")
    shipments[1].refresh_from_db()
    assert (shipments[1].status, shipments[1].book_id) == ("pending", None)
    assert AuditEvent.objects.count() == seq
    # The configured range has two serials: 10000000 and 10000001; then the clerk must type the label's number.
    assert book_add(actor=registry_clerk, shipment=shipments[1]).registered_number == "RR100000003PL"
    assert book_add(actor=registry_clerk, shipment=shipments[2]).registered_number == "RR100000017PL"
    with pytest.raises(ApplicationError) as exhausted:
        book_add(actor=registry_clerk, shipment=shipments[3])
    assert exhausted.value.code == "registered_range_exhausted"
    shipments[3].refresh_from_db()
    assert (shipments[3].status, shipments[3].registered_number) == ("pending", "")


def test_no_fee_rate_refuses_with_a_clear_error(registry_clerk):
    [shipment] = document_dispatch(actor=registry_clerk, document=paper_document(person()))
    with pytest.raises(ApplicationError) as refused:
        book_add(actor=registry_clerk, shipment=shipment)
    assert refused.value.code == "no_fee_rate"
    shipment.refresh_from_db()
    assert (shipment.status, shipment.registered_number) == ("pending", "")
    assert not PostalBook.objects.exists()


@needs_pdftotext
def test_book_pdf_text(registry_clerk, fees, tmp_path):
    [shipment] = document_dispatch(actor=registry_clerk, document=paper_document(person("Anna", "Nowak")))
    with time_machine.travel(T0, tick=False):
        book_add(actor=registry_clerk, shipment=shipment)
    path = tmp_path / "b.pdf"
    with translation.override("en"):
        path.write_bytes(book_pdf(shipment.book))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "Anna Nowak" in text
    assert "RR100000003PL" in text
    assert "12,40" in text


def test_failed_electronic_shipment_goes_by_post_and_messenger_has_no_fee(platforms, pki, registry_clerk, fees):  # noqa: F811
    unknown = person(ade_address="AE:PL-99999-99999-NIEMA-99")
    neighbour = person("Ewa", "Sąsiadka")
    document = signed_document(pki, unknown, neighbour)
    with time_machine.travel(T0, tick=False):
        failed, messenger = document_dispatch(
            actor=registry_clerk,
            document=document,
            channels={neighbour.pk: "messenger"},
            edoreczenia=platforms["edor"],
        )
        assert (failed.channel, failed.status) == ("edoreczenia", "failed")
        assert failed.electronic_dispatch.status == Dispatch.Status.FAILED
        assert (messenger.channel, messenger.status, messenger.electronic_dispatch_id) == ("messenger", "pending", None)
        posted = shipment_to_paper(actor=registry_clerk, shipment=failed)
        assert (posted.channel, posted.status) == ("post_registered", "pending")
        assert Dispatch.objects.get(pk=posted.electronic_dispatch_id).status == Dispatch.Status.AWAITING_PAPER
        posted = book_add(actor=registry_clerk, shipment=posted)
        messenger = book_add(actor=registry_clerk, shipment=messenger, kind="messenger")
    assert Dispatch.objects.get(pk=posted.electronic_dispatch_id).status == Dispatch.Status.SENT_PAPER
    assert (messenger.book.kind, messenger.book_position, messenger.fee, messenger.registered_number) == (
        "messenger",
        1,
        None,
        "",
    )
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.DISPATCHED
