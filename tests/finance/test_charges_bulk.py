"""Bulk posting of charges (finance.services.charges_bulk): exactly what charge_post writes, in a few queries; the
checks of charge_post refuse the whole batch and write nothing; accounts fetched and created in bulk."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance.models import AccountEntry, Installment, JournalEntry, JournalLine, ObligorAccount, ReceivableType
from finance.services.accounts import account_get_or_create, charge_post
from finance.services.charges_bulk import ChargeDraft, accounts_get_or_create_many, charges_post_many
from finance.services.ledger import period_close
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
D = Decimal
MARCH = datetime.date(2025, 3, 1)


@pytest.fixture
def waste_fee():
    return ReceivableType.objects.get(code="waste_fee")


def _rows():
    """Entries with their installments and journal lines, without ids (accounts as (party, year))."""
    out = []
    for e in AccountEntry.objects.select_related("account", "journal_entry").order_by("pk"):
        lines = [
            (x.account.number, x.debit, x.credit,
             x.obligor_account_id == e.account_id if x.obligor_account_id else None, x.dzial, x.rozdzial, x.paragraf)
            for x in e.journal_entry.lines.select_related("account").order_by("pk")
        ]  # fmt: skip
        out.append((
            (e.account.party_id, e.account.year), e.kind, e.component, e.amount, e.value_date, e.booked_on,
            e.description, e.source_ref, e.created_by_id,
            list(e.installments.order_by("number").values_list("number", "due_date", "effective_due_date", "amount")),
            (e.journal_entry.date, e.journal_entry.event, e.journal_entry.description, e.journal_entry.created_by_id),
            lines,
        ))  # fmt: skip
    return out


def _drafts(accounts):
    first, second = accounts
    return [
        ChargeDraft(account=first, amount=D("140.00"), installments=((datetime.date(2025, 3, 15), D("140.00")),),
                    value_date=MARCH, description="Opłata 03.2025", source_ref="bulk:1"),
        ChargeDraft(account=second, amount=D("300.00"), value_date=MARCH, description="Dwie raty", source_ref="bulk:2",
                    installments=((datetime.date(2025, 9, 15), D("100.00")), (datetime.date(2025, 5, 1), D("200.00")))),
        ChargeDraft(account=first, amount=D("0.01"), installments=((datetime.date(2025, 4, 30), D("0.01")),),
                    value_date=datetime.date(2025, 4, 1), description="x" * 600),
    ]  # fmt: skip


def test_bulk_writes_exactly_what_charge_post_writes(make_user, waste_fee):
    clerk = make_user(roles.TAX_CLERK)
    parties = [PersonFactory(), PersonFactory()]
    accounts = [account_get_or_create(party=p, receivable_type=waste_fee, year=2025) for p in parties]
    with transaction.atomic():
        ids = charges_post_many(actor=clerk, drafts=_drafts(accounts), source="test")
        bulk = _rows()
        assert ids == list(AccountEntry.objects.order_by("pk").values_list("pk", flat=True))
        audit = AuditEvent.objects.get(action="finance.charges.posted")
        assert audit.details == {
            "source": "test", "charges": 3, "amount": "440.01", "accounts": 2, "installments": 4, "entries": ids,
        }  # fmt: skip
        transaction.set_rollback(True)
    for draft in _drafts(accounts):
        charge_post(
            actor=clerk, account=draft.account, amount=draft.amount, installments=list(draft.installments),
            value_date=draft.value_date, description=draft.description, source_ref=draft.source_ref,
        )  # fmt: skip
    single = _rows()
    assert bulk == single
    # 15.03.2025 Saturday → 17.03; 1.05.2025 holiday → 2.05; installments ordered by due date
    assert bulk[1][9] == [
        (1, datetime.date(2025, 5, 1), datetime.date(2025, 5, 2), D("200.00")),
        (2, datetime.date(2025, 9, 15), datetime.date(2025, 9, 15), D("100.00")),
    ]
    assert bulk[0][11] == [("221", D("140.00"), D("0.00"), True, "900", "90002", "0490"),
                           ("720", D("0.00"), D("140.00"), None, "900", "90002", "0490")]  # fmt: skip
    assert len(bulk[2][6]) == 500
    assert len(bulk[2][10][2]) == 300


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"amount": D("1.005"), "installments": ((MARCH, D("1.005")),)}, "Amounts are in złoty and grosze."),
        ({"amount": D("10.00"), "installments": ()}, "A charge needs at least one installment."),
        ({"amount": D("10.00"), "installments": ((MARCH, D("9.00")),)}, "The installments add up to 9.00, not 10.00."),
        ({"amount": D("-1.00"), "installments": ((MARCH, D("-1.00")),)}, "The amount must be positive."),
    ],
)
def test_one_bad_draft_refuses_the_batch_and_writes_nothing(waste_fee, bad, message):
    from django.utils.translation import gettext

    account = account_get_or_create(party=PersonFactory(), receivable_type=waste_fee, year=2025)
    good = ChargeDraft(account=account, amount=D("5.00"), installments=((MARCH, D("5.00")),), value_date=MARCH,
                       description="ok")  # fmt: skip
    wrong = ChargeDraft(account=account, value_date=MARCH, description="bad", **bad)
    before = (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceValidationError) as refused:
        charges_post_many(actor=None, drafts=[good, wrong])
    if "add up" in message:
        assert refused.value.message == gettext("The installments add up to %(sum)s, not %(amount)s.") % {
            "sum": "9.00", "amount": "10.00"}  # fmt: skip
    else:
        assert refused.value.message == gettext(message)
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == before


def test_closed_period_and_permission_refuse_everything(make_user, waste_fee):
    account = account_get_or_create(party=PersonFactory(), receivable_type=waste_fee, year=2025)
    accountant = make_user(roles.ACCOUNTANT)
    period_close(actor=accountant, year=2025, month=1)
    drafts = [
        ChargeDraft(account=account, amount=D("5.00"), installments=((MARCH, D("5.00")),), value_date=MARCH,
                    description="ok"),
        ChargeDraft(account=account, amount=D("5.00"), installments=((MARCH, D("5.00")),),
                    value_date=datetime.date(2025, 1, 31), description="closed"),
    ]  # fmt: skip
    before = (AccountEntry.objects.count(), Installment.objects.count(), JournalLine.objects.count())
    with pytest.raises(ApplicationError) as refused:
        charges_post_many(actor=None, drafts=drafts)
    assert refused.value.code == "period_closed"
    registry = make_user(roles.REGISTRY_CLERK)
    with pytest.raises(ApplicationError) as forbidden:
        charges_post_many(actor=registry, drafts=drafts[:1])
    assert forbidden.value.code == "forbidden"
    assert (AccountEntry.objects.count(), Installment.objects.count(), JournalLine.objects.count()) == before
    assert charges_post_many(actor=None, drafts=[]) == []


def test_accounts_fetched_and_created_in_bulk(waste_fee):
    parties = [PersonFactory() for _ in range(3)]
    existing = account_get_or_create(party=parties[0], receivable_type=waste_fee, year=2025, source_app="taxes")
    other_year = account_get_or_create(party=parties[1], receivable_type=waste_fee, year=2024)
    events = AuditEvent.objects.count()
    found = accounts_get_or_create_many(
        party_ids=[p.pk for p in parties] + [parties[0].pk], receivable_type=waste_fee, year=2025, source_app="taxes"
    )
    assert set(found) == {p.pk for p in parties}
    assert found[parties[0].pk].pk == existing.pk
    assert found[parties[1].pk].pk != other_year.pk
    created = [found[parties[1].pk].pk, found[parties[2].pk].pk]
    assert AuditEvent.objects.count() == events + 1
    audit = AuditEvent.objects.get(action="finance.accounts.created")
    assert (audit.details["accounts"], audit.details["year"], audit.details["source_app"]) == (created, 2025, "taxes")
    assert ObligorAccount.objects.get(pk=created[1]).source_app == "taxes"
    again = accounts_get_or_create_many(party_ids=[p.pk for p in parties], receivable_type=waste_fee, year=2025)
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in found.items()}
    assert AuditEvent.objects.count() == events + 1
    assert accounts_get_or_create_many(party_ids=[], receivable_type=waste_fee, year=2025) == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the deferred balance trigger is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_committed_bulk_passes_the_balance_trigger():
    waste_fee = ReceivableType.objects.get(code="waste_fee")
    accounts = [account_get_or_create(party=PersonFactory(), receivable_type=waste_fee, year=2025) for _ in range(2)]
    ids = charges_post_many(actor=None, drafts=_drafts(accounts))  # its own transaction, committed
    assert AccountEntry.objects.filter(pk__in=ids).count() == 3
    assert JournalLine.objects.filter(entry__account_entries__pk__in=ids).count() == 6
