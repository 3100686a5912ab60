"""Decisions determining the waste fee (ucpg art. 6o; issue 9 point 5): the data proposed from a verification
finding, the draft with its refusals (nothing written), the hand-over to EZD (PDF + XML), the delivery through the
receipt path (the fee register row, the superseded declaration, finance corrected and the missing months charged),
a later change of data ending the decision, the screens and the API."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext as _
from lxml import etree

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from documents.events import deliver_receipt_events
from documents.models import Case, OutgoingDocument, ReceiptEvent, Shipment
from epuap import crd
from finance.models import AccountEntry, BankProfile, Installment
from taxes.hooks.waste import seed_demo
from taxes.models import VerificationFinding, WasteDecision, WasteDeclaration, WasteProperty
from taxes.services import waste_decisions as svc
from taxes.services.waste_charges import waste_charges_post
from taxes.services.waste_declarations import waste_declaration_accept, waste_declaration_record
from taxes.services.waste_verify import finding_open_case, waste_verify
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.factories.population import RegistrationFactory
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)

D = Decimal
pytestmark = pytest.mark.django_db
JAN, JUNE, JULY, AUG, SEPT, OCT = (datetime.date(2025, m, 1) for m in (1, 6, 7, 8, 9, 10))
TODAY = datetime.datetime(2025, 8, 20, 10, 0)
DELIVERED = datetime.date(2025, 8, 25)
NS = {"w": svc.XML_NS}


@pytest.fixture(autouse=True)
def _today(request):
    if "simulated_platforms" in request.fixturenames:  # the test PKI's certificates are valid from the real today
        yield
        return
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def fn_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def clerk(make_user, fn_unit):
    seed_demo()  # resolution XIV/98/2024: 38.00 zł per resident, composting −3.00, monthly by the 15th
    return make_user(roles.TAX_CLERK, username="odpady-decyzje", org_unit=fn_unit)


@pytest.fixture
def outsider(make_user, fn_unit):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-odpady", org_unit=fn_unit)


@pytest.fixture
def jrwa(db):
    return JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")


@pytest.fixture
def house(clerk):
    """Declared per resident, 2 people, from January 2025 (76.00 zł a month); 5 people registered."""
    prop = WasteProperty.objects.create(identifier="ODP/0100", address=AddressFactory(building_number="7"))
    declaration = WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), number="DO/100/2025", filed_on=datetime.date(2025, 1, 10),
        effective_from=JAN, method="per_resident", residents=2, status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    for _i in range(5):
        RegistrationFactory(address=prop.address)
    return declaration


@pytest.fixture
def finding(house, clerk, jrwa):
    """The residents finding of June 2025 (2 declared, 5 registered) turned into a case."""
    waste_verify(month=JUNE)
    found = VerificationFinding.objects.get(kind=VerificationFinding.Kind.RESIDENTS)
    return finding_open_case(actor=clerk, finding=found)


def counts():
    return (
        WasteDecision.objects.count(),
        WasteDeclaration.objects.count(),
        Case.objects.count(),
        AuditEvent.objects.count(),
    )


def deliver(decision, clerk, delivered_on=DELIVERED, number=1):
    document = decision.document
    shipment = Shipment.objects.create(document=document, party=decision.payer, year=delivered_on.year,
                                       number=number, created_by=clerk)  # fmt: skip
    ReceiptEvent.objects.create(shipment=shipment, source_app="taxes", source_ref=document.source_ref,
                                delivered_on=delivered_on, manner="electronic")  # fmt: skip
    return deliver_receipt_events()


def waste_entries(prop):
    refs = [f"waste:{pk}:" for pk in WasteDeclaration.objects.filter(property=prop).values_list("pk", flat=True)]
    rows = AccountEntry.objects.filter(source_ref__startswith="waste:").order_by("pk")
    return [(e.kind, e.amount, e.source_ref) for e in rows if any(e.source_ref.startswith(r) for r in refs)]


# --- suggest and draft ----------------------------------------------------------------------------------------------


def test_suggest_from_a_residents_finding(finding, house):
    data = svc.waste_decision_suggest(finding=finding)
    assert data["property"] == house.property
    assert (data["payer"], data["finding"], data["declaration"]) == (house.payer, finding, house)
    assert (data["effective_from"], data["method"], data["residents"], data["estimated"]) == (
        JUNE, "per_resident", 5, False,
    )  # fmt: skip
    assert (data["selective"], data["composts"], data["exemptions"], data["containers"]) == (True, False, [], [])
    assert data["justification"] == _(
        "According to the residents register, %(registered)s persons were registered at the address of the property "
        "on %(date)s, while the declaration %(number)s states %(declared)s. The fee is determined for the number of "
        "residents registered."
    ) % {"registered": 5, "date": "01.06.2025", "number": "DO/100/2025", "declared": "2"}


def test_suggest_from_a_water_finding_is_an_estimate(house, clerk):
    from taxes.services.waste_verify import water_import

    address = house.property.address
    line = f"{address.street.full_name} {address.building_number}, 05-123 {address.locality.name}"
    water_import(actor=clerk, content=f"meter_point;address;period;m3\nW-1;{line};2025-06;30\n".encode(),
                 file_name="w.csv")  # fmt: skip
    waste_verify(month=JUNE)
    finding = VerificationFinding.objects.get(kind=VerificationFinding.Kind.WATER)
    data = svc.waste_decision_suggest(finding=finding)
    assert (data["method"], data["residents"], data["estimated"]) == ("per_resident", 8, True)
    assert "30" in data["justification"]
    assert "8" in data["justification"]


def test_draft_from_a_residents_finding_five_times_38(finding, house, clerk):
    audits = AuditEvent.objects.count()
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    assert decision.status == WasteDecision.Status.DRAFT
    assert decision.monthly_fee == D("190.00")  # 5 × 38.00
    assert decision.number == "ODP-D/2025/00001"
    assert (decision.effective_from, decision.residents, decision.payer, decision.case) == (
        JUNE, 5, house.payer, finding.case,
    )  # fmt: skip
    assert (decision.finding, decision.declaration, decision.created_by) == (finding, house, clerk)
    assert AuditEvent.objects.count() == audits + 1
    event = AuditEvent.objects.get(action="taxes.waste_decision.draft")
    assert (event.details["monthly_fee"], event.details["case"]) == ("190.00", finding.case.mark)
    # effective_from is normalised to the 1st; the next serial
    decision2 = svc.waste_decision_cancel(actor=clerk, decision=decision, reason="Błędny miesiąc.")
    assert (decision2.status, decision2.cancel_reason) == ("cancelled", "Błędny miesiąc.")
    other = svc.waste_decision_draft(
        actor=clerk, property=house.property, declaration=house, effective_from=datetime.date(2025, 7, 19),
        justification="Szacunek.", method="per_resident", residents=4, composts=True, estimated=True,
    )  # fmt: skip
    assert (other.number, other.effective_from, other.monthly_fee, other.payer) == (
        "ODP-D/2025/00002", JULY, D("140.00"), house.payer,  # 4 × (38.00 − 3.00), payer of the declaration
    )  # fmt: skip


def test_draft_without_declaration_opens_a_case(clerk, jrwa):
    prop = WasteProperty.objects.create(identifier="ODP/0300", address=AddressFactory(building_number="3"))
    payer = PersonFactory()
    decision = svc.waste_decision_draft(
        actor=clerk, property=prop, payer=payer, effective_from=JULY, justification="Brak deklaracji.",
        method="per_resident", residents=3,
    )  # fmt: skip
    assert decision.monthly_fee == D("114.00")
    case = decision.case
    assert (case.jrwa.symbol, list(case.parties.all())) == ("3120", [payer])
    assert case.title == _("Waste fee: decision determining the fee for %(property)s") % {"property": "ODP/0300"}


def test_draft_refusals_write_nothing(finding, house, clerk, outsider):
    data = svc.waste_decision_suggest(finding=finding)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        svc.waste_decision_draft(actor=clerk, **{**data, "justification": "   "})
    assert exc.value.errors == {"justification": [_("Give the justification: the evidence or the grounds of the "
                                                    "estimate.")]}  # fmt: skip
    with pytest.raises(ServiceValidationError) as exc:
        svc.waste_decision_draft(actor=clerk, **{**data, "residents": None})
    assert exc.value.errors == {"missing": [_("The method %(method)s needs %(data)s.") % {
        "method": _("per resident"), "data": _("the number of residents")}]}  # fmt: skip
    with pytest.raises(ServiceValidationError) as exc:
        svc.waste_decision_draft(actor=clerk, **{**data, "method": "per_m3", "water_m3": "12.5"})
    assert list(exc.value.errors) == ["method"]
    with pytest.raises(ServiceValidationError) as exc:
        svc.waste_decision_draft(actor=clerk, **{**data, "effective_from": datetime.date(2024, 6, 1)})
    assert exc.value.errors == {"effective_from": [_("No waste fee resolution is in force on %(date)s.") % {
        "date": "01.06.2024"}]}  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        svc.waste_decision_draft(actor=outsider, **data)
    assert exc.value.code == "forbidden"
    assert counts() == before
    first = svc.waste_decision_draft(actor=clerk, **data)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        svc.waste_decision_draft(actor=clerk, **data)
    assert exc.value.errors == {"property": [_(
        "The property %(property)s already has the decision %(number)s (%(status)s); finish or cancel it first."
    ) % {"property": "ODP/0100", "number": first.number, "status": _("draft")}]}  # fmt: skip
    assert counts() == before


def test_cancel_needs_a_reason_and_only_a_draft(finding, clerk):
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    before = counts()
    with pytest.raises(ServiceValidationError):
        svc.waste_decision_cancel(actor=clerk, decision=decision, reason="")
    assert counts() == before
    svc.waste_decision_issue(actor=clerk, decision=decision)
    with pytest.raises(ApplicationError) as exc:
        svc.waste_decision_cancel(actor=clerk, decision=decision, reason="Za późno.")
    assert exc.value.code == "invalid_transition"
    assert WasteDecision.objects.get(pk=decision.pk).status == "issued"


# --- issue ----------------------------------------------------------------------------------------------------------


def test_issue_hands_over_one_document_with_pdf_and_xml(finding, clerk):
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    issued = svc.waste_decision_issue(actor=clerk, decision=decision)
    assert (issued.status, issued.issue_date) == ("issued", datetime.date(2025, 8, 20))
    document = issued.document
    assert (document.source_app, document.source_ref, document.kind, document.case_id) == (
        "taxes", f"waste-decision:{decision.pk}", "decision", finding.case_id,
    )  # fmt: skip
    assert list(document.recipients.all()) == [decision.payer]
    version = document.versions.get(number=1)
    attached = {a.file_name: (a.mime, a.content) for a in crd.parse_document(bytes(version.xml)).attachments}
    assert [m for m, _c in attached.values()].count("application/pdf") == 1
    mime, xml = attached["ODP-D-2025-00001.xml"]
    assert mime == "application/xml"
    root = etree.fromstring(xml)
    text = {tag: root.findtext(f"w:{tag}", namespaces=NS) for tag in ("Number", "IssueDate", "FeeFrom", "MonthlyFee")}
    assert text == {"Number": "ODP-D/2025/00001", "IssueDate": "2025-08-20", "FeeFrom": "2025-06-01",
                    "MonthlyFee": "190.00"}  # fmt: skip
    assert root.findtext("w:Data/w:Residents", namespaces=NS) == "5"
    found = root.findall("w:Computation/w:Line", namespaces=NS)
    lines = [(ln.get("kind"), ln.get("quantity"), ln.get("rate"), ln.text) for ln in found]
    assert lines == [("base", "5", "38", "190")]
    assert root.findtext("w:Payment/w:DueDay", namespaces=NS) == "15"
    assert root.find("w:Finding", namespaces=NS).get("kind") == "residents"
    assert "art. 6o ust. 1" in root.findtext("w:LegalBasis/w:Provision", namespaces=NS)
    # idempotent: a second issue returns the same document
    again = svc.waste_decision_issue(actor=clerk, decision=decision)
    assert again.document_id == document.pk
    assert OutgoingDocument.objects.filter(source_app="taxes").count() == 1
    assert AuditEvent.objects.filter(action="taxes.waste_decision.issued").count() == 1


def test_pdf_shows_the_fee_and_the_instruction(finding, clerk):
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    html = svc.decision_html(svc.decision_view(decision))
    for text in (
        "OKREŚLAJĄCA WYSOKOŚĆ OPŁATY",
        "art. 6o ust. 1 ustawy z dnia 13 września 1996 r.",
        "190,00",
        "Samorządowego Kolegium Odwoławczego",
        "14 dni",
        "do 15. dnia",
        "06.2025",
        decision.number,
    ):
        assert text in html, text
    pdf = svc.waste_decision_document_read(actor=clerk, decision=decision, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="taxes.waste_decision.read").count() == 1


def test_issue_refused_without_permission(finding, clerk, outsider):
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    before = (counts(), OutgoingDocument.objects.count())
    with pytest.raises(ApplicationError) as exc:
        svc.waste_decision_issue(actor=outsider, decision=decision)
    assert exc.value.code == "forbidden"
    assert (counts(), OutgoingDocument.objects.count()) == before
    assert WasteDecision.objects.get(pk=decision.pk).status == "draft"


# --- delivery ---------------------------------------------------------------------------------------------------------


def test_delivery_enters_the_register_corrects_and_posts_once(finding, house, clerk):
    prop = house.property
    waste_charges_post(actor=clerk, month=JUNE)
    waste_charges_post(actor=clerk, month=JULY)
    assert waste_entries(prop) == [
        ("charge", D("76.00"), f"waste:{house.pk}:2025-06"),
        ("charge", D("76.00"), f"waste:{house.pk}:2025-07"),
    ]
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    decision = svc.waste_decision_issue(actor=clerk, decision=decision)
    assert deliver(decision, clerk) == 1
    decision.refresh_from_db()
    assert (decision.status, decision.delivered_on) == ("delivered", DELIVERED)
    row = decision.basis
    assert (row.purpose, row.status, row.number, row.filed_on, row.effective_from) == (
        "decision", "accepted", decision.number, DELIVERED, JUNE,
    )  # fmt: skip
    assert (row.method, row.residents, row.payer, row.case, row.previous, row.payload) == (
        "per_resident", 5, house.payer, finding.case, house, {"decision": decision.pk},
    )  # fmt: skip
    house.refresh_from_db()
    assert house.superseded_by == row
    # June and July corrected by 114.00 each (190.00 − 76.00) on their original due dates, August charged at 190.00
    assert waste_entries(prop) == [
        ("charge", D("76.00"), f"waste:{house.pk}:2025-06"),
        ("charge", D("76.00"), f"waste:{house.pk}:2025-07"),
        ("charge", D("114.00"), f"waste:{row.pk}:2025-06:correction"),
        ("charge", D("114.00"), f"waste:{row.pk}:2025-07:correction"),
        ("charge", D("190.00"), f"waste:{row.pk}:2025-08"),
    ]
    due = dict(
        Installment.objects.filter(charge__source_ref__startswith=f"waste:{row.pk}:").values_list(
            "charge__source_ref", "due_date"
        )
    )
    assert due == {
        f"waste:{row.pk}:2025-06:correction": datetime.date(2025, 6, 15),
        f"waste:{row.pk}:2025-07:correction": datetime.date(2025, 7, 15),
        f"waste:{row.pk}:2025-08": datetime.date(2025, 8, 15),
    }
    # a second receipt changes nothing
    before = (counts(), AccountEntry.objects.count())
    deliver(decision, clerk, datetime.date(2025, 8, 27), number=2)
    decision.refresh_from_db()
    assert decision.delivered_on == DELIVERED
    assert (counts(), AccountEntry.objects.count()) == before


def test_a_later_change_ends_the_decision(finding, house, clerk):
    decision = svc.waste_decision_issue(
        actor=clerk, decision=svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    )
    deliver(decision, clerk)
    row = WasteDecision.objects.get(pk=decision.pk).basis
    change = waste_declaration_record(
        actor=clerk, property=house.property, payer=house.payer, filed_on=datetime.date(2025, 10, 5),
        effective_from=OCT, purpose=WasteDeclaration.Purpose.CHANGE, method="per_resident", residents=3,
    )  # fmt: skip
    assert change.previous == row
    waste_declaration_accept(actor=clerk, declaration=change)
    row.refresh_from_db()
    assert row.superseded_by == change
    with time_machine.travel(datetime.datetime(2025, 10, 20, 10, 0), tick=False):
        waste_charges_post(actor=clerk, month=SEPT)
        waste_charges_post(actor=clerk, month=OCT)
    entries = waste_entries(house.property)
    assert entries[-2:] == [
        ("charge", D("190.00"), f"waste:{row.pk}:2025-09"),  # the decision before the change
        ("charge", D("114.00"), f"waste:{change.pk}:2025-10"),  # the new declaration after it: 3 × 38.00
    ]


def test_a_change_accepted_before_delivery_stays_in_force_from_its_month(finding, house, clerk):
    """A change from August accepted while the decision (from June) was on its way: the decision applies to June and
    July only (art. 6o ust. 2: until the change of data); August keeps the change's fee."""
    decision = svc.waste_decision_issue(
        actor=clerk, decision=svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    )
    change = waste_declaration_record(
        actor=clerk, property=house.property, payer=house.payer, filed_on=datetime.date(2025, 8, 5),
        effective_from=AUG, purpose=WasteDeclaration.Purpose.CHANGE, method="per_resident", residents=3,
    )  # fmt: skip
    waste_declaration_accept(actor=clerk, declaration=change)
    waste_charges_post(actor=clerk, month=JUNE)
    waste_charges_post(actor=clerk, month=JULY)
    waste_charges_post(actor=clerk, month=AUG)
    deliver(decision, clerk)
    row = WasteDecision.objects.get(pk=decision.pk).basis
    change.refresh_from_db()
    assert (row.previous, row.superseded_by, change.superseded_by) == (house, change, None)
    assert waste_entries(house.property) == [
        ("charge", D("76.00"), f"waste:{house.pk}:2025-06"),
        ("charge", D("76.00"), f"waste:{house.pk}:2025-07"),
        ("charge", D("114.00"), f"waste:{change.pk}:2025-08"),  # 3 × 38.00
        ("charge", D("114.00"), f"waste:{row.pk}:2025-06:correction"),
        ("charge", D("114.00"), f"waste:{row.pk}:2025-07:correction"),
    ]


def test_delivery_of_a_property_without_declaration_posts_every_month(clerk, jrwa):
    prop = WasteProperty.objects.create(identifier="ODP/0400", address=AddressFactory(building_number="4"))
    decision = svc.waste_decision_draft(
        actor=clerk, property=prop, payer=PersonFactory(), effective_from=JUNE, justification="Brak deklaracji.",
        method="per_resident", residents=2, composts=True,
    )  # fmt: skip
    svc.waste_decision_issue(actor=clerk, decision=decision)
    svc.waste_decision_delivered(decision_id=decision.pk, delivered_on=DELIVERED)
    row = WasteDecision.objects.get(pk=decision.pk).basis
    assert row.previous is None
    assert waste_entries(prop) == [
        ("charge", D("70.00"), f"waste:{row.pk}:2025-{m:02d}")
        for m in (6, 7, 8)  # 2 × (38.00 − 3.00)
    ]
    event = AuditEvent.objects.get(action="taxes.waste_decision.finance")
    assert (event.details["posted"], event.details["errors"]) == (3, [])


def test_receipt_handler_ignores_other_refs(finding, clerk):
    decision = svc.waste_decision_issue(
        actor=clerk, decision=svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    )

    class Event:
        source_ref = f"decision:{decision.pk}"
        delivered_on = DELIVERED

    svc.on_waste_decision_receipt(Event())
    assert WasteDecision.objects.get(pk=decision.pk).status == "issued"
    Event.source_ref = f"waste-decision:{decision.pk}"
    svc.on_waste_decision_receipt(Event())
    assert WasteDecision.objects.get(pk=decision.pk).status == "delivered"


def test_dispatch_needs_an_issued_decision(finding, clerk):
    decision = svc.waste_decision_draft(actor=clerk, **svc.waste_decision_suggest(finding=finding))
    with pytest.raises(ApplicationError) as exc:
        svc.waste_decision_dispatch(actor=clerk, decision=decision)
    assert exc.value.code == "not_issued"


# --- screens --------------------------------------------------------------------------------------------------------


def test_screens(client, finding, clerk, outsider):
    client.force_login(clerk)
    create = reverse("taxes:waste-decision-create")
    page = client.get(f"{create}?finding={finding.pk}")
    assert page.status_code == 200
    assert page.context["form"].initial["residents"] == 5
    data = {
        "party_query": "", "payer": finding.declaration.payer_id, "effective_from": "2025-06-01",
        "method": "per_resident", "residents": "5", "households": "", "water_m3": "", "dwelling_m2": "",
        "selective": "on", "exemptions": "", "containers": "", "justification": "Zameldowanych 5 osób.",
    }  # fmt: skip
    refused = client.post(f"{create}?finding={finding.pk}", {**data, "justification": ""})
    assert refused.status_code == 422
    assert WasteDecision.objects.count() == 0
    response = client.post(f"{create}?finding={finding.pk}", data)
    decision = WasteDecision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("taxes:waste-decision-detail", args=[decision.pk])
    assert (decision.monthly_fee, decision.finding) == (D("190.00"), finding)
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert "190,00" in detail.content.decode()
    assert client.get(reverse("taxes:waste-decision-list")).status_code == 200
    assert client.get(reverse("taxes:waste-decision-list") + "?status=draft").context["page"].paginator.count == 1
    assert client.get(reverse("taxes:waste-decision-list") + "?status=issued").context["page"].paginator.count == 0
    assert client.post(reverse("taxes:waste-decision-issue", args=[decision.pk])).status_code == 302
    assert WasteDecision.objects.get().status == "issued"
    xml = client.get(reverse("taxes:waste-decision-document", args=[decision.pk, "xml"]))
    assert (xml.status_code, xml["Content-Type"]) == (200, "application/xml")
    client.force_login(outsider)
    detail_url = reverse("taxes:waste-decision-detail", args=[decision.pk])
    for url in (create, reverse("taxes:waste-decision-list"), detail_url):
        assert client.get(url).status_code == 403


def test_create_screen_from_a_property(client, house, clerk):
    client.force_login(clerk)
    page = client.get(reverse("taxes:waste-decision-create") + f"?property={house.property_id}")
    assert page.status_code == 200
    assert (page.context["form"].initial["residents"], page.context["form"].initial["payer"]) == (2, house.payer_id)


# --- API ------------------------------------------------------------------------------------------------------------


def test_api(client, finding, clerk, outsider):
    client.force_login(clerk)
    base = "/api/v1/taxes/waste/decisions/"
    suggested = client.get(f"{base}suggest/?finding={finding.pk}")
    assert suggested.status_code == 200
    body = suggested.json()
    assert (body["residents"], body["method"], body["effective_from"], body["monthly_fee"]) == (
        5, "per_resident", "2025-06-01", "190.00",
    )  # fmt: skip
    payload = {k: body[k] for k in ("property", "payer", "finding", "declaration", "effective_from", "method",
                                    "residents", "selective", "composts", "exemptions", "containers", "estimated",
                                    "justification")}  # fmt: skip
    bad = client.post(base, {**payload, "justification": ""}, content_type="application/json")
    assert bad.status_code == 400
    assert "justification" in bad.json()["errors"]
    assert WasteDecision.objects.count() == 0
    created = client.post(base, payload, content_type="application/json")
    assert created.status_code == 201
    decision = created.json()
    assert (decision["monthly_fee"], decision["status"], decision["number"]) == ("190.00", "draft", "ODP-D/2025/00001")
    assert client.get(base + "?status=draft").json()[0]["id"] == decision["id"]
    detail = client.get(f"{base}{decision['id']}/").json()
    assert [line["amount"] for line in detail["computation"]] == ["190.00"]
    issued = client.post(f"{base}{decision['id']}/issue/")
    assert (issued.status_code, issued.json()["status"]) == (200, "issued")
    cancel = client.post(f"{base}{decision['id']}/cancel/", {"reason": "x"}, content_type="application/json")
    assert cancel.status_code == 400
    client.force_login(outsider)
    assert client.get(base).status_code == 403
    assert client.post(base, payload, content_type="application/json").status_code == 403
    assert WasteDecision.objects.count() == 1


def test_suggest_from_a_containers_finding(clerk):
    from taxes.services.waste_verify import contracts_import

    prop = WasteProperty.objects.create(
        identifier="ODP/0200", address=AddressFactory(building_number="12A"), kind=WasteProperty.Kind.NON_RESIDENTIAL
    )
    WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), number="DO/200/2025", filed_on=datetime.date(2025, 1, 10),
        effective_from=JAN, containers=[{"capacity_l": 120, "frequency": 2, "count": 1}],
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    a = prop.address
    line = f"{a.street.full_name} {a.building_number}, 05-123 {a.locality.name}"
    contracts_import(actor=clerk, file_name="umowy.csv", content=(
        f"address;capacity_l;frequency;count;valid_from;valid_to\n{line};240;2;1;2025-01-01;\n").encode())  # fmt: skip
    waste_verify(month=JUNE)
    finding = VerificationFinding.objects.get(kind=VerificationFinding.Kind.CONTAINERS)
    data = svc.waste_decision_suggest(finding=finding)
    assert (data["method"], data["containers"]) == ("", [{"capacity_l": 240, "frequency": 2, "count": 1}])
    assert svc.suggested_fee(data).total == D("52.00")
    assert data["justification"] == _(
        "The waste collection contracts valid on %(date)s provide for %(evidence)s litres of containers a "
        "month, while the declaration %(number)s states %(declared)s litres. The fee is determined for the "
        "contracted containers."
    ) % {"date": "01.06.2025", "evidence": "480", "number": "DO/200/2025", "declared": "240"}


def test_cottage_decision_determines_the_annual_fee(clerk, jrwa):
    prop = WasteProperty.objects.create(
        identifier="ODP/0500", address=AddressFactory(building_number="5"), kind=WasteProperty.Kind.COTTAGE
    )
    decision = svc.waste_decision_draft(
        actor=clerk, property=prop, payer=PersonFactory(), effective_from=JULY, justification="Domek letniskowy.",
    )  # fmt: skip
    assert decision.monthly_fee == D("0.00")
    view = svc.decision_view(decision)
    assert (view.fee.annual, view.cottage) == (D("180.00"), True)
    root = etree.fromstring(svc.decision_xml(view))
    assert (root.findtext("w:MonthlyFee", namespaces=NS), root.findtext("w:AnnualFee", namespaces=NS)) == (
        "0.00", "180.00",
    )  # fmt: skip
    assert "180,00" in svc.decision_html(view)


def test_dispatch_signs_and_sends_by_post_with_the_individual_account(
    make_user,
    fn_unit,
    jrwa,
    settings,
    simulated_platforms,  # noqa: F811
):
    seed_demo()
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    head = make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="odpady-kierownik", org_unit=fn_unit)
    fn_unit.head = head
    fn_unit.save(update_fields=["head"])
    BankProfile.objects.create(
        code="bank-gminy", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29,
        office_account="38102010269876540000012345", sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    prop = WasteProperty.objects.create(identifier="ODP/0600", address=AddressFactory(building_number="6"))
    payer = PersonFactory()
    decision = svc.waste_decision_draft(
        actor=head, property=prop, payer=payer, effective_from=AUG, justification="Brak deklaracji.",
        method="per_resident", residents=1,
    )  # fmt: skip
    decision = svc.waste_decision_issue(actor=head, decision=decision)
    root = etree.fromstring(svc.waste_decision_document_read(actor=head, decision=decision, fmt="xml"))
    account = root.findtext("w:Payment/w:BankAccount", namespaces=NS)
    assert len(account) == 26
    assert root.findtext("w:Payment/w:QrPayload", namespaces=NS).startswith(f"1234563218|PL|{account}|003800|")
    svc.waste_decision_dispatch(actor=head, decision=decision, **simulated_platforms)
    document = OutgoingDocument.objects.get(pk=decision.document_id)
    assert document.status == "signed"  # registered post: the postal book is next
    assert list(Shipment.objects.filter(document=document).values_list("channel", "party")) == [
        (Shipment.Channel.POST_REGISTERED, payer.pk)
    ]
    assert AuditEvent.objects.filter(action="taxes.waste_decision.dispatched").count() == 1
