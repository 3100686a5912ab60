"""Fixtures of the titles area (import them into a test module: ``from tests.finance.conftest_titles import *``).

Reminders are created directly with the ORM (the reminders area builds the real service): a delivered reminder with
one item per installment of real charges on real accounts."""

import datetime
from decimal import Decimal

import pytest

from core import roles
from epuap.pki import ensure_test_pki
from finance.models import Reminder, ReminderItem
from tests.finance.conftest_accounts import *  # noqa: F403

D = Decimal


@pytest.fixture(scope="session")
def titles_pki_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("titles-pki")
    ensure_test_pki(directory, residents=1)
    return directory


@pytest.fixture
def office_pki(titles_pki_dir, settings):
    """The test PKI (CA + office-system credential) as the office's signing key."""
    settings.EPUAP_PKI_DIR = titles_pki_dir
    settings.EPUAP_OFFICE_CREDENTIAL = "office-system"
    return titles_pki_dir


@pytest.fixture
def head(make_user):
    """Kierownik: may sign titles (finance.sign_titles) but not prepare them."""
    return make_user(roles.HEAD_OF_UNIT, username="kierownik-test")


@pytest.fixture
def reminder_for(db):
    """reminder_for(party, accounts, delivered_on=…, status=…, issue_date=…) → a reminder covering every
    installment of the accounts' charges."""

    def _make(party, accounts, *, delivered_on=None, status=Reminder.Status.DELIVERED, issue_date=None, number=None):
        issue_date = issue_date or (delivered_on - datetime.timedelta(days=5) if delivered_on else None)
        reminder = Reminder.objects.create(
            party=party, status=status, reason=Reminder.Reason.THRESHOLD, issue_date=issue_date,
            principal=D("0.00"), interest=D("0.00"), interest_rate=D("10.50"), reminder_cost=D("16.00"),
            delivered_on=delivered_on if status == Reminder.Status.DELIVERED else None,
            number=number or "",
        )  # fmt: skip
        total = D("0.00")
        for account in accounts:
            for charge in account.entries.filter(kind="charge"):
                for inst in charge.installments.order_by("number"):
                    ReminderItem.objects.create(
                        reminder=reminder, account=account, installment=inst, due_date=inst.effective_due_date,
                        principal=inst.amount, interest=D("0.00"), period=f"rata {inst.number}/{account.year}",
                    )  # fmt: skip
                    total += inst.amount
        reminder.principal = total
        reminder.save(update_fields=["principal"])
        return reminder

    return _make
