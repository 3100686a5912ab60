"""The waste fee demo seeder (issue 9 point 8): properties at the residents' addresses, declarations with
discrepancies, water and contracts imported, findings of each kind for the last full month, charges posted;
a second run adds nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from core import roles
from core.models import AuditEvent
from finance.models import AccountEntry, Installment
from taxes.hooks.waste import seed_demo as seed_resolution
from taxes.hooks.waste_demo import FLOW_ACTION, FLOW_IDENTIFIER, seed_demo
from taxes.models import (
    CollectionContract,
    VerificationFinding,
    WasteDeclaration,
    WasteProperty,
    WaterReading,
)
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory
from tests.factories.population import RegistrationFactory
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2025, 7, 10)
JUNE = datetime.date(2025, 6, 1)


@pytest.fixture
def clerk(make_user):
    seed_resolution()
    return make_user(roles.TAX_CLERK, username="odpady-demo")


@pytest.fixture
def town(db):
    for n in range(30):
        address = AddressFactory(building_number=str(n + 1))
        for _i in range(3):
            RegistrationFactory(address=address, start_date=datetime.date(2020, 1, 1))


def state():
    return (
        WasteProperty.objects.count(),
        WasteDeclaration.objects.count(),
        WaterReading.objects.count(),
        CollectionContract.objects.count(),
        VerificationFinding.objects.count(),
        AccountEntry.objects.filter(source_ref__startswith="waste:").count(),
    )


def test_demo_counts_findings_of_each_kind_and_idempotent(clerk, town):
    seed_demo(actor=clerk, size=25, today=TODAY)
    properties, declarations, readings, contracts, findings, charges = state()
    assert properties == 25
    assert 20 <= declarations < 25  # a few never declared
    assert declarations == WasteDeclaration.objects.filter(status=WasteDeclaration.Status.ACCEPTED).count()
    assert readings == 25 * 3  # three months per meter
    assert contracts >= 1
    assert WaterReading.objects.filter(property__isnull=True).count() == 0
    kinds = set(VerificationFinding.objects.filter(month=JUNE).values_list("kind", flat=True))
    assert kinds == {VerificationFinding.Kind.RESIDENTS, VerificationFinding.Kind.WATER,
                     VerificationFinding.Kind.CONTAINERS}  # fmt: skip
    assert charges == declarations  # one June charge per declared property
    assert WasteProperty.objects.filter(kind=WasteProperty.Kind.MIXED).exists()
    assert WasteDeclaration.objects.filter(residents__lt=3).exists()

    again = seed_demo(actor=clerk, size=25, today=TODAY)
    assert again == (
        "waste demo: 0 new properties, 0 declarations accepted, 0 water readings and 0 contracts imported, "
        "0 new findings for 06.2025, 0 charges posted; flow: skipped (the simulated ePUAP is not set up)"
    )
    assert state() == (properties, declarations, readings, contracts, findings, charges)


def test_demo_composting_share_and_accepted_declarations_charged(clerk, town):
    seed_demo(actor=clerk, size=25, today=TODAY)
    declarations = WasteDeclaration.objects.all()
    composting = declarations.filter(composts=True).count()
    assert 0 < composting < declarations.count()
    assert not WasteDeclaration.objects.exclude(effective_from=datetime.date(2025, 4, 1)).exists()


def test_skipped_without_resolution(make_user, town):
    user = make_user(roles.TAX_CLERK, username="odpady-demo2")
    assert "skipped" in seed_demo(actor=user, size=5, today=TODAY)
    assert state() == (0, 0, 0, 0, 0, 0)


# --- the flow of issue 9 for one property (seed_flow) ------------------------------------------------------------


@pytest.fixture
def demo_office(db, settings, make_user, simulated_platforms):  # noqa: F811
    """The demo's staff as core's seed_demo makes them: FN headed by ``kierownik``, PD (the tax clerk's unit)
    under FN, the registry desk; JRWA 3120 and 3130; the demo bank profile; the waste resolution; the simulated
    ePUAP and e-Doręczenia (the flow talks to them in process)."""
    from finance.hooks.bank import DEMO_PROFILE
    from finance.models import BankProfile

    settings.FINANCE_CREDITOR_NIP = "1234563218"
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    pd = OrgUnitFactory(symbol="PD", name="Referat Podatków i Opłat", parent=fn)
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik-demo-odpady", org_unit=fn)
    fn.head = head
    fn.save(update_fields=["head"])
    clerk = make_user(roles.TAX_CLERK, username="referent-demo-odpady", org_unit=pd)
    make_user(roles.REGISTRY_CLERK, username="kancelaria-demo-odpady")
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    JrwaClassFactory(symbol="3130", title="Upomnienia i tytuły wykonawcze", archival_category="B5")
    BankProfile.objects.update(is_active=False)
    BankProfile.objects.create(**DEMO_PROFILE)
    seed_resolution()
    return {"clerk": clerk, "head": head, "pd": pd}


def flow_state():
    from documents.models import IncomingEntry, OutgoingDocument
    from finance.models import Payment
    from finance.models.collection import Reminder
    from taxes.models import WasteDecision

    return (
        *state(), IncomingEntry.objects.count(), WasteDecision.objects.count(), OutgoingDocument.objects.count(),
        Payment.objects.count(), Reminder.objects.count(), AuditEvent.objects.filter(action=FLOW_ACTION).count(),
    )  # fmt: skip


def test_demo_flow_from_epuap_to_reminder_and_idempotent(demo_office, town):
    from documents.models import IncomingEntry, Shipment
    from finance.models import Payment
    from finance.models.collection import Reminder
    from taxes.models import WasteDecision

    today = timezone.localdate()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    first = (((last - datetime.timedelta(days=1)).replace(day=1)) - datetime.timedelta(days=1)).replace(day=1)
    clerk = demo_office["clerk"]
    summary = seed_demo(actor=clerk, size=25, today=today)

    prop = WasteProperty.objects.get(identifier=FLOW_IDENTIFIER)
    entry = IncomingEntry.objects.get(channel="epuap")
    assert (entry.assigned_unit, entry.assigned_to) == (demo_office["pd"], clerk)
    declaration = WasteDeclaration.objects.get(incoming_entry=entry)
    assert (declaration.property, declaration.purpose, declaration.residents, declaration.effective_from,
            declaration.late) == (prop, "first", 2, first, True)  # fmt: skip
    assert declaration.payer == entry.sender
    finding = VerificationFinding.objects.get(declaration=declaration)
    assert (finding.kind, finding.month, finding.declared_value, finding.evidence_value, finding.status) == (
        "residents", last, D("2"), D("3"), "case_opened")  # fmt: skip
    decision = WasteDecision.objects.get(property=prop)
    assert (decision.status, decision.residents, decision.monthly_fee, decision.effective_from, decision.case) == (
        WasteDecision.Status.DELIVERED, 3, D("114.00"), first, finding.case)  # fmt: skip
    assert decision.delivered_on == today
    shipment = Shipment.objects.get(document=decision.document)
    assert (shipment.channel, shipment.status) == (Shipment.Channel.EPUAP, Shipment.Status.DELIVERED)
    declaration.refresh_from_db()
    assert declaration.superseded_by == decision.basis
    # the register row of the decision; the months charged at 114.00 (the last one corrected from 76.00)
    charges = AccountEntry.objects.filter(account__party=declaration.payer, kind=AccountEntry.Kind.CHARGE)
    by_month: dict = {}  # the month a charge is for (its source_ref) → the total charged
    for charge in charges:
        month = datetime.date.fromisoformat(charge.source_ref.split(":")[2] + "-01")
        by_month[month] = by_month.get(month, D("0")) + charge.amount
    months = sorted(by_month)
    second = (first + datetime.timedelta(days=32)).replace(day=1)
    assert months == [first, second, last, today.replace(day=1)]  # up to the current month
    assert {m: by_month[m] for m in months} == {m: D("114.00") for m in months}
    assert sorted((c.source_ref.split(":", 2)[2], c.amount) for c in charges.filter(value_date=last)) == [
        (f"{last:%Y-%m}", D("76.00"))
    ]  # the last month's first charge, then +38.00 on delivery
    assert charges.get(source_ref__endswith=f"{last:%Y-%m}:correction").amount == D("38.00")
    # the partial payment and the reminder
    payment = Payment.objects.get(party=declaration.payer)
    assert (payment.amount, payment.payment_date) == (D("100.00"), today)
    reminder = Reminder.objects.get(party=declaration.payer)
    assert reminder.status == Reminder.Status.ISSUED
    due = Installment.objects.filter(charge__account__party=declaration.payer, effective_due_date__lt=today)
    assert reminder.principal == sum(i.amount for i in due) - D("100.00")  # the payment went to the oldest
    assert (reminder.reminder_cost, reminder.document.source_app) == (D("16.00"), "finance")
    assert summary.endswith(
        f"flow: {FLOW_IDENTIFIER} DO-1 {entry.rpw_number}, decision {decision.number} delivered (114.00 zł a month), "
        f"paid 100.00 zł, reminder {reminder.number} ({reminder.principal} zł)"
    )

    before = flow_state()
    again = seed_demo(actor=clerk, size=25, today=today)
    assert again.endswith("0 charges posted; flow: already there")
    assert flow_state() == before
