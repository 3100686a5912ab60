"""Statement import: virtual accounts, matching (virtual account / PESEL / NIP / reference), unidentified
payments (133/240), allocation, idempotency, all-or-nothing rejections, crash and re-run, resolving, date override."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance.domain import mt940 as M
from finance.domain import nrb
from finance.models import (
    AccountEntry,
    BankStatement,
    JournalEntry,
    JournalLine,
    Payment,
    ReceivableType,
    StatementLine,
    VirtualAccount,
)
from finance.services.accounts import account_get_or_create, charge_post
from finance.services.statements import (
    StatementRejected,
    match_movements,
    payment_date_override,
    payment_resolve,
    statement_import,
)
from finance.services.virtual_accounts import virtual_account_for
from tests.factories import PersonFactory
from tests.finance.conftest_bank import *  # noqa: F403
from tests.finance.conftest_bank import (
    OFFICE_TILDE,
    VA_CARET,
    VA_LT,
    VA_TILDE,
    fixture_bytes,
    write_mt940,
)

pytestmark = pytest.mark.django_db
D = Decimal


def counts():
    return (
        BankStatement.objects.count(),
        StatementLine.objects.count(),
        Payment.objects.count(),
        JournalEntry.objects.count(),
        JournalLine.objects.count(),
        AccountEntry.objects.count(),
        AuditEvent.objects.count(),
    )


def ledger_total(number: str) -> tuple[Decimal, Decimal]:
    lines = JournalLine.objects.filter(account__number=number)
    return (
        sum((x.debit for x in lines), D("0.00")),
        sum((x.credit for x in lines), D("0.00")),
    )


def rtype(code="property_tax_person"):
    return ReceivableType.objects.get(code=code)


def charged_account(party, accountant, amount=None, code="property_tax_person", source_ref=""):
    amount = amount or D("150.00")
    account = account_get_or_create(party=party, receivable_type=rtype(code), year=2025, source_ref=source_ref)
    charge_post(
        actor=accountant, account=account, amount=amount, installments=[(datetime.date(2025, 9, 15), amount)],
        value_date=datetime.date(2025, 2, 1), description="Decyzja",
    )  # fmt: skip
    return account


# --- virtual accounts -----------------------------------------------------------------------------------------


def test_virtual_account_is_unique_idempotent_and_valid(profile_tilde, accountant):
    first, second = PersonFactory(), PersonFactory()
    a = virtual_account_for(party=first, profile=profile_tilde, actor=accountant)
    assert virtual_account_for(party=first, profile=profile_tilde, actor=accountant) == a
    assert virtual_account_for(party=first, receivable_type=rtype(), profile=profile_tilde) == a  # per obligor
    b = virtual_account_for(party=second, profile=profile_tilde)
    assert (a.identifier, b.identifier) == (1, 2)
    assert a.nrb == nrb.build(sort_code="10201026", client_prefix="987654", identifier=1, id_length=10)
    assert nrb.is_valid(a.nrb)
    assert a.nrb != b.nrb
    assert VirtualAccount.objects.count() == 2
    assert AuditEvent.objects.filter(action="finance.virtual_account.created").count() == 2


def test_virtual_account_per_receivable_type(profile_lt):
    party = PersonFactory()
    prop = virtual_account_for(party=party, receivable_type=rtype(), profile=profile_lt)
    waste = virtual_account_for(party=party, receivable_type=rtype("waste_fee"), profile=profile_lt)
    assert prop != waste
    assert waste.receivable_type.code == "waste_fee"
    assert virtual_account_for(party=party, receivable_type=rtype("waste_fee"), profile=profile_lt) == waste
    assert nrb.identifier_of(waste.nrb, sort_code="11402004", client_prefix="5550") == waste.identifier


# --- import ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tilde_world(profile_tilde, accountant, pesel_party):
    owner = PersonFactory()
    VirtualAccount.objects.create(nrb=VA_TILDE, party=owner, profile=profile_tilde, identifier=12345)
    owner_account = charged_account(owner, accountant)
    pesel_account = charged_account(pesel_party, accountant, amount=D("500.00"))
    return owner, owner_account, pesel_account


def test_import_matches_allocates_and_books(profile_tilde, accountant, tilde_world, pesel_party):
    owner, _owner_account, pesel_account = tilde_world
    summary = statement_import(
        actor=accountant, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"), file_name="a.sta"
    )
    assert (summary.matched, summary.unidentified, summary.debits, summary.duplicates) == (2, 1, 1, 0)
    assert summary.amount == D("425.50")
    statement = BankStatement.objects.get()
    assert (statement.status, statement.lines_total, statement.lines_matched, statement.lines_unidentified) == (
        "imported", 4, 2, 1,
    )  # fmt: skip
    assert (statement.opening_balance, statement.closing_balance) == (D("1000.00"), D("1405.50"))
    lines = list(statement.lines.order_by("index"))
    assert [(x.match, x.confidence) for x in lines] == [
        ("virtual_account", 100), ("pesel", 80), ("none", 0), ("debit", 0),
    ]  # fmt: skip
    assert lines[0].virtual_account == VA_TILDE
    assert lines[2].counterparty_name == "ZENON ŻÓŁTY"
    by_line = {p.statement_line.index: p for p in Payment.objects.select_related("statement_line")}
    assert set(by_line) == {1, 2, 3}  # the debit is not a payment
    assert by_line[1].party == owner
    assert by_line[1].status == "allocated"
    assert by_line[2].party == pesel_party
    assert by_line[2].status == "allocated"
    assert by_line[3].party is None
    assert by_line[3].status == "unidentified"
    assert by_line[1].payment_date == datetime.date(2025, 6, 20) == by_line[1].received_on
    # allocation: the whole 150.00 on the owner's account, 200.00 on the PESEL party's account
    assert sum(e.amount for e in AccountEntry.objects.filter(payment=by_line[1])) == D("150.00")
    assert sum(e.amount for e in AccountEntry.objects.filter(payment=by_line[2], account=pesel_account)) == D("200.00")
    # the ledger: 133 debited by every credit; 240 credited by the unidentified one only
    assert ledger_total("133") == (D("425.50"), D("0.00"))
    assert ledger_total("240") == (D("0.00"), D("75.50"))
    unidentified = JournalEntry.objects.get(event="unidentified")
    assert {(x.account.number, x.debit, x.credit) for x in unidentified.lines.all()} == {
        ("133", D("75.50"), D("0.00")), ("240", D("0.00"), D("75.50")),
    }  # fmt: skip
    assert AuditEvent.objects.filter(action="finance.statement.imported").count() == 1


def test_same_statement_twice_is_a_duplicate_and_changes_nothing(profile_tilde, accountant, tilde_world):
    data = fixture_bytes("bank_tilde_cp852.sta")
    statement_import(actor=accountant, profile=profile_tilde, data=data)
    before = counts()
    again = statement_import(actor=accountant, profile=profile_tilde, data=data, file_name="copy.sta")
    assert (again.duplicates, again.statements, again.matched) == (1, [], 0)
    # the same reference + account + number with other content is a duplicate too
    changed = data.replace(b"ZENON", b"ZENEK")
    assert statement_import(actor=accountant, profile=profile_tilde, data=changed).duplicates == 1
    assert counts() == before


def _reject(profile, accountant, data):
    before = counts()
    with pytest.raises(StatementRejected) as exc:
        statement_import(actor=accountant, profile=profile, data=data)
    assert counts() == before
    return exc.value


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (b":62F:C250620PLN1405,50", b":62F:C250620PLN1405,00", "Line 1"),
        (b":25:/PL75102010260000000123456789", b":25:/PL61109010140000071219812874", "Line 2"),
        (b":60F:C250619PLN", b":60F:C250619USD", "Line 4"),
        (b":61:2506200620C200,00", b":61:2506200620C2OO,00", "Line 8"),
    ],
)
def test_bad_file_is_rejected_whole_and_writes_nothing(profile_tilde, accountant, tilde_world, old, new, fragment):
    data = fixture_bytes("bank_tilde_cp852.sta")
    error = _reject(profile_tilde, accountant, data.replace(old, new, 1))
    line = int(fragment.split()[1])
    assert error.line == line
    prefix = gettext("Line %(line)d: %(reason)s") % {"line": line, "reason": ""}
    assert error.message.startswith(prefix)


def test_wrong_encoding_and_future_date_are_rejected(profile_caret, accountant):
    error = _reject(profile_caret, accountant, fixture_bytes("bank_tilde_cp852.sta"))  # cp852 bytes, utf-8 profile
    assert "0xA8" in error.message  # the undecodable byte and its offset are named
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    text = write_mt940(
        account="19109010140000000099887766", reference="F1", sequence="1", day=tomorrow,
        movements=[(D("5.00"), "", "x")], separator="^",
    )  # fmt: skip
    error = _reject(profile_caret, accountant, text.encode())
    assert tomorrow.strftime("%d.%m.%Y") in error.message


def test_one_bad_statement_rejects_the_whole_file(profile_tilde, accountant):
    day = datetime.date(2025, 3, 3)
    good = write_mt940(account=OFFICE_TILDE, reference="G", sequence="1", day=day, movements=[(D("1.00"), "", "x")])
    bad = write_mt940(account=OFFICE_TILDE, reference="B", sequence="2", day=day, movements=[(D("2.00"), "", "y")])
    bad = bad.replace(":62F:C250303PLN2,00", ":62F:C250303PLN3,00")
    _reject(profile_tilde, accountant, (good + bad).encode("cp852"))


def test_a_crash_mid_statement_leaves_nothing_and_the_rerun_imports_once(profile_tilde, accountant, tilde_world):
    data = fixture_bytes("bank_tilde_cp852.sta")
    before = counts()
    with pytest.raises(RuntimeError):
        statement_import(actor=accountant, profile=profile_tilde, data=data, fail_after=2)
    assert counts() == before
    summary = statement_import(actor=accountant, profile=profile_tilde, data=data)
    assert (summary.matched, summary.unidentified) == (2, 1)
    assert statement_import(actor=accountant, profile=profile_tilde, data=data).duplicates == 1
    assert BankStatement.objects.count() == 1
    assert Payment.objects.count() == 3


def test_import_needs_the_permission(profile_tilde, make_user):
    clerk_without = make_user(roles.REGISTRY_CLERK, username="kancelaria-bank")
    before = counts()
    with pytest.raises(ApplicationError):
        statement_import(actor=clerk_without, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"))
    assert counts() == before


def test_per_type_virtual_account_indicates_the_receivable(profile_lt, accountant):
    party = PersonFactory()
    waste = rtype("waste_fee")
    VirtualAccount.objects.create(nrb=VA_LT, party=party, receivable_type=waste, profile=profile_lt, identifier=7)
    charged_account(party, accountant, amount=D("1500.00"), code="waste_fee")
    summary = statement_import(actor=accountant, profile=profile_lt, data=fixture_bytes("bank_lt_cp1250.sta"))
    assert (summary.matched, summary.unidentified, summary.debits) == (2, 0, 1)
    payments = Payment.objects.order_by("statement_line__index")
    assert [p.indicated_type for p in payments] == [waste, waste]
    assert [p.amount for p in payments] == [D("300.00"), D("1200.00")]
    assert payments[0].title == "Opłata śmieciowa NIP 123-456-32-18"


def test_reference_match_and_title_virtual_account(profile_caret, accountant):
    party = PersonFactory()
    VirtualAccount.objects.create(nrb=VA_CARET, party=party, profile=profile_caret, identifier=42)
    charged_account(party, accountant, amount=D("99.99"), code="agricultural_tax_person")
    other = PersonFactory()
    charged_account(other, accountant, amount=D("50.00"), source_ref="DEC/2025/0077")
    statement_import(actor=accountant, profile=profile_caret, data=fixture_bytes("bank_caret_utf8.sta"))
    lines = list(StatementLine.objects.order_by("index"))
    assert [(x.match, x.confidence) for x in lines] == [("virtual_account", 100), ("reference", 60)]
    assert lines[1].payment.party == other
    assert lines[1].payment.indicated_type.code == "property_tax_person"  # the referenced account's receivable


def test_nip_in_the_title_and_party_without_account(profile_tilde, nip_party, pesel_party):
    movement = M.Movement(
        index=1, line=1, value_date=datetime.date(2025, 1, 2), entry_date=None, is_credit=True, amount=D("1.00"),
        title="Podatek NIP 123-456-32-18",
    )  # fmt: skip
    bad_checksum = M.Movement(
        index=2, line=2, value_date=datetime.date(2025, 1, 2), entry_date=None, is_credit=True, amount=D("1.00"),
        title="PESEL 44051401358",
    )  # fmt: skip
    matches = match_movements([movement, bad_checksum], profile=profile_tilde)
    assert (matches[0].kind, matches[0].confidence, matches[0].party_id) == ("nip", 80, nip_party.pk)
    assert (matches[1].kind, matches[1].party_id) == ("none", None)


def test_identified_party_without_any_account_waits_as_unidentified(profile_tilde, accountant, pesel_party):
    statement_import(actor=accountant, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"))
    assert Payment.objects.filter(status="unidentified").count() == 3
    assert ledger_total("240") == (D("0.00"), D("425.50"))


# --- after the import -----------------------------------------------------------------------------------------


def test_resolving_an_unidentified_payment(profile_tilde, accountant, tilde_world):
    statement_import(actor=accountant, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"))
    payment = Payment.objects.get(status="unidentified")
    owner, _owner_account, _p = tilde_world
    resolved = payment_resolve(actor=accountant, payment=payment, party=owner, receivable_type=rtype())
    assert resolved.status == "allocated"
    assert resolved.statement_line.match == "manual"
    assert sum(e.amount for e in AccountEntry.objects.filter(payment=payment)) == D("75.50")
    debit_240, credit_240 = ledger_total("240")
    assert (debit_240, credit_240) == (D("75.50"), D("75.50"))  # 240 cleared
    assert ledger_total("133") == (D("425.50"), D("0.00"))  # the bank money counted once
    assert AuditEvent.objects.filter(action="finance.payment.resolved").count() == 1
    before = counts()
    with pytest.raises(ApplicationError):
        payment_resolve(actor=accountant, payment=payment, party=owner)
    assert counts() == before


def test_payment_date_override_only_before_allocation_and_with_reason(profile_tilde, accountant, tilde_world):
    statement_import(actor=accountant, profile=profile_tilde, data=fixture_bytes("bank_tilde_cp852.sta"))
    waiting = Payment.objects.get(status="unidentified")
    before = counts()
    with pytest.raises(ApplicationError):
        payment_date_override(actor=accountant, payment=waiting, payment_date=datetime.date(2025, 6, 18), reason=" ")
    with pytest.raises(ApplicationError):
        payment_date_override(
            actor=accountant, payment=waiting, payment_date=datetime.date(2025, 6, 21), reason="później?"
        )
    allocated = Payment.objects.filter(status="allocated").first()
    with pytest.raises(ApplicationError):
        payment_date_override(
            actor=accountant, payment=allocated, payment_date=datetime.date(2025, 6, 18), reason="potwierdzenie"
        )
    assert counts() == before
    changed = payment_date_override(
        actor=accountant, payment=waiting, payment_date=datetime.date(2025, 6, 18), reason="potwierdzenie banku"
    )
    assert (changed.payment_date, changed.received_on) == (datetime.date(2025, 6, 18), datetime.date(2025, 6, 20))
    assert changed.payment_date_reason == "potwierdzenie banku"
    assert AuditEvent.objects.filter(action="finance.payment.date_overridden").count() == 1
