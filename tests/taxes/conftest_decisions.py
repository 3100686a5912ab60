"""Fixtures of the decisions area (``from tests.taxes.conftest_decisions import *``): a tax clerk of FN with the
JRWA class 3120 and a factory of issued-to-be decisions with the amounts of example E1 (727 zł, 181.75 × 4)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from taxes.models import Decision, DecisionInstallment, DecisionItem, DecisionTax
from tests.factories import JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.factories.taxes import ObjectVersionFactory, category

D = Decimal
ACCOUNT = "12345678901234567890123456"


@pytest.fixture
def fn_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def dec_clerk(make_user, fn_unit):
    return make_user(roles.TAX_CLERK, username="wymiar-test", org_unit=fn_unit)


@pytest.fixture
def jrwa_3120(db):
    return JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")


def installment_dates(year: int) -> list[datetime.date]:
    return [datetime.date(year, m, 15) for m in (3, 5, 9, 11)]


@pytest.fixture
def make_decision(db):
    """make_decision(year=2024, number=..., co_obligors=(), taxes=None) → a DRAFT decision: E1 items (house 120 m² ×
    1.19 = 142.80, land 800 m² × 0.73 = 584.00), tax 727, installments 181.75 × 4 on 15.03/15.05/15.09/15.11.
    ``taxes`` = [(tax, amount), ...] and ``installments`` = [amount, ...] override the E1 figures."""

    def _make(year=2024, number=None, party=None, co_obligors=(), taxes=None, installments=None):
        party = party or PersonFactory()
        taxes = taxes or [("property", D("727.00"))]
        total = sum(a for _t, a in taxes)
        decision = Decision.objects.create(
            kind=Decision.Kind.ASSESSMENT, number=number or f"FN.3120.{year}.{party.pk}", party=party, year=year,
            period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31), total=total,
            issue_date=datetime.date(year, 2, 20), bank_account=ACCOUNT,
            qr_payload=f"1234567890|PL|{ACCOUNT}|{int(total * 100):06d}|Urząd Gminy|Podatek {year}|||",
        )  # fmt: skip
        decision.co_obligors.add(*co_obligors)
        house = ObjectVersionFactory(category=category("building_residential"), area=D("120.0000"))
        land = ObjectVersionFactory(category=category("land_other"), area=D("800.0000"))
        for version, rate, amount in ((house, D("1.19"), D("142.80")), (land, D("0.73"), D("584.00"))):
            DecisionItem.objects.create(
                decision=decision, tax="property", object=version.object, version=version,
                category=version.category.code, base=version.area, rate=rate, months=12, amount=amount,
            )  # fmt: skip
        for tax, amount in taxes:
            DecisionTax.objects.create(decision=decision, tax=tax, exact=amount, amount=amount)
        amounts = installments or [total / 4] * 4
        for n, (due, amount) in enumerate(zip(installment_dates(year), amounts, strict=True), start=1):
            DecisionInstallment.objects.create(decision=decision, number=n, due_date=due, amount=amount)
        return decision

    return _make
