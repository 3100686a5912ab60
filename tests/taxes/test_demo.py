"""The taxes demo (issue 8 point 11): the register seeder (mix of objects, co-owners, spouses, history, idempotent),
last year's decisions (issued, delivered, final, posted to finance, mostly paid) and the current year's dry run over
that register (changes and anomaly flags). A small size (60 households) keeps it fast; the demo uses 2 000."""

import datetime
import importlib
from collections import Counter
from decimal import Decimal

import pytest

from core import roles
from core.models import AuditEvent, Party
from finance.models import ObligorAccount, Payment
from taxes.hooks.rates import seed_demo as seed_rates
from taxes.models import AssessmentRun, Decision, Liability, ObjectVersion, TaxObject
from taxes.services.assessment import assessment_run_compute, assessment_run_create
from tests.factories import LocalityFactory
from tests.taxes.conftest_assessment import bank_profile  # noqa: F401

register_demo = importlib.import_module("taxes.hooks.register")
decisions_demo = importlib.import_module("taxes.hooks.demo_decisions")

SIZE = 60
D = Decimal


@pytest.fixture
def demo_clerk(make_user):
    return make_user(roles.TAX_CLERK, username="referent-demo-test")


@pytest.fixture
def demo_register(db, demo_clerk, settings):
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Testowo"
    LocalityFactory()
    seed_rates()
    summary = register_demo.seed_demo(actor=demo_clerk, size=SIZE, year=2026)
    return summary


def _state():
    return (TaxObject.objects.count(), ObjectVersion.objects.count(), Liability.objects.count(),
            Party.objects.count(), AuditEvent.objects.count())  # fmt: skip


def test_register_mix_history_and_idempotent(demo_register, demo_clerk):
    assert demo_register == "taxes-register: 149 tax objects for 60 households and 0 organisations"
    kinds = Counter(TaxObject.objects.values_list("kind", flat=True))
    assert kinds == {"land": 70, "building": 64, "agricultural": 11, "forest": 2, "vehicle": 2}
    # the taxpayers: created here (the test database has no demo persons), 2 of them without an address
    persons = Party.objects.filter(kind=Party.Kind.PERSON)
    assert persons.count() == SIZE + 12 + 2
    assert persons.filter(registered_address__isnull=True).count() == 2
    roles_ = Counter(Liability.objects.values_list("role", flat=True))
    assert roles_ == {"owner": 146, "spouse": 24, "co_owner": 7}
    co_owned = Counter(
        Liability.objects.filter(role="co_owner").values_list("object_id", "share_denominator").distinct()
    )
    assert sorted(d for _o, d in co_owned) == [2, 2, 3]
    # history: objects from 1.01.2025; this year a purchase, an extension, a sale, a pasture without a multiplier
    assert ObjectVersion.objects.filter(valid_from=datetime.date(2025, 1, 1)).count() == 144
    assert ObjectVersion.objects.filter(valid_from__year=2025).count() == 146  # two bought in the middle of 2025
    assert ObjectVersion.objects.filter(valid_from__year=2026).count() == 4
    assert ObjectVersion.objects.filter(valid_to__year=2026).count() == 2  # the extended flat, the sold land
    assert ObjectVersion.objects.filter(land_type="pasture").count() == 1
    vehicles = ObjectVersion.objects.filter(object__kind="vehicle").order_by("object__identifier")
    assert [(v.object.identifier, v.category.code, v.vehicle_seats) for v in vehicles] == [
        ("WMG10011", "bus_22_plus", 30), ("WMG10044", "truck_5_5_9", None)]  # fmt: skip
    before = _state()
    assert register_demo.seed_demo(actor=demo_clerk, size=SIZE, year=2026).startswith("taxes-register: 0 tax objects")
    assert _state() == before


def test_last_year_decisions_and_this_year_dry_run(demo_register, demo_clerk, bank_profile):  # noqa: F811
    summary = decisions_demo.seed_demo(actor=demo_clerk, year=2025)
    run = AssessmentRun.objects.get(year=2025)
    assert run.status == AssessmentRun.Status.ISSUED
    decisions = Decision.objects.filter(run=run)
    count = decisions.count()
    assert count > SIZE * 0.9
    assert summary.startswith(f"taxes-decisions: run 2025: {count} decisions issued and delivered, {count} final")
    # delivered between 17.02 and 16.03.2025, final after the appeal period, posted to finance
    assert set(decisions.values_list("status", flat=True)) == {Decision.Status.FINAL}
    assert decisions.filter(document__isnull=True, posted_at__isnull=False).count() == count
    days = set(decisions.values_list("delivered_on", flat=True))
    assert min(days) == datetime.date(2025, 2, 17)
    assert max(days) <= datetime.date(2025, 3, 16)
    assert ObligorAccount.objects.filter(source_app="taxes", year=2025).count() >= count
    paid = Payment.objects.filter(status=Payment.Status.ALLOCATED)
    assert paid.count() > count
    assert paid.filter(payment_date__year=2025).count() == paid.count()
    # delivered on 10.03, less than 14 days before 15.03 (a Saturday → 17.03): the first installment 14 days later
    late = decisions.filter(delivered_on=datetime.date(2025, 3, 10))
    assert late.exists()
    assert {d.installments.get(number=1).effective_due_date for d in late} == {datetime.date(2025, 3, 24)}
    # most, not all, of last year's tax is paid: arrears remain in finance
    taxes_total = sum(decisions.values_list("total", flat=True))
    paid_total = sum(paid.values_list("amount", flat=True))
    assert taxes_total * D("0.8") < paid_total < taxes_total
    assert AuditEvent.objects.filter(action="taxes.demo.decisions_issued").count() == 1
    # idempotent
    before = (Decision.objects.count(), Payment.objects.count(), AuditEvent.objects.count())
    assert decisions_demo.seed_demo(actor=demo_clerk, year=2025) == "taxes-decisions: 2025 already issued"
    assert (Decision.objects.count(), Payment.objects.count(), AuditEvent.objects.count()) == before

    # the clerk's dry run of 2026 over the demo register: last year's totals, changes and anomalies
    dry = assessment_run_compute(run_id=assessment_run_create(actor=demo_clerk, year=2026).pk)
    counts = dry.summary["counts"]
    assert counts["change"] > 0
    assert counts["below_threshold"] == 1
    assert counts["co_owner_no_address"] >= 1
    assert counts["no_rate"] == 1
    assert D(dry.summary["previous_total"]) == sum(decisions.values_list("total", flat=True))
    assert D(dry.summary["total"]) > D(dry.summary["previous_total"])
