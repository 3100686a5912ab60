"""Virtual accounts scoped to obligor accounts with one ``source_ref`` (one NRB per property of the waste fee):
creation and constraints, the read selector, matching (``Payment.indicated_ref``) and allocation only within the
scope — by the statement import (batch) and by ``payment_allocate`` — with the remainder an overpayment on the
scope's account."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance import selectors
from finance.domain import nrb
from finance.models import (
    AccountEntry,
    JournalEntry,
    ObligorAccount,
    Payment,
    ReceivableType,
    StatementLine,
    VirtualAccount,
)
from finance.services.accounts import account_get_or_create, charge_post, reminder_cost_post
from finance.services.payments import payment_allocate, payments_allocate_batch
from finance.services.statements import match_movements, parse_file, payment_resolve, statement_import
from finance.services.unallocation import payment_unallocate
from finance.services.virtual_accounts import virtual_account_for, virtual_account_of
from tests.factories import PersonFactory
from tests.finance.conftest_bank import *  # noqa: F403 — bank profiles, the accountant
from tests.finance.conftest_bank import OFFICE_TILDE, write_mt940

pytestmark = pytest.mark.django_db

D = Decimal
d = datetime.date
DAY = d(2025, 6, 20)
FLAT_A = "waste-property:101"
FLAT_B = "waste-property:102"
K = AccountEntry.Kind


def rtype(code):
    return ReceivableType.objects.get(code=code)


def charged(party, code, installments, *, source_ref="", cost=False, year=2025):
    account = account_get_or_create(
        party=party, receivable_type=rtype(code), year=year, source_app="taxes" if source_ref else "",
        source_ref=source_ref,
    )  # fmt: skip
    charge_post(
        actor=None, account=account, amount=sum(D(a) for _d, a in installments), description="Decyzja",
        installments=[(due, D(a)) for due, a in installments], value_date=d(2025, 2, 1),
    )  # fmt: skip
    if cost:
        reminder_cost_post(actor=None, account=account, value_date=d(2025, 4, 1))
    return account


@pytest.fixture
def world(profile_tilde):
    """A payer with a property-tax arrear (obligor level) and the waste fee of two flats on scoped accounts."""
    payer = PersonFactory()
    tax = charged(payer, "property_tax_person", [(d(2025, 3, 17), "500.00")])
    flat_a = charged(payer, "waste_fee", [(d(2025, 3, 17), "300.00"), (d(2025, 9, 15), "300.00")], source_ref=FLAT_A)
    flat_b = charged(payer, "waste_fee", [(d(2025, 3, 17), "1000.00"), (d(2025, 9, 15), "200.00")], source_ref=FLAT_B)
    general = virtual_account_for(party=payer, profile=profile_tilde)
    va_a = virtual_account_for(
        party=payer, receivable_type=rtype("waste_fee"), profile=profile_tilde, source_ref=FLAT_A
    )
    va_b = virtual_account_for(
        party=payer, receivable_type=rtype("waste_fee"), profile=profile_tilde, source_ref=FLAT_B
    )
    return {"payer": payer, "tax": tax, "a": flat_a, "b": flat_b, "general": general, "va_a": va_a, "va_b": va_b}


def entries_of(payment):
    """(kind, component, amount, account id, installment number) of a payment's entries, in order."""
    return [
        (e.kind, e.component, e.amount, e.account_id, e.installment.number if e.installment else None)
        for e in AccountEntry.objects.filter(payment=payment).select_related("installment").order_by("id")
    ]


def import_statement(profile, movements, reference="SCOPE-1", actor=None):
    text = write_mt940(account=OFFICE_TILDE, reference=reference, sequence="1", day=DAY, movements=movements)
    summary = statement_import(actor=actor, profile=profile, data=text.encode("cp852"))
    lines = StatementLine.objects.filter(statement_id=summary.statements[0]).order_by("index")
    return summary, [line.payment for line in lines]


def untouched(account):
    """No entry of any payment on the account."""
    return not AccountEntry.objects.filter(account=account, payment__isnull=False).exists()


# --- virtual accounts -------------------------------------------------------------------------------------------


def test_scoped_virtual_accounts_per_property_even_when_the_profile_is_per_obligor(profile_tilde, accountant):
    payer, other = PersonFactory(), PersonFactory()
    waste = rtype("waste_fee")
    general = virtual_account_for(party=payer, profile=profile_tilde, actor=accountant)
    a = virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_A)
    b = virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_B)
    # the obligor-level account keeps its old behaviour: per obligor under this profile, whatever the type
    assert virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde) == general
    assert virtual_account_for(party=payer, profile=profile_tilde) == general
    assert (general.identifier, a.identifier, b.identifier) == (1, 2, 3)
    assert (general.source_ref, general.receivable_type, a.source_ref, b.source_ref) == ("", None, FLAT_A, FLAT_B)
    assert a.receivable_type == waste == b.receivable_type
    assert a.nrb == nrb.build(sort_code="10201026", client_prefix="987654", identifier=2, id_length=10)
    assert nrb.is_valid(a.nrb)
    assert nrb.is_valid(b.nrb)
    assert len({general.nrb, a.nrb, b.nrb}) == 3
    # idempotent; the same reference of another payer is another account
    assert virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_A) == a
    c = virtual_account_for(party=other, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_A)
    assert c.identifier == 4
    assert VirtualAccount.objects.count() == 4
    created = AuditEvent.objects.filter(action="finance.virtual_account.created").order_by("id")
    assert [e.details.get("source_ref") for e in created] == [None, FLAT_A, FLAT_B, FLAT_A]
    assert created[1].details == {"party": payer.pk, "receivable_type": "waste_fee", "source_ref": FLAT_A}


def test_scoped_virtual_account_under_a_per_type_profile_is_not_the_type_account(profile_lt):
    payer = PersonFactory()
    waste = rtype("waste_fee")
    typed = virtual_account_for(party=payer, receivable_type=waste, profile=profile_lt)
    scoped = virtual_account_for(party=payer, receivable_type=waste, profile=profile_lt, source_ref=FLAT_A)
    assert typed != scoped
    assert (typed.source_ref, scoped.source_ref) == ("", FLAT_A)
    assert virtual_account_for(party=payer, receivable_type=waste, profile=profile_lt) == typed
    assert nrb.identifier_of(scoped.nrb, sort_code="11402004", client_prefix="5550") == scoped.identifier


def test_scoped_virtual_account_needs_a_receivable_type_and_writes_nothing_without(profile_tilde):
    payer = PersonFactory()
    before = (VirtualAccount.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceValidationError) as exc:
        virtual_account_for(party=payer, profile=profile_tilde, source_ref=FLAT_A)
    assert exc.value.errors == {
        "receivable_type": [gettext("A virtual account for a reference needs the receivable type.")]
    }
    with pytest.raises(ServiceValidationError) as exc:
        virtual_account_for(
            party=payer, receivable_type=rtype("waste_fee"), profile=profile_tilde, source_ref="x" * 201
        )
    assert exc.value.errors == {"source_ref": [gettext("The reference is too long.")]}
    assert (VirtualAccount.objects.count(), AuditEvent.objects.count()) == before


def test_database_constraints_of_scoped_accounts(profile_tilde):
    payer = PersonFactory()
    waste = rtype("waste_fee")
    scoped = virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_A)
    typed = VirtualAccount.objects.create(nrb="1" * 26, party=payer, receivable_type=waste, profile=profile_tilde,
                                          identifier=900)  # fmt: skip
    assert typed.pk != scoped.pk  # an obligor-level account of the type beside the scoped one
    cases = [
        # the same scope twice
        {"nrb": "2" * 26, "receivable_type": waste, "identifier": 901, "source_ref": FLAT_A},
        # a second obligor-level account of the type
        {"nrb": "3" * 26, "receivable_type": waste, "identifier": 902},
        # a scope without a receivable type
        {"nrb": "4" * 26, "receivable_type": None, "identifier": 903, "source_ref": FLAT_B},
        # an identifier taken
        {"nrb": "5" * 26, "receivable_type": waste, "identifier": scoped.identifier, "source_ref": FLAT_B},
    ]
    for values in cases:
        with pytest.raises(IntegrityError), transaction.atomic():
            VirtualAccount.objects.create(party=payer, profile=profile_tilde, **values)
    assert VirtualAccount.objects.count() == 2


def test_virtual_account_of_reads_without_creating(world, profile_tilde):
    payer, waste = world["payer"], rtype("waste_fee")
    count = VirtualAccount.objects.count()
    assert (
        virtual_account_of(party=payer, receivable_type=waste, source_ref=FLAT_B, profile=profile_tilde)
        == world["va_b"]
    )
    assert virtual_account_of(party=payer, receivable_type=waste, source_ref=FLAT_A) == world["va_a"]  # active profile
    assert virtual_account_of(party=payer, receivable_type=waste, profile=profile_tilde) == world["general"]
    assert virtual_account_of(party=payer, profile=profile_tilde) == world["general"]
    assert virtual_account_of(party=payer, receivable_type=waste, source_ref="waste-property:999") is None
    assert virtual_account_of(party=payer, source_ref=FLAT_A) is None  # a scope needs its type
    assert (
        virtual_account_of(party=payer, receivable_type=waste, source_ref="waste-property:999", fallback=True)
        == world["general"]
    )
    assert virtual_account_of(party=PersonFactory(), profile=profile_tilde) is None
    assert VirtualAccount.objects.count() == count


# --- matching and allocation --------------------------------------------------------------------------------------


def test_statement_to_the_second_property_settles_only_that_property(world, profile_tilde, accountant):
    a, b, tax = world["a"], world["b"], world["tax"]
    before = {acc.pk: selectors.balance(acc, as_of=DAY) for acc in (a, tax)}
    summary, (payment,) = import_statement(profile_tilde, [(D("1500.00"), world["va_b"].nrb, "Odpady lokal B")],
                                           actor=accountant)  # fmt: skip
    assert (summary.matched, summary.unidentified) == (1, 0)
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    assert (line.match, line.confidence, line.virtual_account) == ("virtual_account", 100, world["va_b"].nrb)
    assert (payment.party, payment.indicated_type.code, payment.indicated_ref, payment.status) == (
        world["payer"], "waste_fee", FLAT_B, "allocated",
    )  # fmt: skip
    # flat B: the arrear of 1000.00 (due 17.03.2025) with 37 zł interest to 20.06.2025, the current 200.00, and
    # the remaining 263.00 stays on flat B as an overpayment — flat A's and the property tax's arrears are untouched
    al, it, ov, pr = K.ALLOCATION, K.INTEREST, K.OVERPAYMENT, "principal"
    assert entries_of(payment) == [
        (al, pr, D("1000.00"), b.pk, 1), (it, "interest", D("37.00"), b.pk, 1), (al, "interest", D("37.00"), b.pk, 1),
        (al, pr, D("200.00"), b.pk, 2), (ov, "overpayment", D("263.00"), b.pk, None),
    ]  # fmt: skip
    assert selectors.balance(b, as_of=DAY) == selectors.Balance(D("0.00"), D("0.00"), D("0.00"), D("263.00"), D("0.00"))
    assert untouched(a)
    assert untouched(tax)
    assert {acc.pk: selectors.balance(acc, as_of=DAY) for acc in (a, tax)} == before
    assert selectors.balance(a, as_of=DAY).principal == D("600.00")
    # the obligor-level virtual account is as it was
    general = VirtualAccount.objects.get(pk=world["general"].pk)
    assert (general.nrb, general.receivable_type_id, general.source_ref) == (world["general"].nrb, None, "")
    event = AuditEvent.objects.get(action="finance.payments.allocated")
    assert (event.details["payments"], event.details["overpayment"], event.details["scoped_payments"]) == (
        1,
        "263.00",
        1,
    )
    assert event.details["allocated"] == {"interest": "37.00", "principal": "1200.00"}


def test_same_payment_without_scope_would_go_to_the_oldest_arrear_of_the_type(world, profile_tilde):
    """Control: paid to the obligor-level account with the waste fee indicated by a clerk, the same money settles
    flat A's arrear first (the oldest waste arrear, lower id) — the scope is what keeps it on flat B."""
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=world["payer"], indicated_type=rtype("waste_fee"), amount=D("300.00"),
        payment_date=DAY, received_on=DAY, status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    payment_allocate(payment=payment)
    assert {e[3] for e in entries_of(payment)} == {world["a"].pk}
    assert untouched(world["b"])


def test_payment_to_the_obligor_level_account_is_allocated_as_before(world, profile_tilde):
    _summary, (payment,) = import_statement(profile_tilde, [(D("100.00"), world["general"].nrb, "Podatki")])
    assert payment.indicated_ref == ""
    assert payment.indicated_type is None
    # the oldest arrear overall: the property tax (500.00 due 17.03.2025, interest 18 zł → 100 split 96.53 / 3.47)
    tax = world["tax"]
    assert entries_of(payment) == [
        (K.ALLOCATION, "principal", D("96.53"), tax.pk, 1), (K.INTEREST, "interest", D("3.47"), tax.pk, 1),
        (K.ALLOCATION, "interest", D("3.47"), tax.pk, 1),
    ]  # fmt: skip
    assert untouched(world["a"])
    assert untouched(world["b"])
    assert "scoped_payments" not in AuditEvent.objects.get(action="finance.payments.allocated").details


def test_one_statement_pays_both_properties_and_the_obligor_level_account(world, profile_tilde):
    a, b, tax = world["a"], world["b"], world["tax"]
    cost = charged(world["payer"], "waste_fee", [(d(2025, 3, 17), "50.00")], source_ref=FLAT_A, year=2024, cost=True)
    summary, (to_a, to_b, to_general) = import_statement(
        profile_tilde,
        [(D("100.00"), world["va_a"].nrb, "lokal A"), (D("50.00"), world["va_b"].nrb, "lokal B"),
         (D("520.00"), world["general"].nrb, "podatek")],
    )  # fmt: skip
    assert (summary.matched, summary.unidentified) == (3, 0)
    assert [p.indicated_ref for p in (to_a, to_b, to_general)] == [FLAT_A, FLAT_B, ""]
    # flat A (two years in the scope): the reminder cost 16.00 first, then the oldest arrear of the scope — the
    # 2024 account's 50.00 and flat A's 300.00 are both due 17.03.2025; the older installment (lower id) is flat A
    # 2025's: 84.00 split over 300.00 + 11 zł interest (OP art. 55 §2)
    assert entries_of(to_a) == [
        (K.ALLOCATION, "costs", D("16.00"), cost.pk, None), (K.ALLOCATION, "principal", D("81.03"), a.pk, 1),
        (K.INTEREST, "interest", D("2.97"), a.pk, 1), (K.ALLOCATION, "interest", D("2.97"), a.pk, 1),
    ]  # fmt: skip
    # flat B: 50.00 against its 1000.00 arrear with 37 zł interest: 48.22 / 1.78
    assert entries_of(to_b) == [
        (K.ALLOCATION, "principal", D("48.22"), b.pk, 1), (K.INTEREST, "interest", D("1.78"), b.pk, 1),
        (K.ALLOCATION, "interest", D("1.78"), b.pk, 1),
    ]  # fmt: skip
    # the obligor-level payment: the oldest arrear overall, as before (property tax 500 + 18 interest), then 2.00 on
    # the next oldest arrear of the payer, whichever property it belongs to (flat A's, lower id)
    assert entries_of(to_general)[:3] == [
        (K.ALLOCATION, "principal", D("500.00"), tax.pk, 1), (K.INTEREST, "interest", D("18.00"), tax.pk, 1),
        (K.ALLOCATION, "interest", D("18.00"), tax.pk, 1),
    ]  # fmt: skip
    assert sum(e[2] for e in entries_of(to_general) if e[0] == K.ALLOCATION) == D("520.00")
    assert {e[3] for e in entries_of(to_general)[3:]} == {a.pk}
    assert not AccountEntry.objects.filter(kind=K.OVERPAYMENT).exists()


def test_bulk_allocation_of_scoped_payments_equals_one_by_one(profile_tilde):
    """``payments_allocate_batch`` of stored payments gives exactly what ``payment_allocate`` gives one by one."""

    def build():
        payer = PersonFactory()
        accounts = [
            charged(payer, "property_tax_person", [(d(2025, 3, 17), "500.00")]),
            charged(payer, "waste_fee", [(d(2025, 3, 17), "300.00"), (d(2025, 9, 15), "300.00")], source_ref=FLAT_A),
            charged(payer, "waste_fee", [(d(2025, 3, 17), "1000.00"), (d(2025, 9, 15), "200.00")], source_ref=FLAT_B),
        ]
        waste = rtype("waste_fee")
        payments = [
            Payment.objects.create(
                source=Payment.Source.BANK,
                party=payer,
                amount=D(amount),
                payment_date=DAY,
                received_on=DAY,
                status=Payment.Status.UNIDENTIFIED,
                indicated_type=waste if ref else None,
                indicated_ref=ref,
            )
            for amount, ref in (("1500.00", FLAT_B), ("700.00", FLAT_A), ("100.00", ""))
        ]
        return accounts, payments

    def shape(accounts, payments):
        index = {a.pk: n for n, a in enumerate(accounts)}
        return [[(k, c, amt, index[acc], n) for k, c, amt, acc, n in entries_of(p)] for p in payments], [
            selectors.balance(a, as_of=DAY) for a in accounts
        ]

    seq_accounts, seq_payments = build()
    for p in seq_payments:
        payment_allocate(payment=p)
    batch_accounts, batch_payments = build()
    results = payments_allocate_batch(payments=batch_payments)
    assert shape(batch_accounts, batch_payments) == shape(seq_accounts, seq_payments)
    entries, balances = shape(batch_accounts, batch_payments)
    # 1500 on flat B as in the statement test; 700 on flat A: 300 + 11 interest, 300 current, 89.00 over;
    # 100 unscoped: the property tax arrear (96.53 / 3.47)
    assert entries[1] == [
        (K.ALLOCATION, "principal", D("300.00"), 1, 1), (K.INTEREST, "interest", D("11.00"), 1, 1),
        (K.ALLOCATION, "interest", D("11.00"), 1, 1), (K.ALLOCATION, "principal", D("300.00"), 1, 2),
        (K.OVERPAYMENT, "overpayment", D("89.00"), 1, None),
    ]  # fmt: skip
    assert entries[2] == [
        (K.ALLOCATION, "principal", D("96.53"), 0, 1), (K.INTEREST, "interest", D("3.47"), 0, 1),
        (K.ALLOCATION, "interest", D("3.47"), 0, 1),
    ]  # fmt: skip
    assert [b.overpayment for b in balances] == [D("0.00"), D("89.00"), D("263.00")]
    assert [results[p.pk].remainder for p in batch_payments] == [D("263.00"), D("89.00"), D("0.00")]
    assert set(Payment.objects.filter(pk__in=[p.pk for p in batch_payments]).values_list("status", flat=True)) == {
        "allocated"
    }


def test_scoped_payment_before_any_charge_opens_the_scope_account_with_an_overpayment(profile_tilde):
    payer = PersonFactory()  # no account with the office at all
    waste = rtype("waste_fee")
    va = virtual_account_for(party=payer, receivable_type=waste, profile=profile_tilde, source_ref=FLAT_A)
    other = charged(PersonFactory(), "waste_fee", [(d(2025, 3, 17), "10.00")], source_ref=FLAT_A)  # source_app
    summary, (payment,) = import_statement(profile_tilde, [(D("76.00"), va.nrb, "odpady z gory")])
    assert (summary.matched, summary.unidentified) == (1, 0)
    account = ObligorAccount.objects.get(party=payer)
    assert (account.receivable_type, account.year, account.source_ref, account.source_app) == (
        waste, 2025, FLAT_A, "taxes",
    )  # fmt: skip
    assert entries_of(payment) == [(K.OVERPAYMENT, "overpayment", D("76.00"), account.pk, None)]
    assert untouched(other)
    assert AuditEvent.objects.filter(action="finance.account.created", object_id=str(account.pk)).count() == 1
    # the one-by-one path does the same for a payer who has other accounts but none of this scope
    tax = charged(payer, "property_tax_person", [(d(2025, 3, 17), "500.00")])
    later = Payment.objects.create(
        source=Payment.Source.BANK, party=payer, amount=D("40.00"), payment_date=DAY, received_on=DAY,
        status=Payment.Status.UNIDENTIFIED, indicated_type=waste, indicated_ref=FLAT_B,
    )  # fmt: skip
    payment_allocate(payment=later)
    flat_b = ObligorAccount.objects.get(party=payer, source_ref=FLAT_B)
    assert entries_of(later) == [(K.OVERPAYMENT, "overpayment", D("40.00"), flat_b.pk, None)]
    assert untouched(tax)
    assert AuditEvent.objects.filter(action="finance.payment.allocated").get().details["indicated_ref"] == FLAT_B


def test_unknown_party_on_an_obligor_level_account_still_waits_for_a_clerk(profile_tilde):
    """Unchanged: a party without any account paying to its obligor-level account is unidentified."""
    payer = PersonFactory()
    general = virtual_account_for(party=payer, profile=profile_tilde)
    summary, (payment,) = import_statement(profile_tilde, [(D("76.00"), general.nrb, "wplata")])
    assert (summary.matched, summary.unidentified) == (0, 1)
    assert (payment.party, payment.indicated_ref, payment.status) == (None, "", "unidentified")
    assert not ObligorAccount.objects.exists()


def test_match_movements_carries_the_scope(world, profile_tilde):
    text = write_mt940(
        account=OFFICE_TILDE, reference="M-1", sequence="1", day=DAY,
        movements=[(D("1.00"), world["va_a"].nrb, "a"), (D("2.00"), world["general"].nrb, "b")],
    )  # fmt: skip
    (parsed,) = parse_file(profile=profile_tilde, data=text.encode("cp852"), today=DAY)
    first, second = match_movements(parsed.movements, profile=profile_tilde)
    waste = rtype("waste_fee")
    assert (first.kind, first.party_id, first.receivable_type_id, first.source_ref) == (
        "virtual_account", world["payer"].pk, waste.pk, FLAT_A,
    )  # fmt: skip
    assert (second.kind, second.party_id, second.receivable_type_id, second.source_ref) == (
        "virtual_account", world["payer"].pk, None, "",
    )  # fmt: skip


def test_clerk_resolves_an_unidentified_payment_to_a_property(world, profile_tilde, accountant):
    _summary, (payment,) = import_statement(profile_tilde, [(D("700.00"), "", "odpady bez numeru")])
    assert payment.status == "unidentified"
    waste = rtype("waste_fee")
    before = (AccountEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceValidationError) as exc:
        payment_resolve(actor=accountant, payment=payment, party=world["payer"], indicated_ref=FLAT_A)
    assert exc.value.errors == {"receivable_type": [gettext("A payment for a reference needs the receivable type.")]}
    assert (AccountEntry.objects.count(), AuditEvent.objects.count()) == before
    payment.refresh_from_db()
    assert (payment.status, payment.party, payment.indicated_ref) == ("unidentified", None, "")
    resolved = payment_resolve(
        actor=accountant, payment=payment, party=world["payer"], receivable_type=waste, indicated_ref=FLAT_A
    )
    assert (resolved.status, resolved.indicated_ref) == ("allocated", FLAT_A)
    assert {e[3] for e in entries_of(resolved)} == {world["a"].pk}
    assert selectors.balance(world["a"], as_of=DAY).overpayment == D("89.00")
    event = AuditEvent.objects.get(action="finance.payment.resolved")
    assert event.details == {"party": world["payer"].pk, "receivable_type": "waste_fee", "indicated_ref": FLAT_A}
    # un-allocated and resolved again without the reference: allocated as an ordinary payment of the type
    payment_unallocate(actor=accountant, payment=resolved, reason="Wpłata dotyczyła obu lokali")
    again = payment_resolve(actor=accountant, payment=Payment.objects.get(pk=payment.pk), party=world["payer"],
                            receivable_type=waste)  # fmt: skip
    assert again.indicated_ref == ""
    live = AccountEntry.objects.filter(payment=again, reversed_by__isnull=True).exclude(kind=K.REVERSAL)
    # the oldest waste arrear first (flat A, 300 + 11), then flat B's (1000 + 37): split proportionally
    assert {e.account_id for e in live} == {world["a"].pk, world["b"].pk}
    assert sum(e.amount for e in live if e.kind == K.ALLOCATION) == D("700.00")


def test_unidentified_refusal_with_a_scope_but_no_type_writes_nothing(profile_tilde):
    payer = PersonFactory()
    charged(payer, "property_tax_person", [(d(2025, 3, 17), "500.00")])
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=payer, amount=D("40.00"), payment_date=DAY, received_on=DAY,
        status=Payment.Status.UNIDENTIFIED, indicated_ref=FLAT_B,
    )  # fmt: skip
    before = (AccountEntry.objects.count(), ObligorAccount.objects.count(), JournalEntry.objects.count(),
              AuditEvent.objects.count())  # fmt: skip
    for allocate in (lambda: payment_allocate(payment=payment), lambda: payments_allocate_batch(payments=[payment])):
        with pytest.raises(ApplicationError) as exc:
            allocate()
        assert exc.value.message == gettext("The payment indicates the accounts %(ref)s but no receivable type.") % {
            "ref": FLAT_B
        }
    after = (AccountEntry.objects.count(), ObligorAccount.objects.count(), JournalEntry.objects.count(),
             AuditEvent.objects.count())  # fmt: skip
    assert after == before
    assert Payment.objects.get(pk=payment.pk).status == "unidentified"


def test_resolving_to_a_property_needs_the_payments_permission(world, profile_tilde, make_user):
    _summary, (payment,) = import_statement(profile_tilde, [(D("700.00"), "", "odpady bez numeru")])
    clerk = make_user(roles.TAX_CLERK, username="referent-scope")
    before = (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        payment_resolve(
            actor=clerk, payment=payment, party=world["payer"], receivable_type=rtype("waste_fee"), indicated_ref=FLAT_A
        )
    assert exc.value.code == "forbidden"
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == before
    payment.refresh_from_db()
    assert (payment.status, payment.party, payment.indicated_type, payment.indicated_ref) == (
        "unidentified", None, None, "",
    )  # fmt: skip
