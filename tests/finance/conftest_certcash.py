"""Fixtures of the certificates and cash desk area.

Import explicitly: ``from tests.finance.conftest_certcash import *``."""

import datetime

import pytest

from core import roles
from core.models import AuditEvent
from finance.models import AccountEntry, CashDesk, CashReceipt, Certificate, JournalEntry, JournalLine, Payment
from tests.factories import OrgUnitFactory
from tests.finance.conftest_accounts import *  # noqa: F403 — property_tax, person, charge, accountant, ...

D = datetime.date


@pytest.fixture
def pd_unit(db):
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    return OrgUnitFactory(symbol="PD", name="Referat Podatków i Opłat", parent=fn)


@pytest.fixture
def certifier(make_user, pd_unit):
    return make_user(roles.TAX_CLERK, username="referent-zaswiadczenia", org_unit=pd_unit)


@pytest.fixture
def cashier(make_user, pd_unit):
    return make_user(roles.ACCOUNTANT, username="kasjerka", org_unit=pd_unit)


@pytest.fixture
def desk(db):
    return CashDesk.objects.create(code="K1", name="Kasa główna")


def counts() -> tuple:
    """What a refusal must leave unchanged."""
    return (
        AccountEntry.objects.count(), JournalEntry.objects.count(), JournalLine.objects.count(),
        AuditEvent.objects.count(), Payment.objects.count(), CashReceipt.objects.count(),
        Certificate.objects.count(),
    )  # fmt: skip


def journal_lines(entry: JournalEntry) -> list[tuple]:
    return [
        (x.account.number, x.debit, x.credit, x.dzial, x.rozdzial, x.paragraf)
        for x in entry.lines.select_related("account").order_by("id")
    ]
