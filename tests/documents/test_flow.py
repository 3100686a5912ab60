"""The whole EZD path, against the real simulations (ePUAP, e-Doręczenia) through the test transports:

an IN-1 form arrives through ePUAP → registered in the RPW → assigned to FN by the standing rule → the head
assigns it to a clerk → the clerk opens case FN.3120.1.<year> → drafts a reply from a template → the head approves
and signs it → the registry dispatches it by e-Doręczenia → the person collects it → the evidence is attached and
the shipment delivered → the case is closed. And the paper path: the same kind of reply to a person without an
electronic address goes into the day's książka nadawcza; the ZPO comes back with an awizo and the system computes
the deemed delivery.
"""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from core import roles
from core.domain.identifiers import generate_pesel
from core.models import Address, AuditEvent, FeeRate, Party
from documents.domain.delivery import deemed_delivery_date
from documents.models import (
    AssignmentRule,
    Case,
    DocumentTemplate,
    IncomingEntry,
    JrwaClass,
    OutgoingDocument,
    Receipt,
    Shipment,
    StoredFile,
)
from documents.services.assignment import assign_to_clerk
from documents.services.case_reports import metryka
from documents.services.cases import case_open, case_transition
from documents.services.dispatch import document_dispatch
from documents.services.intake import register_pending_inbound
from documents.services.outgoing import approval_decide, approval_start, draft_create
from documents.services.postal_book import book_add
from documents.services.receipts import zpo_register
from documents.services.signing import document_sign
from epuap import crd, edoreczenia_client, pki, xades
from epuap.client import EpuapClient
from epuap.dispatch import edoreczenia_poll_dispatches
from epuap.edoreczenia import services as edoreczenia_sim
from epuap.edoreczenia.models import Mailbox, Message
from epuap.edoreczenia_client import EdoreczeniaClient
from epuap.events import deliver_events
from epuap.services import box_poll
from tests.epuap.conftest import pki as pki_fixture  # noqa: F401  (fixture)
from tests.epuap.conftest import pki_session  # noqa: F401  (fixture)
from tests.epuap.transports import HttpTransport, SoapTransport, use_simulations

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
BOX = "/magistrowo/skrytka"
OFFICE_ADE = "AE:PL-10000-20000-MAGIS-01"
RESIDENT_ADE = "AE:PL-59999-11111-TESTJ-55"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings, pki_fixture):  # noqa: F811
    use_simulations(settings, pki_fixture.directory)
    settings.DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", 20000000, 20000099)
    yield
    edoreczenia_client.clear_caches()


@pytest.fixture
def office(client, make_user):
    """The simulations set up, the FN unit with its head, a tax clerk in PD, the registry clerk, the IN-1 rule."""
    call_command("epuap_platform_setup", residents=1, stdout=io.StringIO())
    call_command("edoreczenia_setup", stdout=io.StringIO())
    from tests.factories import OrgUnitFactory

    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    pd = OrgUnitFactory(symbol="PD", name="Referat Podatków", parent=fn)
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik-fn", org_unit=fn, first_name="Krzysztof")
    fn.head = head
    fn.save(update_fields=["head"])
    clerk = make_user(roles.TAX_CLERK, username="referent-pd", org_unit=pd, first_name="Łukasz")
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-flow")
    AssignmentRule.objects.create(name="IN-1 → FN", form_code="IN-1", unit=fn, instruction="wymiar podatku")
    http = HttpTransport(client)
    return {
        "fn": fn,
        "head": head,
        "clerk": clerk,
        "registry": registry,
        "soap": SoapTransport(client),
        "edor": EdoreczeniaClient(transport=http),
    }


def _in1_form(credential) -> bytes:
    identity = pki.resident_identity(1)
    document = crd.CrdDocument(
        form_namespace=crd.NS_IN1,
        title="Informacja o nieruchomościach i obiektach budowlanych",
        text_paragraphs=["Informuję o nabyciu działki nr 12/3 w Magistrowie."],
        sender=crd.Party(first_name=identity["first_name"], surname=identity["surname"], pesel=identity["pesel"]),
        recipient_name="Urząd Gminy Magistrowo",
    )
    return xades.sign(crd.build_pismo_ogolne(document), credential)


def _reply(office, case: Case, party: Party) -> OutgoingDocument:
    document = draft_create(
        actor=office["clerk"],
        case=case,
        template=DocumentTemplate.objects.get(code="letter", is_active=True),
        title="Potwierdzenie przyjęcia informacji IN-1",
        recipients=[party],
        context={"body": "Potwierdzamy przyjęcie informacji o nieruchomościach."},
    )
    approval_start(actor=office["clerk"], document=document, approvers=[office["head"]])
    approval_decide(actor=office["head"], document=document, approve=True, comment="")
    return document_sign(actor=office["head"], document=document)


def test_epuap_form_to_case_to_reply_delivered_by_edoreczenia(office, pki_fixture):  # noqa: F811
    identity = pki.resident_identity(1)
    # Now (the test PKI's certificates are issued at the start of the session, so no travel into the past).
    now = datetime.datetime.now(WARSAW)
    year = now.year
    # The resident sends the signed IN-1 form to the office's box on the (simulated) ePUAP.
    resident = EpuapClient(transport=office["soap"], credential=pki_fixture["resident-1"], podmiot="resident-1")
    sent = resident.send(
        recipient_address=BOX, reply_address="/resident-1/domyslna", content=_in1_form(pki_fixture["resident-1"]),
        file_name="IN-1.xml",
    )  # fmt: skip
    assert box_poll(box_address=BOX, transport=office["soap"]).stored == 1

    # Registered in the RPW and assigned to FN by the standing rule.
    assert register_pending_inbound() == 1
    entry = IncomingEntry.objects.get()
    assert (entry.rpw_number, entry.channel, entry.form_code) == (f"RPW/1/{year}", "epuap", "IN-1")
    assert (entry.assigned_unit, entry.status) == (office["fn"], IncomingEntry.Status.ASSIGNED_UNIT)
    assert entry.sender.pesel == identity["pesel"]
    original = entry.files.get(role=StoredFile.Role.ORIGINAL)
    assert original.signature_verdict == "valid"
    assert entry.remarks.endswith(sent.upp_id)

    # The head assigns it to the clerk, who opens the case from it.
    assign_to_clerk(actor=office["head"], entry=entry, clerk=office["clerk"], instruction="proszę o wymiar")
    jrwa = JrwaClass.objects.get(version__is_current=True, symbol="3120")
    case = case_open(actor=office["clerk"], unit=office["fn"], jrwa=jrwa, title="Podatek od nieruchomości — IN-1",
                     entry=entry)  # fmt: skip
    assert case.mark == f"FN.3120.1.{year}"
    assert (case.owner, list(case.parties.all())) == (office["clerk"], [entry.sender])

    # The person has an e-Delivery address registered in BAE.
    Mailbox.objects.create(
        address=RESIDENT_ADE, owner_name=f"{identity['first_name']} {identity['surname']}",
        first_name=identity["first_name"], last_name=identity["surname"], kind=Mailbox.Kind.PERSON,
        pesel=identity["pesel"],
    )  # fmt: skip

    # Reply drafted from the template, approved and signed by the head, dispatched by the registry.
    document = _reply(office, case, entry.sender)
    assert document.status == OutgoingDocument.Status.SIGNED
    assert xades.verify(bytes(document.signed_xml), ca=pki.ca_certificate()).signer is not None
    (shipment,) = document_dispatch(actor=office["registry"], document=document, edoreczenia=office["edor"])
    assert (shipment.channel, shipment.status) == (Shipment.Channel.EDORECZENIA, Shipment.Status.SENT)
    document.refresh_from_db()
    assert document.status == OutgoingDocument.Status.DISPATCHED

    # Two days later the person collects the letter in the mailbox; the office polls the evidences.
    collected = now + datetime.timedelta(days=2)
    with time_machine.travel(collected, tick=False):
        edoreczenia_sim.message_open(Message.objects.get(recipient_address=RESIDENT_ADE))
        assert edoreczenia_poll_dispatches(client=office["edor"])["delivered"] == 1
        assert deliver_events() == 1

    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_on) == (Shipment.Status.DELIVERED, collected.date())
    receipt = Receipt.objects.get(shipment=shipment)
    assert (receipt.kind, receipt.status, receipt.delivered_on) == ("evidence", "attached", collected.date())
    assert receipt.files.get().role == StoredFile.Role.RECEIPT

    closing = now + datetime.timedelta(days=3)
    with time_machine.travel(closing, tick=False):
        case_transition(
            actor=office["clerk"], case=case, to=Case.Status.CLOSED, on=closing.date(), manner=Case.ClosingManner.LETTER
        )
    case.refresh_from_db()
    assert (case.status, case.closed_on) == (Case.Status.CLOSED, closing.date())

    # The metryka sprawy shows every step, generated from the audit log.
    rows = metryka(case=case).rows
    actions = [row.action for row in rows]
    for expected in (
        "documents.entry.registered",
        "documents.entry.assigned_unit",
        "documents.entry.assigned_clerk",
        "documents.case.opened",
        "documents.document.approved",
        "documents.document.signed",
        "documents.case.closed",
    ):
        assert expected in actions, expected
    assert AuditEvent.objects.filter(details__case_id=case.pk).count() >= 6


def test_paper_reply_goes_into_the_postal_book_and_the_zpo_sets_the_deemed_delivery(office):
    FeeRate.objects.create(
        code="postal_registered_zpo", name="List polecony za ZPO", amount=Decimal("13.50"),
        valid_from=datetime.date(2026, 1, 1), legal_basis="cennik testowy",
    )  # fmt: skip
    address = Address.objects.create(
        street_name="ul. Polna", building_number="5", postal_code="05-990", locality_name="Magistrowo"
    )
    party = Party.objects.create(
        kind=Party.Kind.PERSON,
        first_names="Zofia",
        surname="Nowacka",
        pesel=generate_pesel(datetime.date(1960, 5, 5), "F", 7),
        registered_address=address,
    )
    jrwa = JrwaClass.objects.get(version__is_current=True, symbol="3120")
    today = datetime.datetime.now(WARSAW).date()
    # The head opens the case for the clerk (an ad hoc case in FN; the clerk works in PD, a sub-unit).
    case = case_open(
        actor=office["head"], owner=office["clerk"], unit=office["fn"], jrwa=jrwa, title="Korekta wymiaru",
        parties=[party],
    )  # fmt: skip
    assert case.mark == f"FN.3120.1.{today.year}"
    document = _reply(office, case, party)
    (shipment,) = document_dispatch(actor=office["registry"], document=document, edoreczenia=office["edor"])
    # No ADE in BAE, no ePUAP box: a registered letter with ZPO.
    assert (shipment.channel, shipment.status) == (Shipment.Channel.POST_REGISTERED, Shipment.Status.PENDING)
    shipment = book_add(actor=office["registry"], shipment=shipment)
    assert (shipment.status, shipment.book_position, shipment.fee) == (Shipment.Status.SENT, 1, Decimal("13.50"))
    assert shipment.book.day == today
    assert shipment.registered_number.startswith("RR2000000")

    # The postman left an awizo the next day; nobody collected the letter: the ZPO comes back after 14 days.
    first_notice = today + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.now(WARSAW) + datetime.timedelta(days=16), tick=False):
        receipt = zpo_register(
            actor=office["registry"], registered_number=shipment.registered_number, manner=Receipt.Manner.DEEMED,
            first_notice_on=first_notice, scan=b"%PDF-1.4 zwrotka",
        )  # fmt: skip
        deliver_events()  # the adapter's outbox event is linked to the same receipt, not a second one
    deemed = first_notice + datetime.timedelta(days=14)
    assert deemed_delivery_date(datetime.date(2025, 3, 3)) == datetime.date(2025, 3, 17)  # §5 worked example
    assert (receipt.status, receipt.delivered_on, receipt.second_notice_on) == (
        Receipt.Status.ATTACHED,
        deemed,
        first_notice + datetime.timedelta(days=7),
    )
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_on) == (Shipment.Status.DEEMED_DELIVERED, deemed)
    assert Receipt.objects.filter(shipment=shipment).count() == 1
    assert bytes(receipt.files.get().content) == b"%PDF-1.4 zwrotka"
