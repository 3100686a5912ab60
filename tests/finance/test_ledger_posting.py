"""The ledger: balanced entries only (code and, on PostgreSQL, a deferred trigger), posting rules as data,
closed periods, reference data loaded at migrate."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core import roles
from core.exceptions import ApplicationError
from finance.models import (
    FinanceParameter,
    InterestRate,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObligorAccount,
    ReceivableType,
)
from finance.services.ledger import Line, journal_post, period_close, post_event
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_reference_data_is_loaded():
    assert ReceivableType.objects.get(code="property_tax_person").rozdzial == "75616"
    assert ReceivableType.objects.get(code="waste_fee").paragraf == "0490"
    latest = InterestRate.objects.filter(kind="standard").latest("valid_from")
    assert (latest.valid_from, latest.rate) == (datetime.date(2026, 3, 5), D("10.500"))
    assert InterestRate.objects.get(kind="reduced", valid_from=datetime.date(2026, 3, 5)).rate == D("5.250")
    assert FinanceParameter.objects.filter(code="interest_minimum").get().value == D("8.70")
    assert set(LedgerAccount.objects.values_list("number", flat=True)) >= {"101", "133", "221", "240", "720"}


def test_charge_is_posted_by_the_rule_with_the_classification():
    account = ObligorAccount.objects.create(
        party=PersonFactory(), receivable_type=ReceivableType.objects.get(code="property_tax_person"), year=2026
    )
    entry = post_event(
        event="charge", component="principal", amount=D("363.00"), date=datetime.date(2026, 3, 2),
        description="Przypis", obligor_account=account,
    )  # fmt: skip
    lines = list(entry.lines.order_by("id").values_list("account__number", "debit", "credit", "obligor_account_id",
                                                          "dzial", "rozdzial", "paragraf"))  # fmt: skip
    assert lines == [
        ("221", D("363.00"), D("0.00"), account.pk, "756", "75616", "0310"),
        ("720", D("0.00"), D("363.00"), None, "756", "75616", "0310"),
    ]
    interest = post_event(
        event="interest", component="interest", amount=D("15.00"), date=datetime.date(2026, 3, 2),
        description="Odsetki", obligor_account=account,
    )  # fmt: skip
    assert set(interest.lines.values_list("paragraf", flat=True)) == {"0910"}


def test_unbalanced_or_one_sided_lines_are_refused_and_nothing_written():
    before = JournalEntry.objects.count()
    with pytest.raises(ApplicationError) as exc:
        journal_post(date=datetime.date(2026, 3, 2), event="x", description="x",
                     lines=[Line("133", debit=D("10")), Line("221", credit=D("9.99"))])  # fmt: skip
    assert exc.value.code == "unbalanced"
    with pytest.raises(ApplicationError):
        journal_post(date=datetime.date(2026, 3, 2), event="x", description="x",
                     lines=[Line("133", debit=D("10"), credit=D("10"))])  # fmt: skip
    assert JournalEntry.objects.count() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deferred balance trigger is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_postgres_refuses_an_unbalanced_entry_at_commit_and_edits_of_lines():
    def unbalanced():
        with transaction.atomic():
            entry = JournalEntry.objects.create(date=datetime.date(2026, 3, 2), event="raw", description="raw")
            JournalLine.objects.create(entry=entry, account=LedgerAccount.objects.get(number="133"), debit=D("5"))

    with pytest.raises(IntegrityError):
        unbalanced()
    assert not JournalEntry.objects.filter(event="raw").exists()
    ok = journal_post(date=datetime.date(2026, 3, 2), event="x", description="x",
                      lines=[Line("133", debit=D("10")), Line("240", credit=D("10"))])  # fmt: skip
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        JournalLine.objects.filter(entry=ok).update(debit=D("11"))


def test_closed_period_takes_no_entries(make_user):
    accountant = make_user(roles.ACCOUNTANT)
    period_close(actor=accountant, year=2025, month=1)
    with pytest.raises(ApplicationError) as exc:
        journal_post(date=datetime.date(2025, 1, 31), event="x", description="x",
                     lines=[Line("133", debit=D("1")), Line("240", credit=D("1"))])  # fmt: skip
    assert exc.value.code == "period_closed"
    journal_post(date=datetime.date(2025, 2, 1), event="x", description="x",
                 lines=[Line("133", debit=D("1")), Line("240", credit=D("1"))])  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        period_close(actor=accountant, year=2025, month=1)
    assert exc.value.code == "already_closed"


def test_a_month_with_entries_must_be_closed_before_a_later_one(make_user):
    accountant = make_user(roles.ACCOUNTANT)
    journal_post(date=datetime.date(2025, 3, 10), event="x", description="x",
                 lines=[Line("133", debit=D("1")), Line("240", credit=D("1"))])  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        period_close(actor=accountant, year=2025, month=4)
    assert exc.value.code == "invalid"
    period_close(actor=accountant, year=2025, month=3)
    period_close(actor=accountant, year=2025, month=4)
