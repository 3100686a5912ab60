"""Issue 9 "done when": the waste-declaration flow end to end, against the real simulations (ePUAP SOAP,
e-Doręczenia REST) through the test transports, as in the issue 8 flow (tests/taxes/test_flow_epuap.py):

a resident signs and sends the DO-1 (namespace ``urn:magistrat:odpady:DO-1:1``) to the office's ePUAP box → the
adapter polls → registered in the RPW, assigned to FN and to the clerk → the clerk records the declaration from the
entry and accepts it (2 residents, per resident, selective: 2 × 38.00 = 76.00 zł a month) → the monthly charges →
the nightly verification flags a residents finding (declared 2, registered 5) → the clerk opens a case and issues a
decision under art. 6o (5 residents), signed, dispatched by ePUAP and delivered (UPD through documents.events) →
the charged months corrected to 190.00 zł → a partial payment by MT940 to the payer's individual account →
arrears → a reminder (upomnienie) with its cost, handed over to EZD.

Dates: the flow runs in January–May of the next calendar year (the test PKI is valid from the start of the session
for ten years; travelling into the past is not possible), so it works today and later. The resolution is the demo
one (38.00 zł per resident from 1.01.2025, due by the 15th). The months used (January–May) have no public holiday on
the 15th–17th, so a due date is the 15th moved past a Saturday or Sunday only (``due``)."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from lxml import etree

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from documents.events import deliver_receipt_events
from documents.models import IncomingEntry, Shipment
from documents.services.assignment import assign_to_clerk, assign_to_unit
from documents.services.intake import register_pending_inbound
from epuap import crd
from epuap import demo as epuap_demo
from epuap import pki as test_pki
from epuap.events import deliver_events
from epuap.platform import services as epuap_sim
from epuap.platform.models import DeliveryOrder, Podmiot
from epuap.services import box_poll
from finance.models import AccountEntry, BankProfile, ObligorAccount, Payment, ReceivableType
from finance.models.collection import CollectionRun, Reminder
from finance.selectors import account_state
from finance.services import reminders as reminder_svc
from finance.services.statements import statement_import
from finance.services.virtual_accounts import virtual_account_for
from taxes.domain import waste_forms as W
from taxes.hooks.waste import seed_demo as seed_waste_resolution
from taxes.models import VerificationFinding, WasteDecision, WasteDeclaration, WasteProperty
from taxes.services.waste_charges import waste_charges_post
from taxes.services.waste_decisions import (
    waste_decision_dispatch,
    waste_decision_draft,
    waste_decision_issue,
    waste_decision_suggest,
)
from taxes.services.waste_declarations import waste_declaration_accept, waste_property_create
from taxes.services.waste_intake import waste_declaration_from_incoming
from taxes.services.waste_verify import finding_open_case, waste_verify
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory
from tests.factories.population import RegistrationFactory, ResidentFactory
from tests.finance.conftest_bank import write_mt940
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
BOX = "/magistrowo/skrytka"
OFFICE_ACCOUNT = "75102010260000000123456789"
YEAR = datetime.datetime.now(tz=WARSAW).year + 1


def day(month: int, dom: int) -> datetime.date:
    return datetime.date(YEAR, month, dom)


def at(when: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(when.year, when.month, when.day, hour, 0, tzinfo=WARSAW)


def due(month: int) -> datetime.date:
    """The resolution's due day (15th) of ``month``, moved past a Saturday or Sunday (OP art. 12 §5)."""
    when = day(month, 15)
    while when.weekday() >= 5:
        when += datetime.timedelta(days=1)
    return when


def do1_document(*, pesel: str, first_name: str, surname: str, locality: str, street: str, number: str, flat: str,
                 residents: int, event: datetime.date, today: datetime.date) -> bytes:  # fmt: skip
    """The resident's DO-1: the office's local ePUAP form (CRD document structure, ``epuap.crd.NS_DO1``) carrying
    the declaration in the DO-1 layout (``urn:magistrat:odpady:DO-1:1``, taxes/data/forms/DO-1.xsd)."""
    form = (
        f'<Deklaracja xmlns="{W.NAMESPACE}"><Naglowek><Cel>pierwsza</Cel>'
        f"<DataZdarzenia>{event.isoformat()}</DataZdarzenia></Naglowek>"
        f"<Platnik><PESEL>{pesel}</PESEL><Imie>{first_name}</Imie><Nazwisko>{surname}</Nazwisko></Platnik>"
        f"<Nieruchomosc><Miejscowosc>{locality}</Miejscowosc><Ulica>{street}</Ulica><NrDomu>{number}</NrDomu>"
        f"<NrLokalu>{flat}</NrLokalu></Nieruchomosc>"
        f"<Oplata><Metoda>od_mieszkanca</Metoda><LiczbaMieszkancow>{residents}</LiczbaMieszkancow>"
        f"<Selektywnie>true</Selektywnie><Kompostownik>false</Kompostownik></Oplata></Deklaracja>"
    )
    fields = [("Tytul", crd.KNOWN_FORMS[crd.NS_DO1]), ("LiczbaMieszkancow", str(residents))]
    return epuap_demo._local_form(crd.NS_DO1, 1, today=today, fields=fields, content=etree.fromstring(form))


@pytest.fixture
def office(db, settings, make_user, simulated_platforms):  # noqa: F811
    """FN with its head (a tax clerk who signs FN's documents), the registry clerk, the accountant, JRWA 3120 and
    3130, the bank profile of the individual accounts, the demo waste resolution, a property at a TERYT address."""
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.DOCUMENTS_REGISTERED_NUMBER_RANGE = ("RR", 30000100, 30000199)
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    clerk = make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="odpady-flow", org_unit=fn)
    fn.head = clerk
    fn.save(update_fields=["head"])
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-odpady-flow")
    accountant = make_user(roles.ACCOUNTANT, username="ksiegowa-odpady-flow")
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    JrwaClassFactory(symbol="3130", title="Upomnienia i tytuły wykonawcze", archival_category="B5")
    BankProfile.objects.update(is_active=False)
    profile = BankProfile.objects.create(
        code="bank-odpady", name="Bank Gminy", separator="~", encoding="cp852", virtual_account_field="86_29",
        office_account=OFFICE_ACCOUNT, sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    seed_waste_resolution()
    address = AddressFactory(building_number="12", flat_number="3")
    prop = waste_property_create(actor=clerk, identifier="ODP/F/0001", address=address,
                                 kind=WasteProperty.Kind.RESIDENTIAL)  # fmt: skip
    return {"fn": fn, "clerk": clerk, "registry": registry, "accountant": accountant, "profile": profile,
            "property": prop, **simulated_platforms}  # fmt: skip


def _send_do1(office, *, residents: int = 2) -> IncomingEntry:
    """Steps 1–2: the resident sends the DO-1 on 11.01 (signed, the UPP), the adapter polls, the RPW registers it,
    the registry assigns it to FN and the head to the clerk; the resident is registered there with 4 more people."""
    identity = test_pki.resident_identity(1)
    address = office["property"].address
    with time_machine.travel(at(day(1, 11), 9), tick=False):
        document = do1_document(
            pesel=identity["pesel"], first_name=identity["first_name"], surname=identity["surname"],
            locality=address.locality.name, street=address.street.full_name, number=address.building_number,
            flat=address.flat_number,
            residents=residents, event=day(1, 4), today=day(1, 11),
        )  # fmt: skip
        upp = epuap_sim.resident_document_send(
            resident=Podmiot.objects.get(identifier="resident-1"), document=document, file_name="DO-1.xml",
            first_name=identity["first_name"], surname=identity["surname"], pesel=identity["pesel"],
        )  # fmt: skip
        assert upp.upp is not None
        assert upp.document is not None
        assert box_poll(box_address=BOX, transport=office["epuap"].transport).stored == 1
        assert register_pending_inbound() == 1
    entry = IncomingEntry.objects.get()
    assert (entry.rpw_number, entry.channel) == (f"RPW/1/{YEAR}", "epuap")
    assert entry.sender.pesel == identity["pesel"]
    with time_machine.travel(at(day(1, 12)), tick=False):
        assign_to_unit(actor=office["registry"], entry=entry, unit=office["fn"], instruction="opłata za odpady")
        assign_to_clerk(actor=office["clerk"], entry=entry, clerk=office["clerk"], instruction="deklaracja DO-1")
    entry.refresh_from_db()
    assert (entry.assigned_unit, entry.assigned_to, entry.status) == (
        office["fn"], office["clerk"], IncomingEntry.Status.ASSIGNED_CLERK)  # fmt: skip
    # the population register: the resident and four more people at the property's address
    resident = ResidentFactory(party=entry.sender)
    RegistrationFactory(resident=resident, address=address)
    for _n in range(4):
        RegistrationFactory(address=address)
    return entry


def _record_and_accept(office, entry) -> WasteDeclaration:
    clerk = office["clerk"]
    with time_machine.travel(at(day(1, 12), 11), tick=False):
        declaration = waste_declaration_from_incoming(actor=clerk, entry=entry)
        assert declaration.status == WasteDeclaration.Status.RECEIVED
        assert (declaration.property, declaration.payer, declaration.incoming_entry) == (
            office["property"], entry.sender, entry)  # fmt: skip
        assert (declaration.purpose, declaration.method, declaration.residents, declaration.selective,
                declaration.composts) == ("first", "per_resident", 2, True, False)  # fmt: skip
        assert (declaration.filed_on, declaration.effective_from) == (day(1, 11), day(1, 1))
        assert (declaration.deadline, declaration.late) == (day(1, 18), False)  # 4.01 + 14 days
        entry.refresh_from_db()
        assert (declaration.case, declaration.case.jrwa.symbol) == (entry.case, "3120")
        declaration = waste_declaration_accept(actor=clerk, declaration=declaration)
    assert declaration.status == WasteDeclaration.Status.ACCEPTED
    return declaration


def _charges(payer) -> list[tuple[str, Decimal, datetime.date]]:
    return [(e.source_ref, e.amount, e.value_date) for e in AccountEntry.objects.filter(
        account__party=payer, kind=AccountEntry.Kind.CHARGE).order_by("value_date", "pk")]  # fmt: skip


def _installments(payer, as_of: datetime.date | None = None) -> list[tuple[datetime.date, Decimal, Decimal]]:
    """(effective due date, amount, unpaid principal on ``as_of``) of the payer's waste fee installments."""
    account = ObligorAccount.objects.get(party=payer, receivable_type__code="waste_fee")
    state = account_state(account, as_of=as_of or day(12, 31))
    return sorted((i.effective_due_date, i.amount, i.state.principal) for i in state.installments)


def _pay_by_mt940(office, payer, amount: Decimal, when: datetime.date):
    waste = ReceivableType.objects.get(code="waste_fee")
    virtual = virtual_account_for(party=payer, receivable_type=waste, profile=office["profile"])
    statement = write_mt940(account=OFFICE_ACCOUNT, reference=f"ODP{when:%y%m%d}", sequence="00001",
                            day=when, movements=[(amount, virtual.nrb, "OPLATA ZA ODPADY")])  # fmt: skip
    with time_machine.travel(at(when, 12), tick=False):
        summary = statement_import(actor=office["accountant"], profile=office["profile"],
                                   data=statement.encode("cp852"), file_name=f"mt940-{when:%m%d}.sta")  # fmt: skip
    return summary, virtual


def test_waste_declaration_from_epuap_to_charges_payment_and_reminder(office):
    """Steps 1, 2, 4, 5, 6 without the decision: the declared 2 residents are charged, the finding stays open, the
    payer pays part of it by MT940 and gets a reminder of the rest."""
    clerk = office["clerk"]
    entry = _send_do1(office)
    declaration = _record_and_accept(office, entry)
    payer = declaration.payer

    with time_machine.travel(at(day(1, 12), 12), tick=False):
        assert waste_charges_post(actor=clerk, month=day(1, 1)) == {"posted": 1, "skipped": 0, "zero": 0,
                                                                    "errors": 0}  # fmt: skip
    for month in (2, 3):
        with time_machine.travel(at(day(month, 1), 5), tick=False):
            assert waste_charges_post(actor=clerk, month=day(month, 1))["posted"] == 1
            again = waste_charges_post(actor=clerk, month=day(month, 1))
            assert (again["posted"], again["skipped"]) == (0, 1)
    assert _charges(payer) == [
        (f"waste:{declaration.pk}:{YEAR}-{m:02d}", D("76.00"), day(m, 1)) for m in (1, 2, 3)]  # fmt: skip
    assert [(d, a) for d, a, _u in _installments(payer)] == [(due(m), D("76.00")) for m in (1, 2, 3)]

    # the nightly verification of February: declared 2, registered 5
    with time_machine.travel(at(day(2, 2), 3), tick=False):
        result = waste_verify(month=day(2, 1))
    assert (result["created"], result["updated"]) == (1, 0)
    finding = VerificationFinding.objects.get()
    assert (finding.kind, finding.declaration, finding.month, finding.declared_value, finding.evidence_value,
            finding.status) == ("residents", declaration, day(2, 1), D("2"), D("5"), "open")  # fmt: skip

    # a partial payment of 50.00 on 20.03 to the payer's individual account: the oldest installment first
    summary, virtual = _pay_by_mt940(office, payer, D("50.00"), day(3, 20))
    assert (virtual.party, virtual.nrb[2:]) == (payer, f"10201026987654{virtual.identifier:010d}")
    assert (len(summary.statements), summary.lines, summary.matched, summary.amount) == (1, 1, 1, D("50.00"))
    payment = Payment.objects.get()
    assert (payment.party, payment.amount, payment.payment_date) == (payer, D("50.00"), day(3, 20))
    assert [u for _d, _a, u in _installments(payer)] == [D("26.00"), D("76.00"), D("76.00")]

    # arrears → reminder: the run of 1.04 (cut-off 31.03) proposes the waste fee arrears 178.00 with the cost 16.00
    issue = day(4, 1)
    with time_machine.travel(at(issue, 9), tick=False):
        waste = ReceivableType.objects.get(code="waste_fee")
        run = reminder_svc.reminder_run_create(actor=clerk, receivable_type=waste, cutoff_date=day(3, 31),
                                               issue_date=issue)  # fmt: skip
        (reminder,) = run.reminders.all()
        assert (reminder.party, reminder.principal, reminder.interest, reminder.reminder_cost) == (
            payer, D("178.00"), D("0.00"), D("16.00"))  # fmt: skip
        assert [(i.account.receivable_type.code, i.due_date, i.principal, i.interest) for i in
                reminder.items.order_by("due_date")] == [
            ("waste_fee", due(1), D("26.00"), D("0.00")), ("waste_fee", due(2), D("76.00"), D("0.00")),
            ("waste_fee", due(3), D("76.00"), D("0.00"))]  # fmt: skip
        run = reminder_svc.reminder_run_confirm(actor=clerk, run=run)
    assert run.status == CollectionRun.Status.ISSUED
    reminder.refresh_from_db()
    assert reminder.status == Reminder.Status.ISSUED
    doc = reminder.document
    assert (doc.source_app, doc.source_ref, list(doc.recipients.all())) == ("finance", f"reminder:{reminder.pk}",
                                                                              [payer])  # fmt: skip
    assert AuditEvent.objects.filter(action="finance.reminder_run.created").count() == 1
    assert ObligorAccount.objects.filter(party=payer).count() == 1


def test_waste_flow_end_to_end_declaration_finding_decision_payment_reminder(
    office, django_capture_on_commit_callbacks
):
    """Issue 9 "done when": DO-1 via ePUAP → EZD → register → verification flags the residents → decision under
    art. 6o, delivered through ePUAP (UPD) → charges corrected → partial MT940 payment → arrears → reminder."""
    clerk = office["clerk"]
    entry = _send_do1(office)
    declaration = _record_and_accept(office, entry)
    payer = declaration.payer
    # the resident consents to electronic contact (OP art. 144 §1a pkt 2): the decision goes to his ePUAP box
    payer.email_consent = True
    payer.save(update_fields=["email_consent"])

    # 4. Monthly charges of January and February: 2 × 38.00 = 76.00 each, due on the 15th
    with time_machine.travel(at(day(1, 12), 12), tick=False):
        assert waste_charges_post(actor=clerk, month=day(1, 1))["posted"] == 1
    with time_machine.travel(at(day(2, 1), 5), tick=False):
        assert waste_charges_post(actor=clerk, month=day(2, 1))["posted"] == 1
    assert _charges(payer) == [(f"waste:{declaration.pk}:{YEAR}-{m:02d}", D("76.00"), day(m, 1)) for m in (1, 2)]

    # 2. The verification of January (run on 2.02): declared 2, registered 5 on 1.01
    with time_machine.travel(at(day(2, 2), 3), tick=False):
        result = waste_verify(month=day(1, 1))
    assert (result["created"], result["updated"]) == (1, 0)
    finding = VerificationFinding.objects.get()
    assert (finding.kind, finding.declaration, finding.month, finding.declared_value, finding.evidence_value) == (
        "residents", declaration, day(1, 1), D("2"), D("5"))  # fmt: skip

    # 3. The clerk opens a case from the finding and issues the decision (5 residents from January)
    with time_machine.travel(at(day(2, 3)), tick=False):
        finding = finding_open_case(actor=clerk, finding=finding)
        assert (finding.status, finding.case.jrwa.symbol) == ("case_opened", "3120")
        proposal = waste_decision_suggest(finding=finding)
        assert (proposal["method"], proposal["residents"], proposal["effective_from"], proposal["payer"]) == (
            "per_resident", 5, day(1, 1), payer)  # fmt: skip
        decision = waste_decision_draft(actor=clerk, **proposal)
        assert (decision.status, decision.monthly_fee, decision.case) == (WasteDecision.Status.DRAFT, D("190.00"),
                                                                          finding.case)  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            decision = waste_decision_issue(actor=clerk, decision=decision)
        assert (decision.status, decision.issue_date) == (WasteDecision.Status.ISSUED, day(2, 3))
        document = decision.document
        assert (document.source_app, document.source_ref, list(document.recipients.all())) == (
            "taxes", f"waste-decision:{decision.pk}", [payer])  # fmt: skip
        assert not AccountEntry.objects.filter(source_ref__endswith=":correction").exists()  # nothing before delivery

        # signed (e-seal) and dispatched to the resident's ePUAP box
        waste_decision_dispatch(actor=clerk, decision=decision, edoreczenia=office["edoreczenia"],
                                epuap=office["epuap"])  # fmt: skip
    shipment = Shipment.objects.get(document=document)
    assert (shipment.party, shipment.channel, shipment.status) == (payer, Shipment.Channel.EPUAP,
                                                                   Shipment.Status.SENT)  # fmt: skip

    # the resident opens the letter on 5.02; the UPD comes back to the office's box and through the outboxes
    order = DeliveryOrder.objects.get(order_id=shipment.electronic_dispatch.order_id)
    epuap_sim.delivery_open(order, at(day(2, 5)))
    with time_machine.travel(at(day(2, 6)), tick=False):
        box_poll(box_address=BOX, transport=office["epuap"].transport)
        assert deliver_events() == 1
        assert deliver_receipt_events() == 1
    decision.refresh_from_db()
    assert (decision.status, decision.delivered_on) == (WasteDecision.Status.DELIVERED, day(2, 5))
    row = decision.basis
    assert (row.purpose, row.status, row.residents, row.effective_from, row.previous) == (
        "decision", WasteDeclaration.Status.ACCEPTED, 5, day(1, 1), declaration)  # fmt: skip
    declaration.refresh_from_db()
    assert declaration.superseded_by == row

    # the charged months corrected: +114.00 for January and February (76.00 → 190.00), due on their 15th
    corrections = [
        (e.source_ref, e.amount, i.due_date, i.effective_due_date)
        for e in AccountEntry.objects.filter(account__party=payer, source_ref__endswith=":correction").order_by(
            "source_ref"
        )
        for i in e.installments.all()
    ]
    assert corrections == [
        (f"waste:{row.pk}:{YEAR}-{m:02d}:correction", D("114.00"), day(m, 15), due(m)) for m in (1, 2)]  # fmt: skip
    # March at the decided fee
    with time_machine.travel(at(day(3, 1), 5), tick=False):
        assert waste_charges_post(actor=clerk, month=day(3, 1))["posted"] == 1
    assert [(e.source_ref, e.amount) for e in AccountEntry.objects.filter(
        account__party=payer, kind=AccountEntry.Kind.CHARGE, value_date=day(3, 1))] == [
        (f"waste:{row.pk}:{YEAR}-03", D("190.00"))]  # fmt: skip
    assert [(d, a) for d, a, _u in _installments(payer)] == [
        (due(1), D("76.00")), (due(1), D("114.00")), (due(2), D("76.00")), (due(2), D("114.00")),
        (due(3), D("190.00"))]  # fmt: skip
    # a second delivery path run changes nothing
    before = (AccountEntry.objects.count(), WasteDeclaration.objects.count())
    assert (deliver_events(), deliver_receipt_events()) == (0, 0)
    assert (AccountEntry.objects.count(), WasteDeclaration.objects.count()) == before

    # 5. A partial payment of 200.00 on 20.03 to the payer's individual account: January paid, 10.00 of February
    summary, virtual = _pay_by_mt940(office, payer, D("200.00"), day(3, 20))
    assert (len(summary.statements), summary.matched, summary.amount) == (1, 1, D("200.00"))
    assert virtual.party == payer
    unpaid = _installments(payer, as_of=day(3, 20))
    assert unpaid == [  # OP art. 62: the oldest first; of the same due date, the charge posted first
        (due(1), D("76.00"), D("0.00")), (due(1), D("114.00"), D("0.00")),
        (due(2), D("76.00"), D("66.00")), (due(2), D("114.00"), D("114.00")),
        (due(3), D("190.00"), D("190.00")),
    ]  # fmt: skip

    # 6. Arrears → reminder: the run of 1.04 (cut-off 31.03) for the waste fee
    waste = ReceivableType.objects.get(code="waste_fee")
    with time_machine.travel(at(day(4, 1), 9), tick=False):
        run = reminder_svc.reminder_run_create(actor=clerk, receivable_type=waste, cutoff_date=day(3, 31),
                                               issue_date=day(4, 1))  # fmt: skip
        (reminder,) = run.reminders.all()
        assert (reminder.party, reminder.principal, reminder.interest, reminder.reminder_cost) == (
            payer, D("370.00"), D("0.00"), D("16.00"))  # fmt: skip
        assert sorted((i.due_date, i.principal, i.interest) for i in reminder.items.all()) == [
            (due(2), D("66.00"), D("0.00")), (due(2), D("114.00"), D("0.00")),
            (due(3), D("190.00"), D("0.00"))]  # fmt: skip
        run = reminder_svc.reminder_run_confirm(actor=clerk, run=run)
        reminder.refresh_from_db()
        assert (run.status, reminder.status, reminder.number) == (
            CollectionRun.Status.ISSUED,
            Reminder.Status.ISSUED,
            f"UP/{YEAR}/000001",
        )
        doc = reminder.document
        assert (doc.source_app, doc.source_ref, doc.case.jrwa.symbol, list(doc.recipients.all())) == (
            "finance", f"reminder:{reminder.pk}", "3130", [payer])  # fmt: skip
        # signed and sent to the resident's ePUAP box like every reminder
        run = reminder_svc.reminder_run_dispatch(actor=clerk, run=run, edoreczenia=office["edoreczenia"],
                                                 epuap=office["epuap"])  # fmt: skip
    reminder_shipment = Shipment.objects.get(document=doc)
    assert (reminder_shipment.channel, reminder_shipment.status) == (Shipment.Channel.EPUAP, Shipment.Status.SENT)
    # delivered on 3.04: the reminder's cost 16.00 charged once on the waste account
    order = DeliveryOrder.objects.get(order_id=reminder_shipment.electronic_dispatch.order_id)
    epuap_sim.delivery_open(order, at(day(4, 3)))
    with time_machine.travel(at(day(4, 4)), tick=False):
        box_poll(box_address=BOX, transport=office["epuap"].transport)
        deliver_events()
        deliver_receipt_events()
    costs = AccountEntry.objects.filter(account__party=payer, kind=AccountEntry.Kind.REMINDER_COST)
    assert [(e.account.receivable_type.code, e.amount) for e in costs] == [("waste_fee", D("16.00"))]


def test_the_registry_clerk_may_not_record_the_do1_and_nothing_changes(office):
    """Only the clerk with ``taxes.manage_register`` takes the DO-1 into the register; a refusal writes nothing."""
    entry = _send_do1(office)
    before = (WasteDeclaration.objects.count(), AuditEvent.objects.count(), IncomingEntry.objects.get().case_id)
    with pytest.raises(ApplicationError) as refused:
        waste_declaration_from_incoming(actor=office["registry"], entry=entry)
    assert refused.value.code == "forbidden"
    assert (WasteDeclaration.objects.count(), AuditEvent.objects.count(), IncomingEntry.objects.get().case_id) == (
        before
    )
