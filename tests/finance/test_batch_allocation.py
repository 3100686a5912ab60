"""The batch allocation of a statement (``payments_allocate_batch``) gives exactly what ``payment_allocate`` gives
for each payment one after the other: the same entries per payment, the same balances as of any date, the same
journal totals per ledger account, obligor account and classification — while writing one collective journal entry
per date and event and one audit event."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as s

from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance import selectors
from finance.domain import nrb
from finance.models import (
    AccountEntry,
    AccountingPeriod,
    JournalEntry,
    JournalLine,
    Payment,
    ReceivableType,
    StatementLine,
    VirtualAccount,
)
from finance.services import ledger
from finance.services.accounts import account_get_or_create, charge_post, reminder_cost_post
from finance.services.payments import payment_allocate, payments_allocate_batch
from finance.services.statements import statement_import
from tests.factories import PersonFactory
from tests.finance.conftest_bank import *  # noqa: F403 — the bank profile fixture
from tests.finance.conftest_bank import OFFICE_TILDE, write_mt940

pytestmark = pytest.mark.django_db

D = Decimal
d = datetime.date
DAY = d(2025, 6, 20)
AS_OF = (d(2025, 3, 1), d(2025, 6, 20), d(2025, 6, 21), d(2025, 9, 30), d(2026, 1, 31))

# A world: parties; accounts (owner, type, [(due, amount)], co-obligors, reminder cost?); payments (party, amount,
# date, indicated type or None). Built twice — once for each way of allocating.
PARTIES = 4
ACCOUNTS = [
    (0, "property_tax_person", [(d(2025, 3, 17), "500.00"), (d(2025, 9, 15), "500.00")], [], False),
    (1, "property_tax_person", [(d(2025, 3, 17), "1000.00")], [], True),
    (1, "waste_fee", [(d(2025, 3, 17), "90.00"), (d(2025, 5, 15), "90.00"), (d(2025, 8, 15), "90.00")], [], False),
    (2, "property_tax_person", [(d(2025, 3, 17), "800.00"), (d(2025, 9, 15), "800.00")], [3], False),
    (3, "property_tax_person", [(d(2025, 5, 15), "300.00")], [], False),
]
PAYMENTS = [
    (0, "300.00", DAY, None),
    (1, "500.00", DAY, None),
    (0, "1000.00", DAY, None),  # pays the rest; an overpayment
    (1, "150.00", DAY, "waste_fee"),  # indicated: the waste fee arrear first
    (3, "700.00", DAY, None),  # a co-obligor: his own arrear, then the joint one
    (2, "123.45", DAY, None),  # the owner of the joint account: sees the co-obligor's payment
    (3, "2000.00", DAY, None),
]


def _build(accounts, n_parties):
    types = {t.code: t for t in ReceivableType.objects.all()}
    parties = [PersonFactory() for _n in range(n_parties)]
    built = []
    for owner, code, installments, co, cost in accounts:
        account = account_get_or_create(
            party=parties[owner], receivable_type=types[code], year=2025, co_obligors=[parties[c] for c in co]
        )
        charge_post(
            actor=None, account=account, amount=sum(D(a) for _d, a in installments), description="Decyzja",
            installments=[(due, D(a)) for due, a in installments], value_date=d(2025, 2, 1),
        )  # fmt: skip
        if cost:
            reminder_cost_post(actor=None, account=account, value_date=d(2025, 4, 1))
        built.append(account)
    return parties, built


def _payment(party, amount, day, indicated):
    return Payment.objects.create(
        source=Payment.Source.BANK, party=party, amount=D(amount), payment_date=day, received_on=day,
        status=Payment.Status.UNIDENTIFIED,
        indicated_type=ReceivableType.objects.get(code=indicated) if indicated else None,
    )  # fmt: skip


def _sequentially(parties, payments):
    """What the import did before: payment_allocate for each, in (payment date, line) order."""
    made = [_payment(parties[i], a, day, t) for i, a, day, t in payments]
    for p in sorted(made, key=lambda p: (p.payment_date, made.index(p))):
        payment_allocate(payment=p)
    return made


def _entries(payments, accounts):
    """Per payment: (kind, component, amount, account index, installment number) of its entries, in order."""
    index = {a.pk: n for n, a in enumerate(accounts)}
    out = []
    for p in payments:
        rows = AccountEntry.objects.filter(payment=p).select_related("installment").order_by("id")
        out.append(
            [
                (e.kind, e.component, e.amount, index[e.account_id], e.installment.number if e.installment else None)
                for e in rows
            ]
        )
    return out


def _balances(accounts):
    return [[selectors.balance(a, as_of=day) for day in AS_OF] for a in accounts]


def _journal(payments, accounts):
    """Σ debit and credit per (ledger account, obligor account index, dział, rozdział, paragraf) of the journal
    entries of the payments' account entries."""
    index = {a.pk: n for n, a in enumerate(accounts)}
    ids = set(AccountEntry.objects.filter(payment__in=payments).values_list("journal_entry_id", flat=True))
    sums = defaultdict(lambda: [D("0.00"), D("0.00")])
    for line in JournalLine.objects.filter(entry_id__in=ids).select_related("account", "entry"):
        key = (line.entry.event, line.account.number, index.get(line.obligor_account_id), line.dzial, line.rozdzial,
               line.paragraf)  # fmt: skip
        sums[key][0] += line.debit
        sums[key][1] += line.credit
    return dict(sums)


def _same(seq, batch):
    (seq_payments, seq_accounts), (batch_payments, batch_accounts) = seq, batch
    assert _entries(batch_payments, batch_accounts) == _entries(seq_payments, seq_accounts)
    assert _balances(batch_accounts) == _balances(seq_accounts)
    assert _journal(batch_payments, batch_accounts) == _journal(seq_payments, seq_accounts)
    assert [p.status for p in Payment.objects.filter(pk__in=[p.pk for p in batch_payments])] == ["allocated"] * len(
        batch_payments
    )


# --- the statement imported both ways ------------------------------------------------------------------------


def _virtual_accounts(profile, parties, first):
    return [
        VirtualAccount.objects.create(
            nrb=nrb.build(sort_code="10201026", client_prefix="987654", identifier=first + n, id_length=10),
            party=party,
            profile=profile,
            identifier=first + n,
        )
        for n, party in enumerate(parties)
    ]


def test_statement_import_books_what_one_by_one_allocation_books(profile_tilde):
    seq_parties, seq_accounts = _build(ACCOUNTS, PARTIES)
    seq_payments = _sequentially(seq_parties, [(i, a, day, None) for i, a, day, _t in PAYMENTS])

    parties, accounts = _build(ACCOUNTS, PARTIES)
    vas = _virtual_accounts(profile_tilde, parties, 500)
    text = write_mt940(
        account=OFFICE_TILDE, reference="BATCH-1", sequence="1", day=DAY,
        movements=[(D(a), vas[i].nrb, f"wplata {n}") for n, (i, a, _day, _t) in enumerate(PAYMENTS)],
    )  # fmt: skip
    audit_before = AuditEvent.objects.count()
    summary = statement_import(actor=None, profile=profile_tilde, data=text.encode("cp852"))
    assert (summary.matched, summary.unidentified) == (7, 0)
    lines = StatementLine.objects.filter(statement_id=summary.statements[0]).order_by("index")
    batch_payments = [line.payment for line in lines]

    _same((seq_payments, seq_accounts), (batch_payments, accounts))
    # one collective entry per event of the day (interest charged; payments), one audit event for the payments
    entries = JournalEntry.objects.filter(account_entries__payment__in=batch_payments).distinct()
    assert sorted(entries.values_list("event", flat=True)) == ["interest", "payment_bank"]
    assert AuditEvent.objects.count() - audit_before == 2  # the statement and its payments
    event = AuditEvent.objects.get(action="finance.payments.allocated")
    assert event.details["payments"] == 7
    assert event.details["amount"] == "4773.45"
    # no money created or lost: all that came in is allocated or an overpayment
    booked = AccountEntry.objects.filter(payment__in=batch_payments).exclude(kind=AccountEntry.Kind.INTEREST)
    assert sum(e.amount for e in booked) == D("4773.45")
    # party 0: 300 on 20.06.2025 against the arrear of 500 (due 17.03) with 18 zł interest: 300 × 500/518 = 289.58
    # principal + 10.42 interest; then 1000: the rest of the arrear (210.42 + 7.58), installment 2 and 282.00 over
    pr, it, al, ov = "principal", "interest", "allocation", "overpayment"
    assert _entries([batch_payments[0], batch_payments[2]], accounts) == [
        [(al, pr, D("289.58"), 0, 1), (it, it, D("10.42"), 0, 1), (al, it, D("10.42"), 0, 1)],
        [(al, pr, D("210.42"), 0, 1), (it, it, D("7.58"), 0, 1), (al, it, D("7.58"), 0, 1),
         (al, pr, D("500.00"), 0, 2), (ov, ov, D("282.00"), 0, None)],
    ]  # fmt: skip
    assert selectors.balance(accounts[0], as_of=DAY) == selectors.Balance(
        D("0.00"), D("0.00"), D("0.00"), D("282.00"), D("0.00")
    )


def test_batch_with_several_dates_keeps_payment_date_order():
    payments = [
        (0, "200.00", d(2025, 7, 1), None),
        (0, "200.00", d(2025, 4, 10), None),
        (1, "95.00", d(2025, 6, 2), "waste_fee"),
        (1, "1100.00", d(2025, 4, 10), None),
        (3, "400.00", d(2025, 5, 30), None),
        (2, "400.00", d(2025, 5, 30), None),
    ]
    seq_parties, seq_accounts = _build(ACCOUNTS, PARTIES)
    seq = _sequentially(seq_parties, payments)
    parties, accounts = _build(ACCOUNTS, PARTIES)
    batch = [_payment(parties[i], a, day, t) for i, a, day, t in payments]
    results = payments_allocate_batch(payments=batch)
    _same((seq, seq_accounts), (batch, accounts))
    assert sum(r.allocated + r.remainder for r in results.values()) == D("2395.00")
    # one collective entry per (date, event)
    events = JournalEntry.objects.filter(account_entries__payment__in=batch).distinct()
    dates = {p[2] for p in payments}
    assert events.filter(event="payment_bank").count() == len(dates)
    for entry in events:
        assert sum(x.debit for x in entry.lines.all()) == sum(x.credit for x in entry.lines.all())


def test_batch_is_idempotent_and_refusals_write_nothing():
    parties, _accounts = _build(ACCOUNTS, PARTIES)
    batch = [_payment(parties[0], "300.00", DAY, None), _payment(parties[1], "50.00", DAY, None)]
    first = payments_allocate_batch(payments=batch)
    counts = (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count())
    again = payments_allocate_batch(payments=Payment.objects.filter(pk__in=[p.pk for p in batch]))
    assert {pk: (r.allocated, r.remainder) for pk, r in again.items()} == {
        pk: (r.allocated, r.remainder) for pk, r in first.items()
    }
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == counts

    unknown = Payment.objects.create(
        source=Payment.Source.BANK, party=None, amount=D("10.00"), payment_date=DAY, received_on=DAY,
        status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    fine = _payment(parties[2], "10.00", DAY, None)
    with pytest.raises(ApplicationError) as exc:
        payments_allocate_batch(payments=[fine, unknown])
    assert exc.value.code == "unidentified"
    no_account = _payment(PersonFactory(), "10.00", DAY, None)
    with pytest.raises(ApplicationError) as exc:
        payments_allocate_batch(payments=[fine, no_account])
    assert exc.value.code == "no_account"
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == counts
    assert Payment.objects.get(pk=fine.pk).status == Payment.Status.UNIDENTIFIED


def test_batch_refuses_a_closed_period_and_writes_nothing():
    parties, _accounts = _build(ACCOUNTS, PARTIES)
    AccountingPeriod.objects.create(year=2025, month=6, closed_at=datetime.datetime(2025, 7, 5, tzinfo=datetime.UTC))
    payment = _payment(parties[0], "300.00", DAY, None)
    counts = (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ledger.PeriodClosed):
        payments_allocate_batch(payments=[payment])
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == counts
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.UNIDENTIFIED


def test_journal_post_many_checks_every_entry(db):
    good = ledger.JournalDraft(
        date=DAY, event="payment_bank", description="x",
        lines=[ledger.Line(account="133", debit=D("5.00")), ledger.Line(account="221", credit=D("5.00"))],
    )  # fmt: skip
    bad = ledger.JournalDraft(
        date=DAY, event="payment_bank", description="x",
        lines=[ledger.Line(account="133", debit=D("5.00")), ledger.Line(account="221", credit=D("4.99"))],
    )  # fmt: skip
    with pytest.raises(ApplicationError):
        ledger.journal_post_many(drafts=[good, bad])
    assert JournalEntry.objects.count() == 0
    unknown = ledger.JournalDraft(
        date=DAY, event="x", description="x",
        lines=[ledger.Line(account="999", debit=D("1.00")), ledger.Line(account="221", credit=D("1.00"))],
    )  # fmt: skip
    with pytest.raises(ApplicationError):
        ledger.journal_post_many(drafts=[unknown])
    entries = ledger.journal_post_many(drafts=[good, good])
    assert [sum(x.debit for x in e.lines.all()) for e in entries] == [D("5.00"), D("5.00")]


# --- random small scenarios ----------------------------------------------------------------------------------

_amounts = s.integers(min_value=100, max_value=150_000).map(lambda g: f"{g // 100}.{g % 100:02d}")
_dates = s.dates(min_value=d(2025, 2, 10), max_value=d(2025, 12, 31))
_account = s.tuples(
    s.integers(0, 2),
    s.sampled_from(["property_tax_person", "waste_fee"]),
    s.lists(s.tuples(_dates, _amounts), min_size=1, max_size=3),
    s.lists(s.integers(0, 2), max_size=1),
    s.booleans(),
)
_pay = s.tuples(s.integers(0, 2), _amounts, s.dates(min_value=d(2025, 3, 1), max_value=d(2026, 2, 28)),
                s.sampled_from([None, "waste_fee"]))  # fmt: skip


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(accounts=s.lists(_account, min_size=1, max_size=3), payments=s.lists(_pay, min_size=1, max_size=6))
def test_batch_equals_sequential_on_random_scenarios(db, accounts, payments):
    # distinct installment due dates per account are not required; co-obligor ≠ owner
    accounts = [(o, t, inst, [c for c in co if c != o], cost) for o, t, inst, co, cost in accounts]
    owners = {a[0] for a in accounts} | {c for a in accounts for c in a[3]}
    payments = [p for p in payments if p[0] in owners]
    if not payments:
        return
    seq_parties, seq_accounts = _build(accounts, 3)
    seq = _sequentially(seq_parties, payments)
    parties, batch_accounts = _build(accounts, 3)
    batch = [_payment(parties[i], a, day, t) for i, a, day, t in payments]
    payments_allocate_batch(payments=batch)
    _same((seq, seq_accounts), (batch, batch_accounts))
