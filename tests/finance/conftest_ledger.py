"""Fixtures of the ledger-area tests (imported by ``tests/finance/test_ledger*.py`` and ``test_refunds*.py``).

The clock is pinned to 20.03.2026 (``today``): refunds are booked on the day they are ordered and a month can be
closed only when it is over, so the tests do not depend on the real date.
"""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine

from core import roles
from finance.models import AccountEntry, BankProfile, ObligorAccount, Payment, ReceivableType
from finance.services.ledger import post_event
from tests.factories import PersonFactory

D = Decimal
TODAY = datetime.date(2026, 3, 20)
OFFICE_NRB = "38102010269876540000012345"  # domain reference §10.2 example (valid)
PAYER_NRB = "61109010140000071219812874"  # domain reference §11 test vector (valid)


@pytest.fixture
def today():
    noon = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    with time_machine.travel(noon, tick=False):
        yield TODAY


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-test")


@pytest.fixture
def tax_clerk_user(make_user):
    return make_user(roles.TAX_CLERK, username="referent-ledger")


@pytest.fixture
def bank_profile(db):
    return BankProfile.objects.create(
        code="bank-gminy",
        name="Bank Gminy",
        separator="~",
        encoding="cp852",
        virtual_account_field=BankProfile.VirtualAccountField.SUBFIELD_29,
        office_account=OFFICE_NRB,
        sort_code="10201026",
        client_prefix="987654",
        id_length=10,
    )


@pytest.fixture
def obligor_account(db):
    party = PersonFactory(first_names="Jan", surname="Nowak")
    return ObligorAccount.objects.create(
        party=party, receivable_type=ReceivableType.objects.get(code="property_tax_person"), year=2026
    )


def book_overpayment(account, amount, *, day, payer_account=PAYER_NRB):
    """A bank payment with nothing to pay on the account: all of it becomes an overpayment (what the payments
    service books: Payment, journal 133/221 on the analytic account and an ``overpayment`` entry)."""
    payment = Payment.objects.create(
        source=Payment.Source.BANK,
        party=account.party,
        amount=amount,
        payment_date=day,
        received_on=day,
        payer_account=payer_account,
        title="wpłata",
        status=Payment.Status.ALLOCATED,
    )
    journal = post_event(
        event="payment_bank",
        component="overpayment",
        amount=amount,
        date=day,
        description="Nadpłata",
        obligor_account=account,
    )
    AccountEntry.objects.create(
        account=account,
        kind=AccountEntry.Kind.OVERPAYMENT,
        component=AccountEntry.Component.OVERPAYMENT,
        amount=amount,
        value_date=day,
        booked_on=day,
        payment=payment,
        journal_entry=journal,
    )
    return payment
