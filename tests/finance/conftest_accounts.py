"""Fixtures of the accounts area (import them into a test module: ``from tests.finance.conftest_accounts import *``)."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from finance.models import Payment, ReceivableType
from finance.services.accounts import account_get_or_create, charge_post
from tests.factories import PersonFactory

D = Decimal


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-test")


@pytest.fixture
def property_tax(db):
    return ReceivableType.objects.get(code="property_tax_person")


@pytest.fixture
def waste_fee(db):
    return ReceivableType.objects.get(code="waste_fee")


@pytest.fixture
def person(db):
    return PersonFactory()


@pytest.fixture
def charge(accountant):
    """charge(party, type, [(due, amount), ...], value_date=…, year=…) → (account, charge entry)."""

    def _charge(party, receivable_type, installments, *, value_date=None, year=None, co_obligors=()):
        installments = [(due, D(amount)) for due, amount in installments]
        value_date = value_date or min(d for d, _a in installments) - datetime.timedelta(days=30)
        account = account_get_or_create(
            party=party, receivable_type=receivable_type, year=year or installments[0][0].year, co_obligors=co_obligors
        )
        entry = charge_post(
            actor=accountant, account=account, amount=sum(a for _d, a in installments), installments=installments,
            value_date=value_date, description="Decyzja",
        )  # fmt: skip
        return account, entry

    return _charge


@pytest.fixture
def bank_payment(db):
    """An identified bank payment (what the statement import hands to payment_allocate)."""

    def _payment(party, amount, day, indicated_type=None):
        return Payment.objects.create(
            source=Payment.Source.BANK, party=party, amount=D(amount), payment_date=day, received_on=day,
            status=Payment.Status.UNIDENTIFIED, indicated_type=indicated_type,
        )  # fmt: skip

    return _payment
