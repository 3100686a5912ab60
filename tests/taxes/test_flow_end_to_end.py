"""Issue 8 "done when", on the services: a resident's IN-1 registered in EZD → declaration → register → rates at
the maxima → mass assessment (create, compute, issue) → decision rendered and handed over to EZD automatically →
signed and dispatched by e-Doręczenia → delivery evidence → DELIVERED with the effective due dates → the charge on
the party's finance account (E1 figures: 727 zł → 181.75 × 4, first installment moved E2-style)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from documents.events import deliver_receipt_events
from documents.models import OutgoingDocument, ReceiptEvent, Shipment
from finance.models import AccountEntry, BankProfile, Installment, ObligorAccount
from finance.selectors import balance
from taxes.hooks.rates import seed_demo
from taxes.models import AssessmentRun, Decision, Declaration, Liability, ObjectVersion
from taxes.services import assessment as runs
from taxes.services import decisions as dec
from taxes.services.declarations import declaration_accept, declaration_from_incoming
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)
from tests.taxes.conftest_declarations import categories, entry_with_xml  # noqa: F401
from tests.taxes.forms import in1_xml

pytestmark = pytest.mark.django_db
D = Decimal
ADE = "AE:PL-51234-56789-KOWJA-11"  # an address known to the simulated e-Doręczenia
YEAR = 2025
ISSUE = datetime.date(2025, 2, 20)
DELIVERED = datetime.date(2025, 3, 6)  # 6.03 + 14 days = 20.03 (Thursday): the 15.03 installment moves


@pytest.fixture
def clerk(make_user):
    """A tax clerk of FN who is also its head (signs FN's documents with the e-seal)."""
    unit = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    return make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="wymiar-e2e", org_unit=unit)


@pytest.fixture
def office(db, settings):
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    BankProfile.objects.create(
        code="bank-gminy", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29,
        office_account="38102010269876540000012345", sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip


@pytest.fixture
def eager_tasks():
    """Celery tasks run at once (the hand-over enqueued on commit)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_in1_to_delivered_decision_and_finance_charge(
    eager_tasks,
    clerk,
    office,
    categories,  # noqa: F811 — the fixture imported above
    simulated_platforms,  # noqa: F811 — the fixture imported above
    django_capture_on_commit_callbacks,
):
    resident = PersonFactory(first_names="Jan", surname="Kowalski", ade_address=ADE)
    xml = in1_xml(
        year=YEAR, purpose="pierwsza", event_date="2024-12-10",
        taxpayer={"pesel": resident.pesel, "first_name": "Jan", "surname": "Kowalski", "title": "wlasciciel",
                  "share": "1/1"},
        objects=[
            {"element": "Grunt", "Obreb": "Testowo", "NrDzialki": "101/2", "Kategoria": "land_other",
             "Powierzchnia": "800.0000"},
            {"element": "Budynek", "Obreb": "Testowo", "NrDzialki": "101/2", "Identyfikator": "B-101",
             "Kategoria": "building_residential", "Powierzchnia": "120.0000"},
        ],
        totals={"PowierzchniaGruntow": "800.0000", "PowierzchniaBudynkow": "120.0000"},
    )  # fmt: skip

    # 1. the EZD entry assigned to the clerk → declaration → accepted into the register
    entry = entry_with_xml(clerk=clerk, content=xml, sender=resident)
    declaration = declaration_from_incoming(actor=clerk, entry=entry)
    assert (declaration.form, declaration.year, declaration.party, declaration.status) == (
        "IN-1", YEAR, resident, Declaration.Status.RECEIVED)  # fmt: skip
    declaration = declaration_accept(actor=clerk, declaration=declaration)
    assert declaration.status == Declaration.Status.ACCEPTED
    versions = ObjectVersion.objects.filter(object__liabilities__party=resident).order_by("area")
    assert [(v.category.code, v.area) for v in versions] == [
        ("building_residential", D("120.0000")), ("land_other", D("800.0000"))]  # fmt: skip
    assert Liability.objects.filter(party=resident).count() == 2

    # 2. rates at the maxima
    seed_demo()

    # 3. mass assessment: create, compute, issue → handed over to EZD on commit
    run = runs.assessment_run_create(actor=clerk, year=YEAR, issue_date=ISSUE)
    run = runs.assessment_run_compute(run_id=run.pk)
    assert run.status == AssessmentRun.Status.DRY_RUN
    proposal = run.proposals.get(party=resident)
    assert proposal.total == D("727.00")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = runs.assessment_run_issue(actor=clerk, run=run)
    assert len(callbacks) == 1  # one chunk (≤ 200 decisions), run eagerly here
    assert run.status == AssessmentRun.Status.ISSUED
    decision = Decision.objects.get(run=run, party=resident)
    assert (decision.status, decision.total, decision.issue_date) == (Decision.Status.ISSUED, D("727.00"), ISSUE)
    assert [(i.number, i.due_date, i.amount) for i in decision.installments.order_by("number")] == [
        (1, datetime.date(2025, 3, 17), D("181.75")),  # 15.03.2025 is a Saturday (OP art. 12 §5)
        (2, datetime.date(2025, 5, 15), D("181.75")),
        (3, datetime.date(2025, 9, 15), D("181.75")),
        (4, datetime.date(2025, 11, 17), D("181.75")),  # 15.11.2025 is a Saturday
    ]
    document = decision.document
    assert (document.kind, document.source_ref, document.status) == (
        "decision", f"decision:{decision.pk}", OutgoingDocument.Status.DRAFT)  # fmt: skip

    # 4. signed and dispatched by e-Doręczenia
    result = dec.decisions_dispatch(actor=clerk, decision_ids=[decision.pk], **simulated_platforms)
    assert result == {"signed": 1, "dispatched": 1, "errors": []}
    shipment = Shipment.objects.get(document=document, party=resident)
    assert (shipment.channel, shipment.status) == ("edoreczenia", "sent")
    document.refresh_from_db()
    assert (document.status, document.signed_by_id) == (OutgoingDocument.Status.DISPATCHED, clerk.pk)
    assert not AccountEntry.objects.filter(account__party=resident).exists()

    # 5. the delivery evidence through the documents' receipt path
    ReceiptEvent.objects.create(shipment=shipment, source_app="taxes", source_ref=document.source_ref,
                                delivered_on=DELIVERED, manner="electronic")  # fmt: skip
    assert deliver_receipt_events() == 1
    decision.refresh_from_db()
    assert (decision.status, decision.delivered_on) == (Decision.Status.DELIVERED, DELIVERED)

    # 6. the finance account: the charge with the effective installments, balance = the tax
    account = ObligorAccount.objects.get(party=resident)
    charges = AccountEntry.objects.filter(account=account, kind=AccountEntry.Kind.CHARGE)
    assert [(c.amount, c.value_date) for c in charges] == [(D("727.00"), DELIVERED)]
    installments = Installment.objects.filter(charge__account=account).order_by("number")
    assert [(i.number, i.due_date, i.amount) for i in installments] == [
        (1, datetime.date(2025, 3, 20), D("181.75")),
        (2, datetime.date(2025, 5, 15), D("181.75")),
        (3, datetime.date(2025, 9, 15), D("181.75")),
        (4, datetime.date(2025, 11, 17), D("181.75")),
    ]
    assert balance(account, as_of=DELIVERED).principal == D("727.00")
