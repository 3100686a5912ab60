"""Fixtures of the changes area (``from tests.taxes.conftest_changes import *``): the 2025 register at the maximum
rates (demo seeder) with E1 (house 120 m² + land 800 m² → 727, 181.75 × 4) and F (only a land of 1 000 m² → 730,
182.50 × 4), the 2025 run issued and both decisions handed over and delivered on 25.02.2025 (due dates 17.03, 15.05,
15.09, 17.11), a legal person and a haulier for the self-assessments."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from core.models import AuditEvent
from finance.models import AccountEntry, BankProfile, Installment
from taxes.hooks.rates import seed_demo
from taxes.models import Decision, Liability, TaxObject
from taxes.services.assessment import assessment_run_create, assessment_run_issue, assessment_run_request_compute
from taxes.services.decisions import decision_delivered, decision_hand_over
from taxes.services.register import object_create
from tests.factories import JrwaClassFactory, OrganisationFactory, OrgUnitFactory, PersonFactory

D = Decimal
JAN = datetime.date(2025, 1, 1)
DELIVERED = datetime.date(2025, 2, 25)
OFFICE_NRB = "38102010269876540000012345"


@pytest.fixture
def ch_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def ch_clerk(make_user, ch_unit):
    return make_user(roles.TAX_CLERK, username="zmiany-test", org_unit=ch_unit)


@pytest.fixture
def ch_accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowy-zmiany-test")


@pytest.fixture
def ch_outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-zmiany-test")


def make_object(actor, kind, parcel, version, holders, valid_from=JAN, identifier=""):
    return object_create(
        actor=actor, kind=kind, precinct="Testowo", parcel=parcel, identifier=identifier,
        version={"valid_from": JAN, **version},
        liabilities=[{"party": p, "role": Liability.Role.OWNER, "valid_from": valid_from} for p in holders],
    )  # fmt: skip


@pytest.fixture
def register_2025_ch(db, ch_clerk, settings):
    settings.FINANCE_CREDITOR_NIP = "1234563218"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Testowo"
    seed_demo()
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    BankProfile.objects.create(
        code="bank-gminy", name="Bank Gminy", separator="~", encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29, office_account=OFFICE_NRB,
        sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip
    e1 = PersonFactory(surname="Ejeden")
    f = PersonFactory(surname="Efjeden")
    K = TaxObject.Kind
    objects = {
        "house": make_object(ch_clerk, K.BUILDING, "1/1", {"category": "building_residential", "area": D("120")}, [e1]),
        "land": make_object(ch_clerk, K.LAND, "1/2", {"category": "land_other", "area": D("800")}, [e1]),
        "f_land": make_object(ch_clerk, K.LAND, "5/1", {"category": "land_other", "area": D("1000")}, [f]),
    }
    return {"e1": e1, "f": f, "objects": objects}


@pytest.fixture
def delivered_2025(register_2025_ch, ch_clerk):
    """The 2025 run issued, E1's and F's decisions handed over and delivered on 25.02.2025."""
    run = assessment_run_create(actor=ch_clerk, year=2025, issue_date=datetime.date(2025, 2, 10))
    run = assessment_run_request_compute(actor=ch_clerk, run=run)
    assessment_run_issue(actor=ch_clerk, run=run)
    result = dict(register_2025_ch)
    for key in ("e1", "f"):
        decision = Decision.objects.get(run=run, party=register_2025_ch[key])
        decision_hand_over(actor=ch_clerk, decision=decision)
        result[f"{key}_decision"] = decision_delivered(decision_id=decision.pk, delivered_on=DELIVERED)
    return result


@pytest.fixture
def company(db):
    return OrganisationFactory(name="Fabryka Testowa sp. z o.o.")


def charges(party, **where):
    """[(amount, source_ref, [(due, amount), ...])] of the party's charges, in booking order."""
    rows = []
    for entry in AccountEntry.objects.filter(account__party=party, kind=AccountEntry.Kind.CHARGE, **where).order_by(
        "pk"
    ):
        plan = [(i.due_date, i.amount) for i in Installment.objects.filter(charge=entry).order_by("number")]
        rows.append((entry.amount, entry.source_ref, plan))
    return rows


def counts() -> tuple[int, ...]:
    """(decisions, account entries, audit events) — unchanged after a refusal."""
    return Decision.objects.count(), AccountEntry.objects.count(), AuditEvent.objects.count()
