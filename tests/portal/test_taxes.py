"""Portal "My taxes and fees" (issue 10 point 2): exact figures of a resident with a joint property-tax decision
(one installment paid, one overdue with interest to a fixed today), a waste fee and an arrear of the previous year;
the co-obligor sees the joint decision; another resident sees none of it (404 for the PDF); anonymous → login;
the API gives the same figures; the number of queries does not grow with decisions and installments."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from core import roles
from core.models import AuditEvent
from documents.models import DocumentVersion
from finance.models import BankProfile, Payment, ReceivableType
from finance.selectors_portal import party_accounts_detail
from finance.services.accounts import account_get_or_create, charge_post
from finance.services.payments import payment_allocate
from finance.services.virtual_accounts import virtual_account_for
from taxes.hooks.waste import seed_demo
from taxes.models import (
    Decision,
    DecisionInstallment,
    DecisionItem,
    DecisionTax,
    WasteDecision,
    WasteDeclaration,
    WasteProperty,
)
from taxes.selectors_portal import party_decisions
from taxes.services import decisions as dec_svc
from taxes.services.waste_charges import waste_charges_post
from tests.factories import AddressFactory, PersonFactory
from tests.factories.documents import OutgoingDocumentFactory
from tests.factories.taxes import ObjectVersionFactory, category
from tests.taxes.conftest_decisions import dec_clerk, fn_unit, jrwa_3120  # noqa: F401

D = Decimal
pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 24)
PDF = b"%PDF-1.4\n% portal test decision\n"


def build_decision(party, co_obligors=(), *, year=2025, land=None):
    """A DRAFT property-tax decision: house 120 m² × 1.19 = 142.80, land 5 000 m² × 0.73 = 3 650.00 → 3 792.80 →
    3 793 zł (OP art. 63 §1), installments 948.25 × 4 on 15.03 / 15.05 / 15.09 / 15.11."""
    land = land or D("5000.0000")
    land_amount = (land * D("0.73")).quantize(D("0.0001"))
    exact = D("142.80") + land_amount
    total = exact.quantize(D("1"))
    decision = Decision.objects.create(
        kind=Decision.Kind.ASSESSMENT, number=f"FN.3120.{year}.{party.pk}", party=party, year=year,
        period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31), total=total,
        issue_date=datetime.date(year, 2, 20),
    )  # fmt: skip
    decision.co_obligors.add(*co_obligors)
    house = ObjectVersionFactory(category=category("building_residential"), area=D("120.0000"))
    plot = ObjectVersionFactory(category=category("land_other"), area=land)
    for version, rate, amount in ((house, D("1.19"), D("142.80")), (plot, D("0.73"), land_amount)):
        DecisionItem.objects.create(
            decision=decision, tax="property", object=version.object, version=version,
            category=version.category.code, base=version.area, rate=rate, months=12, amount=amount,
        )  # fmt: skip
    DecisionTax.objects.create(decision=decision, tax="property", exact=exact, amount=total)
    for n, month in enumerate((3, 5, 9, 11), start=1):
        DecisionInstallment.objects.create(
            decision=decision, number=n, due_date=datetime.date(year, month, 15), amount=total / 4
        )
    return decision


@pytest.fixture
def people(db):
    return {"a": PersonFactory(), "b": PersonFactory(), "c": PersonFactory()}


@pytest.fixture
def residents(make_user, people):
    return {k: make_user(roles.RESIDENT, party=p, username=f"resident-{k}") for k, p in people.items()}


@pytest.fixture
def scenario(people, dec_clerk, jrwa_3120, make_user):  # noqa: F811
    """A (with co-obligor B): the 2025 property tax decision delivered 25.02.2025 and posted; installment 1 paid
    10.03.2025 (948.25, indicated as property tax); waste fee for 4 residents composting (E7: 140.00 a month)
    charged January–June 2025, unpaid; a 2024 waste fee arrear of 100.00 due 16.12.2024. Today 24.06.2025."""
    a, b = people["a"], people["b"]
    accountant = make_user(roles.ACCOUNTANT, username="ksiegowa-portal")
    with time_machine.travel(datetime.datetime(2025, 6, 24, 10, 0), tick=False):
        seed_demo()
        decision = dec_svc.decision_hand_over(
            actor=dec_clerk, decision=build_decision(a, [b]), pdf=PDF, xml=b"<decyzja/>"
        )
        dec_svc.decision_delivered(decision_id=decision.pk, delivered_on=datetime.date(2025, 2, 25))
        property_tax = ReceivableType.objects.get(code="property_tax_person")
        payment = Payment.objects.create(
            source=Payment.Source.BANK, party=a, amount=D("948.25"), payment_date=datetime.date(2025, 3, 10),
            received_on=datetime.date(2025, 3, 10), status=Payment.Status.UNIDENTIFIED, indicated_type=property_tax,
        )  # fmt: skip
        payment_allocate(payment=payment)
        prop = WasteProperty.objects.create(identifier="ODP/P-1", address=AddressFactory())
        WasteDeclaration.objects.create(
            property=prop, payer=a, number="DO/1/2025", filed_on=datetime.date(2025, 1, 2),
            effective_from=datetime.date(2025, 1, 1), purpose="first", method="per_resident", residents=4,
            composts=True, status=WasteDeclaration.Status.ACCEPTED,
        )  # fmt: skip
        for month in range(1, 7):
            waste_charges_post(actor=dec_clerk, month=datetime.date(2025, month, 1))
        waste = ReceivableType.objects.get(code="waste_fee")
        old = account_get_or_create(party=a, receivable_type=waste, year=2024)
        charge_post(
            actor=accountant, account=old, amount=D("100.00"),
            installments=[(datetime.date(2024, 12, 16), D("100.00"))], value_date=datetime.date(2024, 12, 1),
            description="Opłata za odpady 12.2024",
        )  # fmt: skip
    return {"decision": Decision.objects.get(pk=decision.pk), "property_tax": property_tax}


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2025, 6, 24, 10, 0), tick=False):
        yield TODAY


def test_year_detail_exact_figures(client, residents, people, scenario, today):
    client.force_login(residents["a"])
    response = client.get("/api/v1/portal/taxes/2025/")
    assert response.status_code == 200
    data = response.json()
    assert data["as_of"] == "2025-06-24"
    # interest (OP art. 53, 63 §1, minimum 8.70 zł per installment, rates 14.5 % to 07.05.2025, 13.5 % from 08.05):
    # property installment 2: 948.25 overdue 16.05–24.06.2025, 40 days × 13.5 % → 14.0289 → 14 zł;
    # waste January: 140.00 overdue 16.01–24.06, 112 days × 14.5 % + 48 days × 13.5 % → 8.7145 → 9 zł (> 8.70);
    # waste February (due 17.02): 79 × 14.5 % + 48 × 13.5 % → 6.88 → 7 ≤ 8.70 → 0; 2024 arrear 100.00 → 7.42 → 0
    assert data["statement"] == {
        "year": 2025, "as_of": "2025-06-24", "assessed": "4633.00", "corrections": "0.00",
        "arrears_previous": "100.00", "interest": "23.00", "costs": "0.00", "paid": "948.25", "overpayment": "0.00",
        "principal": "3684.75", "arrears": "1788.25", "balance": "3707.75", "total_due": "3807.75",
    }  # fmt: skip
    accounts = {e["account"]["receivable_code"]: e for e in data["accounts"]}
    assert set(accounts) == {"property_tax_person", "waste_fee"}
    prop = accounts["property_tax_person"]["account"]
    assert (prop["role"], prop["assessed"], prop["paid"], prop["interest"], prop["balance"]) == (
        "obligor", "3793.00", "948.25", "14.00", "2858.75",
    )  # fmt: skip
    assert [
        (i["number"], i["due_date"], i["effective_due_date"], i["amount"], i["paid"], i["unpaid"], i["interest"],
         i["status"])
        for i in prop["installments"]
    ] == [
        (1, "2025-03-17", "2025-03-17", "948.25", "948.25", "0.00", "0.00", "paid"),
        (2, "2025-05-15", "2025-05-15", "948.25", "0.00", "948.25", "14.00", "overdue"),
        (3, "2025-09-15", "2025-09-15", "948.25", "0.00", "948.25", "0.00", "due"),
        (4, "2025-11-17", "2025-11-17", "948.25", "0.00", "948.25", "0.00", "due"),
    ]  # fmt: skip
    assert [(p["date"], p["amount"], p["principal"], p["interest"], p["overpayment"]) for p in prop["payments"]] == [
        ("2025-03-10", "948.25", "948.25", "0.00", "0.00")
    ]
    waste = accounts["waste_fee"]["account"]
    assert (waste["assessed"], waste["paid"], waste["interest"], waste["balance"], waste["arrears"]) == (
        "840.00", "0.00", "9.00", "849.00", "840.00",
    )  # fmt: skip
    assert [
        (i["due_date"], i["effective_due_date"], i["amount"], i["interest"], i["status"]) for i in waste["installments"]
    ] == [
        ("2025-01-15", "2025-01-15", "140.00", "9.00", "overdue"),
        ("2025-02-15", "2025-02-17", "140.00", "0.00", "overdue"),
        ("2025-03-15", "2025-03-17", "140.00", "0.00", "overdue"),
        ("2025-04-15", "2025-04-15", "140.00", "0.00", "overdue"),
        ("2025-05-15", "2025-05-15", "140.00", "0.00", "overdue"),
        ("2025-06-15", "2025-06-16", "140.00", "0.00", "overdue"),
    ]
    # the decision: calculation table, taxes, installments with the dates after delivery
    [decision] = data["taxes"]["decisions"]
    assert (decision["number"], decision["status"], decision["delivered_on"], decision["total"], decision["role"]) == (
        scenario["decision"].number, "delivered", "2025-02-25", "3793.00", "addressee",
    )  # fmt: skip
    assert decision["pdf_url"] == reverse("portal:taxes-decision-pdf", args=[scenario["decision"].pk])
    assert [(i["category"], i["base"], i["rate"], i["amount"]) for i in decision["items"]] == [
        ("building_residential", "120.0000", "1.1900", "142.8000"),
        ("land_other", "5000.0000", "0.7300", "3650.0000"),
    ]
    assert [(t["tax"], t["exact"], t["amount"]) for t in decision["taxes"]] == [("property", "3792.8000", "3793.00")]
    assert [i["effective_due_date"] for i in decision["installments"]] == [
        "2025-03-17", "2025-05-15", "2025-09-15", "2025-11-17",
    ]  # fmt: skip
    # the waste fee's computation: 4 × 38.00 − 4 × 3.00 = 140.00 a month
    [computation] = data["taxes"]["waste_computations"]
    assert (computation["month"], computation["monthly"], computation["residents"]) == ("2025-01-01", "140.00", 4)
    assert [(line["quantity"], line["rate"], line["amount"]) for line in computation["lines"]] == [
        ("4.0000", "38.00", "152.0000"),
        ("4.0000", "3.00", "-12.0000"),
    ]
    [declaration] = data["taxes"]["declarations"]
    assert (declaration["kind"], declaration["form"], declaration["number"], declaration["status"]) == (
        "waste", "DO-1", "DO/1/2025", "accepted",
    )  # fmt: skip


def test_summary_api_same_figures_and_page(client, residents, scenario, today):
    client.force_login(residents["a"])
    data = client.get("/api/v1/portal/taxes/").json()
    assert [y["year"] for y in data["years"]] == [2025, 2024]
    y2025 = data["years"][0]["statement"]
    assert (y2025["assessed"], y2025["interest"], y2025["paid"], y2025["balance"], y2025["arrears_previous"]) == (
        "4633.00", "23.00", "948.25", "3707.75", "100.00",
    )  # fmt: skip
    assert data["years"][1]["statement"]["balance"] == "100.00"
    assert data["total_due"] == "3807.75"
    page = client.get(reverse("portal:taxes"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "3\xa0807,75\xa0zł" in html  # total due, Polish format
    assert "4\xa0633,00\xa0zł" in html
    assert reverse("portal:taxes-year", args=[2025]) in html
    detail = client.get(reverse("portal:taxes-year", args=[2025]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "24.06.2025" in body
    assert "17.03.2025" in body
    assert "25.02.2025" in body
    assert "2\xa0858,75\xa0zł" in body  # the property tax account: still to pay
    assert 'data-testid="st-total">3\xa0807,75\xa0zł' in body
    assert gettext("overdue") in body
    assert gettext("paid") in body
    assert reverse("portal:taxes-decision-pdf", args=[scenario["decision"].pk]) in body


def test_decision_pdf_own_and_co_obligor_only(client, residents, scenario, today):
    decision = scenario["decision"]
    url = reverse("portal:taxes-decision-pdf", args=[decision.pk])
    for who in ("a", "b"):
        client.force_login(residents[who])
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == PDF
        event = AuditEvent.objects.filter(action="taxes.decision.read").order_by("-id").first()
        assert event.details["channel"] == "portal"
        assert event.actor_id == residents[who].pk
    before = AuditEvent.objects.filter(action="taxes.decision.read").count()
    client.force_login(residents["c"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("portal:taxes-decision-pdf", args=[decision.pk + 1000])).status_code == 404
    assert client.get(reverse("portal:taxes-waste-decision-pdf", args=[decision.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="taxes.decision.read").count() == before


def test_co_obligor_sees_the_joint_decision_not_the_rest(client, residents, scenario, today):
    client.force_login(residents["b"])
    data = client.get("/api/v1/portal/taxes/2025/").json()
    assert [(e["account"]["receivable_code"], e["account"]["role"]) for e in data["accounts"]] == [
        ("property_tax_person", "co_obligor")
    ]
    assert data["statement"]["balance"] == "2858.75"
    assert data["statement"]["arrears_previous"] == "0.00"
    [decision] = data["taxes"]["decisions"]
    assert (decision["id"], decision["role"]) == (scenario["decision"].pk, "co_obligor")
    assert data["taxes"]["waste_computations"] == []
    assert data["taxes"]["declarations"] == []


def test_another_resident_sees_nothing_of_the_first(client, residents, scenario, today):
    client.force_login(residents["c"])
    data = client.get("/api/v1/portal/taxes/2025/").json()
    assert data["accounts"] == []
    assert data["taxes"]["decisions"] == []
    assert data["statement"]["balance"] == "0.00"
    assert client.get("/api/v1/portal/taxes/").json()["years"] == []
    page = client.get(reverse("portal:taxes-year", args=[2025]))
    assert page.status_code == 200
    body = page.content.decode()
    assert scenario["decision"].number not in body
    assert "ODP/P-1" not in body
    assert 'data-testid="no-year-data"' in body


def test_anonymous_and_non_residents_refused(client, scenario, clerk):
    pdf = reverse("portal:taxes-decision-pdf", args=[scenario["decision"].pk])
    for url in (reverse("portal:taxes"), reverse("portal:taxes-year", args=[2025]), pdf):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))
    for url in ("/api/v1/portal/taxes/", "/api/v1/portal/taxes/2025/"):
        assert client.get(url).status_code in (401, 403)
    client.force_login(clerk)
    for url in (reverse("portal:taxes"), reverse("portal:taxes-year", args=[2025]), pdf):
        assert client.get(url).status_code == 403
    assert client.get("/api/v1/portal/taxes/").status_code == 403


def test_year_out_of_range_is_404(client, residents, today):
    client.force_login(residents["a"])
    assert client.get(reverse("portal:taxes-year", args=[99999])).status_code == 404
    assert client.get("/api/v1/portal/taxes/1999/").status_code == 404


def _queries(party, year):
    from portal.views_taxes import summary_data, year_data

    with CaptureQueriesContext(connection) as ctx:
        summary_data(party, as_of=TODAY)
        year_data(party, year=year, as_of=TODAY)
    return len(ctx.captured_queries)


def _deliver(dec_clerk, party, co, year, suffix):  # noqa: F811
    other = build_decision(party, co, year=year, land=D("1000.0000"))
    other.number = f"{other.number}.{suffix}"
    other.save(update_fields=["number"])
    dec_svc.decision_hand_over(actor=dec_clerk, decision=other, pdf=PDF, xml=b"<decyzja/>")
    dec_svc.decision_delivered(decision_id=other.pk, delivered_on=datetime.date(year, 2, 25))


def test_query_count_does_not_grow_with_decisions_and_installments(people, scenario, dec_clerk, today):  # noqa: F811
    a = people["a"]
    _deliver(dec_clerk, a, (), 2024, "s")
    before = {year: _queries(a, year) for year in (2025, 2024)}
    # three more decisions (2024 joint, 2023 sole and joint) with their installments, delivered and posted
    _deliver(dec_clerk, a, (people["c"],), 2024, "j")
    _deliver(dec_clerk, a, (), 2023, "s")
    _deliver(dec_clerk, a, (people["c"],), 2023, "j")
    accounts = party_accounts_detail(a, as_of=TODAY)
    # a joint decision has the unit's own account (taxes.services.decisions.unit_account_ref), a sole one the party's
    assert (len(accounts), sum(len(x.installments) for x in accounts)) == (7, 4 + 6 + 1 + 8 + 8)
    unit = "unit:" + "-".join(str(pk) for pk in sorted((a.pk, people["c"].pk)))
    assert [(x.year, x.source_ref) for x in accounts if x.source_ref == unit] == [(2024, unit), (2023, unit)]
    assert len(party_decisions(a)) == 5
    assert {year: _queries(a, year) for year in (2025, 2024)} == before
    # and the page stays within a small fixed budget
    assert before[2025] <= 40


def test_individual_bank_account_and_qr_code_for_what_is_due(client, residents, people, scenario, today, settings):
    settings.FINANCE_CREDITOR_NIP = "5250001009"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Testowo"
    profile = BankProfile.objects.create(
        code="bank-portal", name="Bank", separator="~", encoding="cp852", virtual_account_field="86_29",
        office_account="12102010260000000000000001", sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    nrb = virtual_account_for(party=people["a"], profile=profile).nrb
    client.force_login(residents["a"])
    data = client.get("/api/v1/portal/taxes/").json()
    assert data["bank_account"] == nrb
    title = f"{gettext('Taxes and fees')} {people['a'].pesel}"[:32]
    assert data["qr_payload"] == f"5250001009|PL|{nrb}|380775|Urząd Gminy Testowo|{title}|||"
    assert [e["nrb"] for y in data["years"] for e in y["accounts"]] == [nrb, nrb, nrb]
    page = client.get(reverse("portal:taxes")).content.decode()
    grouped = " ".join([nrb[:2], *(nrb[i : i + 4] for i in range(2, 26, 4))])  # as on a transfer form
    assert f'data-testid="bank-account">{grouped}<' in page
    year_page = client.get(reverse("portal:taxes-year", args=[2025])).content.decode()
    in_2025 = [e for y in data["years"] if y["year"] == 2025 for e in y["accounts"]]
    assert len(in_2025) == 2
    assert year_page.count(f'<dd class="mono">{grouped}</dd>') == 2  # each account of the year: the same number
    assert 'data-testid="qr"' in page
    # the co-obligor has no individual account yet: no number and no QR code
    client.force_login(residents["b"])
    data = client.get("/api/v1/portal/taxes/").json()
    assert (data["bank_account"], data["qr_payload"], data["total_due"]) == ("", "", "2858.75")


def _waste_decision(payer, status, *, number):
    document = OutgoingDocumentFactory(kind="decision")
    DocumentVersion.objects.create(
        document=document, number=1, pdf=b"%PDF-1.4 waste " + number.encode(), created_by=document.created_by
    )
    prop = WasteProperty.objects.create(identifier=f"ODP/{number}", address=AddressFactory())
    basis = None
    if status == WasteDecision.Status.DELIVERED:
        basis = WasteDeclaration.objects.create(
            property=prop, payer=payer, filed_on=datetime.date(2025, 3, 14), effective_from=datetime.date(2025, 3, 1),
            purpose=WasteDeclaration.Purpose.DECISION, method="per_resident", residents=5,
            status=WasteDeclaration.Status.ACCEPTED,
        )  # fmt: skip
    return WasteDecision.objects.create(
        number=number, property=prop, payer=payer, effective_from=datetime.date(2025, 3, 1), method="per_resident",
        residents=5, justification="Pięć osób zameldowanych.", monthly_fee=D("190.00"), status=status,
        document=document, issue_date=datetime.date(2025, 3, 10), basis=basis,
        delivered_on=datetime.date(2025, 3, 14) if status == WasteDecision.Status.DELIVERED else None,
    )  # fmt: skip


def test_waste_decision_pdf_only_own_and_delivered(client, residents, people, today):
    delivered = _waste_decision(people["a"], WasteDecision.Status.DELIVERED, number="ODP.6o.1.2025")
    issued = _waste_decision(people["a"], WasteDecision.Status.ISSUED, number="ODP.6o.2.2025")
    client.force_login(residents["a"])
    response = client.get(reverse("portal:taxes-waste-decision-pdf", args=[delivered.pk]))
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 waste ODP.6o.1.2025"
    assert response["Content-Disposition"] == 'attachment; filename="ODP.6o.1.2025.pdf"'
    event = AuditEvent.objects.filter(action="taxes.waste_decision.read").get()
    assert (event.actor_id, event.details["channel"]) == (residents["a"].pk, "portal")
    data = client.get("/api/v1/portal/taxes/2025/").json()
    assert [(d["number"], d["monthly_fee"], d["delivered_on"]) for d in data["taxes"]["waste_decisions"]] == [
        ("ODP.6o.1.2025", "190.00", "2025-03-14")
    ]
    assert client.get(reverse("portal:taxes-waste-decision-pdf", args=[issued.pk])).status_code == 404
    client.force_login(residents["c"])
    assert client.get(reverse("portal:taxes-waste-decision-pdf", args=[delivered.pk])).status_code == 404
    assert client.get("/api/v1/portal/taxes/2025/").json()["taxes"]["waste_decisions"] == []
    assert AuditEvent.objects.filter(action="taxes.waste_decision.read").count() == 1


def test_decision_not_yet_delivered_is_not_shown(client, residents, people, dec_clerk, jrwa_3120, today):  # noqa: F811
    decision = dec_svc.decision_hand_over(
        actor=dec_clerk, decision=build_decision(people["a"]), pdf=PDF, xml=b"<decyzja/>"
    )
    assert Decision.objects.get(pk=decision.pk).status == Decision.Status.ISSUED
    client.force_login(residents["a"])
    assert client.get("/api/v1/portal/taxes/2025/").json()["taxes"]["decisions"] == []
    assert client.get(reverse("portal:taxes-decision-pdf", args=[decision.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="taxes.decision.read").exists()


def test_portal_user_without_a_party_gets_403(client, make_user):
    client.force_login(make_user(roles.RESIDENT, username="resident-no-party"))
    assert client.get(reverse("portal:taxes")).status_code == 403
    assert client.get(reverse("portal:taxes-year", args=[2025])).status_code == 403
    assert client.get("/api/v1/portal/taxes/").status_code == 403


def test_pages_and_api_within_a_query_budget(client, residents, scenario, today, django_assert_max_num_queries):
    """Session, user, permissions, the party and its logged read, then a fixed set of reads (24 / 35 / 21 queries
    in this scenario, whatever the number of installments and payments — see the test above)."""
    client.force_login(residents["a"])
    with django_assert_max_num_queries(26):
        assert client.get(reverse("portal:taxes")).status_code == 200
    with django_assert_max_num_queries(37):
        assert client.get(reverse("portal:taxes-year", args=[2025])).status_code == 200
    with django_assert_max_num_queries(23):
        assert client.get("/api/v1/portal/taxes/").status_code == 200


def test_overpayment_shown_with_the_allocation(client, residents, people, scenario, today):
    """B (co-obligor) pays 3 000.00 for the property tax today: installment 2 with its 14 zł interest split
    (art. 55 §2), installments 3 and 4 paid ahead, the rest held as an overpayment — for both co-obligors."""
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=people["b"], amount=D("3000.00"), payment_date=TODAY, received_on=TODAY,
        status=Payment.Status.UNIDENTIFIED, indicated_type=scenario["property_tax"],
    )  # fmt: skip
    payment_allocate(payment=payment)
    for who in ("a", "b"):
        client.force_login(residents[who])
        data = client.get("/api/v1/portal/taxes/2025/").json()
        prop = next(e["account"] for e in data["accounts"] if e["account"]["receivable_code"] == "property_tax_person")
        assert (prop["principal"], prop["interest"], prop["paid"], prop["overpayment"], prop["balance"]) == (
            "0.00", "0.00", "3807.00", "141.25", "-141.25",
        )  # fmt: skip
        assert [i["status"] for i in prop["installments"]] == ["paid", "paid", "paid", "paid"]
        payments = [(p["date"], p["amount"], p["principal"], p["interest"], p["overpayment"]) for p in prop["payments"]]
        assert payments == [
            ("2025-03-10", "948.25", "948.25", "0.00", "0.00"),
            ("2025-06-24", "3000.00", "2844.75", "14.00", "141.25"),
        ]
