"""Issue 8 "done when", from the resident's side of the simulated ePUAP to the finance account, against the real
simulations (ePUAP SOAP, e-Doręczenia REST) through the test transports:

a resident sends an IN-1 from the simulated ePUAP (the web form of /sim/epuap/) → the office's adapter polls the box →
registered in the RPW and assigned to FN by the standing rule → the head assigns it to the clerk → the clerk records
the declaration from the entry and accepts it (two more taxpayers come on paper, recorded by the clerk) → mass
assessment 2027 (create, compute, issue) → rendered and handed over to EZD → signed and dispatched: e-Doręczenia (a
party with an ADE), ePUAP (the resident: box and consent, UPD) and registered post (ZPO, deemed delivery) → the
receipts come back through documents.events → the decisions DELIVERED with the effective due dates (OP art. 47 §2,
E2) → the charges in finance with their installments.

Dates: the test travels to January–March 2027 (the test PKI is valid from the start of the session for ten years;
travelling into the past is not possible). 2027 rates: the 2026 maxima copied as the 2027 maxima, adopted by the demo
resolutions (``seed_demo``).
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core import roles
from core.exceptions import ApplicationError
from core.models import Address, AuditEvent, FeeRate
from documents.events import deliver_receipt_events
from documents.models import AssignmentRule, IncomingEntry, OutgoingDocument, Receipt, Shipment
from documents.services.assignment import assign_to_clerk
from documents.services.intake import register_pending_inbound
from documents.services.postal_book import book_add
from documents.services.receipts import zpo_register
from epuap import edoreczenia_client
from epuap import pki as test_pki
from epuap.dispatch import edoreczenia_poll_dispatches
from epuap.edoreczenia import services as edoreczenia_sim
from epuap.edoreczenia.models import Message
from epuap.events import deliver_events
from epuap.models import Dispatch
from epuap.platform import services as epuap_sim
from epuap.platform.models import DeliveryOrder
from epuap.platform.resident_auth import SESSION_KEY
from epuap.services import box_poll
from finance.models import AccountEntry, BankProfile, Installment, ObligorAccount
from taxes.hooks.rates import seed_demo
from taxes.models import AssessmentRun, Decision, Declaration, MaxRate, ObjectVersion
from taxes.services import assessment as runs
from taxes.services import decisions as dec
from taxes.services.declarations import declaration_accept, declaration_from_incoming, declaration_record
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
BOX = "/magistrowo/skrytka"
KOWALSKI_ADE = "AE:PL-51234-56789-KOWJA-11"  # a mailbox of the simulated e-Doręczenia (edoreczenia_setup)
KOWALSKI_PESEL = "80010112344"
YEAR = 2027
ISSUE = datetime.date(2027, 2, 15)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=WARSAW)


@pytest.fixture
def office(db, settings, make_user, simulated_platforms):  # noqa: F811
    """FN with its head (a tax clerk who also signs FN's documents with the e-seal), the registry clerk, JRWA 3120,
    the IN-1 dekretacja rule, a postal price, the bank profile for the individual accounts; 2027 rates at the 2026
    maxima."""
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", 30000000, 30000099)
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    clerk = make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="wymiar-epuap", org_unit=fn)
    fn.head = clerk
    fn.save(update_fields=["head"])
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-epuap")
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    AssignmentRule.objects.create(name="IN-1 → FN", form_code="IN-1", unit=fn, instruction="wymiar podatku")
    FeeRate.objects.create(code="postal_registered_zpo", name="List polecony za ZPO", amount=D("13.50"),
                           valid_from=datetime.date(2027, 1, 1), legal_basis="cennik testowy")  # fmt: skip
    BankProfile.objects.create(
        code="bank-gminy", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29,
        office_account="38102010269876540000012345", sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    for m in MaxRate.objects.filter(year=YEAR - 1):
        MaxRate.objects.get_or_create(year=YEAR, category=m.category, defaults={
            "maximum": m.maximum, "minimum": m.minimum, "source": "test: the 2026 maxima"})  # fmt: skip
    seed_demo()
    return {"fn": fn, "clerk": clerk, "registry": registry, **simulated_platforms}


@pytest.fixture
def eager_tasks():
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def _address(street: str) -> Address:
    return Address.objects.create(street_name=street, building_number="1", postal_code="05-990",
                                  locality_name="Magistrowo")  # fmt: skip


def _paper_in1(clerk, party, *, parcel: str, land: str, building: str) -> Declaration:
    """An IN-1 brought on paper, typed in by the clerk (the same payload as the ePUAP form) and accepted."""
    payload = {
        "taxpayer": {"pesel": party.pesel, "role": "owner", "share": "1/1"},
        "objects": [
            {"kind": "land", "precinct": "Magistrowo", "parcel": parcel, "category": "land_other", "area": land},
            {"kind": "building", "precinct": "Magistrowo", "parcel": parcel, "identifier": f"B-{parcel}",
             "category": "building_residential", "area": building},
        ],
    }  # fmt: skip
    declaration = declaration_record(
        actor=clerk, form="IN-1", party=party, year=YEAR, purpose="first", event_date=None,
        filed_on=datetime.date(2027, 1, 12), payload=payload,
    )  # fmt: skip
    return declaration_accept(actor=clerk, declaration=declaration)


def _installments(party) -> list[tuple[int, datetime.date, Decimal]]:
    account = ObligorAccount.objects.get(party=party)
    return [(i.number, i.due_date, i.amount) for i in Installment.objects.filter(charge__account=account)
            .order_by("number")]  # fmt: skip


def test_resident_in1_from_simulated_epuap_to_three_delivered_decisions_and_finance(
    office, eager_tasks, django_capture_on_commit_callbacks
):
    clerk, registry = office["clerk"], office["registry"]
    identity = test_pki.resident_identity(1)

    # 1. The resident sends the IN-1 from the simulated ePUAP (the web form of /sim/epuap/, signed, with the UPP).
    with time_machine.travel(at(datetime.date(2027, 1, 11), 9), tick=False):
        resident_browser = Client()
        response = resident_browser.post(reverse("epuap_platform:resident-identity"), {"identifier": "resident-1"})
        assert (response.status_code, resident_browser.session[SESSION_KEY]) == (302, "resident-1")
        response = resident_browser.post(reverse("epuap_platform:resident-form", args=["in-1"]), {
            "place": "Magistrowo", "tax_year": str(YEAR), "location": "Magistrowo", "parcel": "101/2",
            "land_area": "800.00", "residential_area": "120.00", "other_building_area": "0",
        })  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]

        # 2. The office's adapter polls the box; the document is registered in the RPW and assigned to FN.
        assert box_poll(box_address=BOX, transport=office["epuap"].transport).stored == 1
        assert register_pending_inbound() == 1
    entry = IncomingEntry.objects.get()
    assert (entry.rpw_number, entry.channel, entry.form_code) == (f"RPW/1/{YEAR}", "epuap", "IN-1")
    assert (entry.assigned_unit, entry.status) == (office["fn"], IncomingEntry.Status.ASSIGNED_UNIT)
    resident = entry.sender
    assert (resident.pesel, resident.epuap_box) == (identity["pesel"], "/resident-1/domyslna")

    # 3. The head assigns it to the clerk, who records the declaration from the entry and accepts it.
    with time_machine.travel(at(datetime.date(2027, 1, 12)), tick=False):
        assign_to_clerk(actor=clerk, entry=entry, clerk=clerk, instruction="wymiar 2027")
        declaration = declaration_from_incoming(actor=clerk, entry=entry)
        assert (declaration.form, declaration.year, declaration.purpose, declaration.party) == (
            "IN-1", YEAR, "first", resident)  # fmt: skip
        assert (declaration.filed_on, declaration.deadline, declaration.late) == (datetime.date(2027, 1, 11), None,
                                                                                 False)  # fmt: skip
        entry.refresh_from_db()
        assert (declaration.case, declaration.case.mark) == (entry.case, f"FN.3120.1.{YEAR}")
        declaration_accept(actor=clerk, declaration=declaration)
        versions = ObjectVersion.objects.filter(declaration=declaration).order_by("area")
        assert [(v.object.kind, v.object.parcel, v.category.code, v.area, v.valid_from) for v in versions] == [
            ("building", "101/2", "building_residential", D("120.0000"), datetime.date(2027, 1, 1)),
            ("land", "101/2", "land_other", D("800.0000"), datetime.date(2027, 1, 1)),
        ]
        # The resident consents to electronic contact (OP art. 144 §1a pkt 2): the decision goes to the ePUAP box.
        resident.email_consent = True
        resident.save(update_fields=["email_consent"])
        # Two more taxpayers, their IN-1 on paper: Kowalski has an e-Doręczenia address, Nowacka has neither.
        kowalski = PersonFactory(first_names="Jan", surname="Kowalski", pesel=KOWALSKI_PESEL, ade_address=KOWALSKI_ADE,
                                 registered_address=_address("ul. Lipowa"))  # fmt: skip
        nowacka = PersonFactory(first_names="Zofia", surname="Nowacka", registered_address=_address("ul. Polna"))
        _paper_in1(clerk, kowalski, parcel="7/1", land="1000", building="100")
        _paper_in1(clerk, nowacka, parcel="9/4", land="600", building="80")

    # 4. Mass assessment 2027: dry run, then issue; the decisions are rendered and handed over to EZD.
    with time_machine.travel(at(ISSUE), tick=False):
        run = runs.assessment_run_create(actor=clerk, year=YEAR, issue_date=ISSUE)
        run = runs.assessment_run_compute(run_id=run.pk)
        assert run.status == AssessmentRun.Status.DRY_RUN
        # 2027 rates = the 2026 maxima: land 0.77 zł/m², residential 1.25 zł/m²
        assert {p.party_id: p.total for p in run.proposals.all()} == {
            resident.pk: D("766.00"),  # 800 × 0.77 + 120 × 1.25
            kowalski.pk: D("895.00"),  # 1000 × 0.77 + 100 × 1.25
            nowacka.pk: D("562.00"),  # 600 × 0.77 + 80 × 1.25
        }
        with django_capture_on_commit_callbacks(execute=True):
            run = runs.assessment_run_issue(actor=clerk, run=run)
        assert run.status == AssessmentRun.Status.ISSUED
        decisions = {d.party_id: d for d in Decision.objects.filter(run=run)}
        assert {pk: (d.status, d.total) for pk, d in decisions.items()} == {
            resident.pk: (Decision.Status.ISSUED, D("766.00")),
            kowalski.pk: (Decision.Status.ISSUED, D("895.00")),
            nowacka.pk: (Decision.Status.ISSUED, D("562.00")),
        }
        assert [(i.number, i.due_date, i.amount) for i in decisions[resident.pk].installments.order_by("number")] == [
            (1, datetime.date(2027, 3, 15), D("191.50")),
            (2, datetime.date(2027, 5, 17), D("191.50")),  # 15.05.2027 is a Saturday
            (3, datetime.date(2027, 9, 15), D("191.50")),
            (4, datetime.date(2027, 11, 15), D("191.50")),
        ]
        assert all(d.document.status == OutgoingDocument.Status.DRAFT for d in decisions.values())

        # 5. Signed (e-seal) and dispatched by the channel rule.
        ids = sorted(d.pk for d in decisions.values())
        edoreczenia_client.clear_caches()
        result = dec.decisions_dispatch(actor=clerk, decision_ids=ids, edoreczenia=office["edoreczenia"],
                                        epuap=office["epuap"])  # fmt: skip
        assert result == {"signed": 3, "dispatched": 3, "errors": []}
    shipments = {s.party_id: s for s in Shipment.objects.filter(document__source_app="taxes")}
    assert {pk: (s.channel, s.status) for pk, s in shipments.items()} == {
        kowalski.pk: (Shipment.Channel.EDORECZENIA, Shipment.Status.SENT),
        resident.pk: (Shipment.Channel.EPUAP, Shipment.Status.SENT),
        nowacka.pk: (Shipment.Channel.POST_REGISTERED, Shipment.Status.PENDING),  # waits for the książka nadawcza
    }
    assert not AccountEntry.objects.exists()  # nothing is posted before delivery

    # 6a. e-Doręczenia: Kowalski collects the decision on 17.02.2027 — the evidence sets the delivery date.
    with time_machine.travel(at(datetime.date(2027, 2, 17)), tick=False):
        edoreczenia_sim.message_open(Message.objects.get(recipient_address=KOWALSKI_ADE))
        edoreczenia_client.clear_caches()
        assert edoreczenia_poll_dispatches(client=office["edoreczenia"])["delivered"] == 1
        # 6b. Post: the registry enters the letter in the day's książka nadawcza.
        book_add(actor=registry, shipment=shipments[nowacka.pk])
    # 6c. ePUAP: the resident opens the letter on 24.02.2027 (within the 14 days after the notification of 15.02, else
    # the platform deems it delivered on 1.03); the UPD comes back to the office's box.
    order = DeliveryOrder.objects.get(order_id=shipments[resident.pk].electronic_dispatch.order_id)
    epuap_sim.delivery_open(order, at(datetime.date(2027, 2, 24)))
    with time_machine.travel(at(datetime.date(2027, 2, 25)), tick=False):
        box_poll(box_address=BOX, transport=office["epuap"].transport)
    # 6d. Post: nobody collected the letter after the awizo of 16.02.2027; the ZPO comes back — deemed delivered on
    # the 14th day (2.03.2027, OP art. 150).
    shipments[nowacka.pk].refresh_from_db()
    with time_machine.travel(at(datetime.date(2027, 3, 10)), tick=False):
        zpo = zpo_register(actor=registry, registered_number=shipments[nowacka.pk].registered_number,
                           manner=Receipt.Manner.DEEMED, first_notice_on=datetime.date(2027, 2, 16),
                           scan=b"%PDF-1.4 zwrotka")  # fmt: skip
        assert zpo.delivered_on == datetime.date(2027, 3, 2)
        # 7. The receipts through documents.events → the decisions DELIVERED, the charges posted.
        # the e-Doręczenia evidence, the UPD and the paper dispatch's delivery (linked to the ZPO's receipt)
        assert deliver_events() == 3
        assert Receipt.objects.filter(shipment__document__source_app="taxes").count() == 3
        assert deliver_receipt_events() == 3
    for decision in decisions.values():
        decision.refresh_from_db()
    assert {pk: (d.status, d.delivered_on) for pk, d in decisions.items()} == {
        kowalski.pk: (Decision.Status.DELIVERED, datetime.date(2027, 2, 17)),
        resident.pk: (Decision.Status.DELIVERED, datetime.date(2027, 2, 24)),
        nowacka.pk: (Decision.Status.DELIVERED, datetime.date(2027, 3, 2)),
    }
    assert {s.party_id: s.status for s in Shipment.objects.filter(document__source_app="taxes")} == {
        kowalski.pk: Shipment.Status.DELIVERED, resident.pk: Shipment.Status.DELIVERED,
        nowacka.pk: Shipment.Status.DEEMED_DELIVERED}  # fmt: skip

    # 8. Finance: one charge per decision, valued on the delivery date, with the effective installments (E2: the
    # first installment moves to the 14th day after a delivery less than 14 days before 15.03).
    charges = {e.account.party_id: (e.amount, e.value_date) for e in AccountEntry.objects.filter(
        kind=AccountEntry.Kind.CHARGE).select_related("account")}  # fmt: skip
    assert charges == {
        kowalski.pk: (D("895.00"), datetime.date(2027, 2, 17)),
        resident.pk: (D("766.00"), datetime.date(2027, 2, 24)),
        nowacka.pk: (D("562.00"), datetime.date(2027, 3, 2)),
    }
    assert _installments(kowalski) == [  # delivered 17.02: 15.03 stays
        (1, datetime.date(2027, 3, 15), D("223.75")), (2, datetime.date(2027, 5, 17), D("223.75")),
        (3, datetime.date(2027, 9, 15), D("223.75")), (4, datetime.date(2027, 11, 15), D("223.75"))]  # fmt: skip
    assert _installments(resident) == [  # delivered 24.02: 15.03 stays
        (1, datetime.date(2027, 3, 15), D("191.50")), (2, datetime.date(2027, 5, 17), D("191.50")),
        (3, datetime.date(2027, 9, 15), D("191.50")), (4, datetime.date(2027, 11, 15), D("191.50"))]  # fmt: skip
    assert _installments(nowacka) == [  # deemed delivered 2.03: 2.03 + 14 days = 16.03.2027
        (1, datetime.date(2027, 3, 16), D("140.50")), (2, datetime.date(2027, 5, 17), D("140.50")),
        (3, datetime.date(2027, 9, 15), D("140.50")), (4, datetime.date(2027, 11, 15), D("140.50"))]  # fmt: skip
    assert [(i.number, i.effective_due_date) for i in decisions[nowacka.pk].installments.order_by("number")] == [
        (1, datetime.date(2027, 3, 16)), (2, datetime.date(2027, 5, 17)), (3, datetime.date(2027, 9, 15)),
        (4, datetime.date(2027, 11, 15))]  # fmt: skip

    # A second round of the receipt paths changes nothing (safe to run twice).
    before = (AccountEntry.objects.count(), Installment.objects.count())
    assert (deliver_events(), deliver_receipt_events()) == (0, 0)
    assert (AccountEntry.objects.count(), Installment.objects.count()) == before


# --- decisions_dispatch on its own ----------------------------------------------------------------------------------


@pytest.fixture
def three_decisions(office, eager_tasks, django_capture_on_commit_callbacks):
    """Three issued (handed-over) decisions 2027: a party with an ADE, one with an ePUAP box and consent, one with
    neither."""
    clerk = office["clerk"]
    parties = {
        "ade": PersonFactory(pesel=KOWALSKI_PESEL, ade_address=KOWALSKI_ADE, registered_address=_address("A")),
        "epuap": PersonFactory(epuap_box="/resident-1/domyslna", email_consent=True, registered_address=_address("B")),
        "post": PersonFactory(registered_address=_address("C")),
    }  # fmt: skip
    with time_machine.travel(at(datetime.date(2027, 1, 12)), tick=False):
        for n, party in enumerate(parties.values(), start=1):
            _paper_in1(clerk, party, parcel=f"{n}/1", land="1000", building="100")
    with time_machine.travel(at(ISSUE), tick=False):
        run = runs.assessment_run_create(actor=clerk, year=YEAR, issue_date=ISSUE)
        run = runs.assessment_run_compute(run_id=run.pk)
        with django_capture_on_commit_callbacks(execute=True):
            runs.assessment_run_issue(actor=clerk, run=run)
    decisions = {key: Decision.objects.get(run=run, party=party) for key, party in parties.items()}
    return decisions


def test_decisions_dispatch_channel_rule_and_idempotence(office, three_decisions):
    ids = [d.pk for d in three_decisions.values()]
    platforms = {"edoreczenia": office["edoreczenia"], "epuap": office["epuap"]}
    with time_machine.travel(at(ISSUE), tick=False):
        assert dec.decisions_dispatch(actor=office["clerk"], decision_ids=ids, **platforms) == {
            "signed": 3, "dispatched": 3, "errors": []}  # fmt: skip
        channels = {s.document_id: (s.channel, s.status) for s in Shipment.objects.all()}
        assert channels == {
            three_decisions["ade"].document_id: (Shipment.Channel.EDORECZENIA, Shipment.Status.SENT),
            three_decisions["epuap"].document_id: (Shipment.Channel.EPUAP, Shipment.Status.SENT),
            three_decisions["post"].document_id: (Shipment.Channel.POST_REGISTERED, Shipment.Status.PENDING),
        }
        assert sorted(Dispatch.objects.values_list("channel", flat=True)) == ["edoreczenia", "epuap", "paper"]
        statuses = {k: OutgoingDocument.objects.get(pk=d.document_id).status for k, d in three_decisions.items()}
        assert statuses == {"ade": "dispatched", "epuap": "dispatched", "post": "signed"}  # post: the book is next

        # a second call sends nothing again: no new shipment, no new platform dispatch, nothing signed again
        counts = (Shipment.objects.count(), Dispatch.objects.count(), Message.objects.count(),
                  DeliveryOrder.objects.count())  # fmt: skip
        again = dec.decisions_dispatch(actor=office["clerk"], decision_ids=ids, **platforms)
        assert (again["signed"], again["errors"]) == (0, [])
        assert (Shipment.objects.count(), Dispatch.objects.count(), Message.objects.count(),
                DeliveryOrder.objects.count()) == counts  # fmt: skip


def test_decisions_dispatch_refuses_a_decision_not_yet_issued_and_writes_nothing(office, three_decisions):
    draft = three_decisions["post"]
    Decision.objects.filter(pk=draft.pk).update(document=None, status=Decision.Status.DRAFT)
    ids = [d.pk for d in three_decisions.values()]
    before = (AuditEvent.objects.count(), Shipment.objects.count(), Dispatch.objects.count(),
              list(OutgoingDocument.objects.order_by("pk").values_list("status", flat=True)))  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        dec.decisions_dispatch(actor=office["clerk"], decision_ids=ids, edoreczenia=office["edoreczenia"],
                               epuap=office["epuap"])  # fmt: skip
    assert refused.value.code == "not_issued"
    assert (AuditEvent.objects.count(), Shipment.objects.count(), Dispatch.objects.count(),
            list(OutgoingDocument.objects.order_by("pk").values_list("status", flat=True))) == before  # fmt: skip


def test_decisions_dispatch_needs_the_permission(office, three_decisions, make_user):
    outsider = make_user(roles.REGISTRY_CLERK, username="kancelaria-bez-wymiaru")
    before = (AuditEvent.objects.count(), Shipment.objects.count())
    with pytest.raises(ApplicationError) as refused:
        dec.decisions_dispatch(actor=outsider, decision_ids=[d.pk for d in three_decisions.values()])
    assert refused.value.code == "forbidden"
    assert (AuditEvent.objects.count(), Shipment.objects.count()) == before
