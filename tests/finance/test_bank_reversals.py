"""Bank reversals in MT940 statements: an RC line (the bank takes a credit back) cancels its original payment — found
by the bank reference, else by the amount and the account — with the storno of the receipt; an RD line (money coming
back) is never allocated as a tax payment; an RC line without a single original waits for a clerk (selector, screen,
API) who picks the payment; a refused reversal does not fail the import."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance import selectors
from finance.domain import nrb
from finance.models import AccountEntry, JournalEntry, JournalLine, Payment, StatementLine, VirtualAccount
from finance.services.overpayments import overpayment_settle
from finance.services.statements import statement_import
from finance.services.unallocation import (
    EVENT_REVERSED_BY_BANK,
    payment_reverse_by_bank,
    unmatched_reversals,
)
from tests.finance.conftest_accounts import *  # noqa: F403
from tests.finance.conftest_bank import OFFICE_TILDE, PAYER_ACCOUNT, profile_tilde  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
DAY1 = d(2025, 6, 20)
DAY2 = d(2025, 6, 25)
DUE = d(2025, 9, 15)  # not yet due on the payment dates: no interest


ZERO = Decimal("0.00")


def mt940(*, reference, day, movements, opening=ZERO):
    """movements: (status C / D / RC / RD, amount, virtual account, title, bank reference, payer's account)."""

    def amt(value):
        return f"{value:.2f}".replace(".", ",")

    yymmdd = day.strftime("%y%m%d")
    out = [f":20:{reference}", f":25:/PL{OFFICE_TILDE}", ":28C:1", f":60F:C{yymmdd}PLN{amt(opening)}"]
    total = opening
    for n, (status, amount, virtual, title, ref, payer) in enumerate(movements, start=1):
        out.append(f":61:{yymmdd}{day:%m%d}{status}{amt(amount)}N152NONREF//{ref}")
        sub = f"~29{virtual}" if virtual else ""
        payer_sub = f"~38PL{payer}" if payer else ""
        out.append(f":86:152~00PRZELEW~20{title[:27]}{sub}~32WPLACAJACY {n}{payer_sub}")
        total += amount if status in ("C", "RD") else -amount
    side = "C" if total >= 0 else "D"
    out.append(f":62F:{side}{yymmdd}PLN{amt(abs(total))}")
    return ("\r\n".join(out) + "\r\n-\r\n").encode("cp852")


def counts():
    return (AccountEntry.objects.count(), JournalEntry.objects.count(), JournalLine.objects.count(),
            AuditEvent.objects.count(), Payment.objects.filter(status="reversed").count())  # fmt: skip


def ledger_balance(number, obligor_account=None):
    lines = JournalLine.objects.filter(account__number=number)
    if obligor_account is not None:
        lines = lines.filter(obligor_account=obligor_account)
    return sum((x.debit - x.credit for x in lines), D("0.00"))


@pytest.fixture
def world(person, property_tax, charge, profile_tilde):  # noqa: F811
    account, _ = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2025, 5, 1))
    va = VirtualAccount.objects.create(
        nrb=nrb.build(sort_code="10201026", client_prefix="987654", identifier=900, id_length=10),
        party=person, profile=profile_tilde, identifier=900,
    )  # fmt: skip
    return account, va


def _import(accountant, profile, data):
    return statement_import(actor=accountant, profile=profile, data=data)


def _paid(accountant, profile, va, *, ref="B0000001", amount="300.00", payer=PAYER_ACCOUNT):
    summary = _import(accountant, profile, mt940(reference="ST-1", day=DAY1, movements=[
        ("C", D(amount), va.nrb, "podatek", ref, payer)]))  # fmt: skip
    return StatementLine.objects.get(statement_id=summary.statements[0]).payment


def test_rc_matched_by_bank_reference_cancels_the_allocated_payment(accountant, world, profile_tilde):  # noqa: F811
    account, va = world
    payment = _paid(accountant, profile_tilde, va)
    assert payment.status == "allocated"
    assert selectors.balance(account, as_of=DAY1).principal == D("700.00")
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("300.00"), movements=[
        ("RC", D("300.00"), "", "zwrot przelewu", "B0000001", "")]))  # fmt: skip
    assert (summary.reversals, summary.reversals_unmatched, summary.warnings) == (1, 0, [])
    assert summary.as_dict()["reversals"] == 1
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by_id) == ("reversed", line.pk)
    for day in (DAY1, DAY2, d(2025, 12, 31)):
        assert selectors.balance(account, as_of=day).principal == D("1000.00")
    storno = JournalEntry.objects.get(event=EVENT_REVERSED_BY_BANK)
    assert storno.date == timezone.localdate()
    assert [(x.account.number, x.debit, x.credit) for x in storno.lines.order_by("id")] == [
        ("221", D("300.00"), D("0.00")), ("133", D("0.00"), D("300.00")),
    ]  # fmt: skip
    assert ledger_balance("221", account) == D("1000.00")
    assert ledger_balance("133") == D("0.00")
    assert ledger_balance("240") == D("0.00")
    assert AuditEvent.objects.filter(action="finance.payment.reversed_by_bank", object_id=str(payment.pk)).count() == 1
    assert not unmatched_reversals().exists()


def test_statement_screen_shows_reversals_and_the_unallocate_action(client, accountant, world, profile_tilde):  # noqa: F811
    _account, va = world
    payment = _paid(accountant, profile_tilde, va, ref="NONREF")
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("300.00"), movements=[
        ("RC", D("300.00"), "", "zwrot", "NONREF", "")]))  # fmt: skip
    client.force_login(accountant)
    first = client.get(reverse("finance:statement-detail", args=[payment.statement_line.statement_id]))
    assert reverse("finance:payment-unallocate", args=[payment.pk]) in first.content.decode()
    second = client.get(reverse("finance:statement-detail", args=[summary.statements[0]]))
    assert gettext("Reversal not matched") in second.content.decode()


def test_rc_matched_by_amount_and_account(accountant, world, profile_tilde):  # noqa: F811
    account, va = world
    payment = _paid(accountant, profile_tilde, va, ref="NONREF")
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("300.00"), movements=[
        ("RC", D("300.00"), "", "zwrot", "X-OTHER", PAYER_ACCOUNT)]))  # fmt: skip
    assert (summary.reversals, summary.reversals_unmatched) == (1, 0)
    payment.refresh_from_db()
    assert payment.status == "reversed"
    assert selectors.balance(account, as_of=DAY2).principal == D("1000.00")


def test_rc_of_an_unidentified_payment_books_240_133(accountant, profile_tilde):  # noqa: F811
    summary = _import(accountant, profile_tilde, mt940(reference="ST-1", day=DAY1, movements=[
        ("C", D("75.50"), "", "bez opisu", "B77", PAYER_ACCOUNT)]))  # fmt: skip
    payment = StatementLine.objects.get(statement_id=summary.statements[0]).payment
    assert payment.status == "unidentified"
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("75.50"), movements=[
        ("RC", D("75.50"), "", "zwrot", "B77", "")]))  # fmt: skip
    payment.refresh_from_db()
    assert payment.status == "reversed"
    storno = JournalEntry.objects.get(event="unidentified_returned")
    assert [(x.account.number, x.debit, x.credit) for x in storno.lines.order_by("id")] == [
        ("240", D("75.50"), D("0.00")), ("133", D("0.00"), D("75.50")),
    ]  # fmt: skip
    assert (ledger_balance("133"), ledger_balance("240")) == (D("0.00"), D("0.00"))


def test_rd_is_not_allocated(accountant, world, profile_tilde):  # noqa: F811
    account, va = world
    summary = _import(accountant, profile_tilde, mt940(reference="ST-1", day=DAY1, movements=[
        ("RD", D("200.00"), va.nrb, "zwrot zwrotu", "R1", PAYER_ACCOUNT)]))  # fmt: skip
    assert (summary.matched, summary.unidentified, summary.reversals, summary.reversals_unmatched) == (0, 1, 1, 0)
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    assert (line.is_reversal, line.is_credit, line.match, line.confidence) == (True, True, "none", 0)
    assert (line.payment.status, line.payment.party_id) == ("unidentified", None)
    assert selectors.balance(account, as_of=DAY1).principal == D("1000.00")
    assert not AccountEntry.objects.filter(kind="allocation").exists()
    assert (ledger_balance("133"), ledger_balance("240")) == (D("200.00"), D("-200.00"))


def test_unmatched_rc_listed_and_picked_by_a_clerk(client, accountant, make_user, world, profile_tilde):  # noqa: F811
    account, va = world
    first = _paid(accountant, profile_tilde, va, ref="NONREF")
    second_summary = _import(accountant, profile_tilde, mt940(reference="ST-1B", day=DAY1, movements=[
        ("C", D("300.00"), va.nrb, "podatek raz jeszcze", "NONREF", PAYER_ACCOUNT)]))  # fmt: skip
    second = StatementLine.objects.get(statement_id=second_summary.statements[0]).payment
    # two payments of 300.00 from the same account: which one the bank took back is not certain
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("600.00"), movements=[
        ("RC", D("300.00"), "", "zwrot", "NONREF", PAYER_ACCOUNT)]))  # fmt: skip
    assert (summary.reversals, summary.reversals_unmatched, len(summary.warnings)) == (1, 1, 1)
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    assert list(unmatched_reversals()) == [line]
    assert Payment.objects.filter(status="reversed").count() == 0

    list_url = "/api/v1/finance/statement-lines/reversals/unmatched/"
    reverse_url = f"/api/v1/finance/payments/{second.pk}/reverse-by-bank/"
    screen = reverse("finance:statement-reversals")
    client.force_login(make_user(roles.TAX_CLERK))
    assert client.get(list_url).status_code == 403
    assert client.post(reverse_url, {"line": line.pk}, content_type="application/json").status_code == 403
    assert client.get(screen).status_code == 403
    assert client.post(screen, {"line": line.pk, "payment": second.pk}).status_code == 403
    client.force_login(accountant)
    listed = client.get(list_url).json()["results"]
    assert [(r["id"], r["candidates"]) for r in listed] == [(line.pk, [first.pk, second.pk])]
    page = client.get(screen)
    assert page.status_code == 200
    assert gettext("Bank reversals to match") in page.content.decode()
    assert client.post("/api/v1/finance/payments/999999/reverse-by-bank/", {"line": line.pk},
                       content_type="application/json").status_code == 404  # fmt: skip
    assert client.post(screen, {"line": line.pk, "payment": 999999}).status_code == 404
    response = client.post(reverse_url, {"line": line.pk}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "reversed"
    assert not unmatched_reversals().exists()
    first.refresh_from_db()
    assert first.status == "allocated"
    assert selectors.balance(account, as_of=DAY2).principal == D("700.00")
    before = counts()
    again = client.post(f"/api/v1/finance/payments/{first.pk}/reverse-by-bank/", {"line": line.pk},
                        content_type="application/json")  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (400, "already_matched")
    assert counts() == before


def test_clerk_picks_on_the_screen(client, accountant, world, profile_tilde):  # noqa: F811
    _account, va = world
    payment = _paid(accountant, profile_tilde, va, ref="NONREF")
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("300.00"), movements=[
        ("RC", D("300.00"), "", "zwrot", "NONREF", "")]))  # fmt: skip
    assert summary.reversals_unmatched == 1  # no reference, no account: nothing to match by
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    client.force_login(accountant)
    response = client.post(reverse("finance:statement-reversals"), {"line": line.pk, "payment": payment.pk})
    assert response.status_code == 302
    payment.refresh_from_db()
    assert (payment.status, payment.reversed_by_id) == ("reversed", line.pk)


def test_refused_reversal_leaves_the_line_for_a_clerk(accountant, person, property_tax, waste_fee, charge, world,
                                                     profile_tilde):  # noqa: F811  # fmt: skip
    account, va = world
    payment = _paid(accountant, profile_tilde, va, amount="1050.00")  # 50.00 overpayment
    assert selectors.balance(account, as_of=DAY1).overpayment == D("50.00")
    charge(person, waste_fee, [(d(2025, 7, 15), "40.00")], value_date=d(2025, 6, 21))
    overpayment_settle(party=person, on=d(2025, 6, 21))  # 40.00 of it credited to the waste fee
    entries = AccountEntry.objects.count()
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("1050.00"), movements=[
        ("RC", D("1050.00"), "", "zwrot", "B0000001", "")]))  # fmt: skip
    assert summary.statements
    assert (summary.reversals, summary.reversals_unmatched) == (1, 1)
    assert len(summary.warnings) == 1
    payment.refresh_from_db()
    assert payment.status == "allocated"
    assert AccountEntry.objects.count() == entries
    line = StatementLine.objects.get(statement_id=summary.statements[0])
    assert list(unmatched_reversals()) == [line]
    event = AuditEvent.objects.filter(action="finance.statement.imported").order_by("-seq").first()
    assert event.details["reversals_unmatched"] == 1
    assert event.details["warnings"] == summary.warnings


def test_service_refusals_write_nothing(accountant, make_user, world, profile_tilde):  # noqa: F811
    _account, va = world
    payment = _paid(accountant, profile_tilde, va, ref="NONREF")
    credit_line = payment.statement_line
    summary = _import(accountant, profile_tilde, mt940(reference="ST-2", day=DAY2, opening=D("300.00"), movements=[
        ("RC", D("100.00"), "", "zwrot", "NONREF", "")]))  # fmt: skip
    rc = StatementLine.objects.get(statement_id=summary.statements[0])
    before = counts()
    cases = [
        (make_user(roles.TAX_CLERK), payment, rc, "forbidden"),
        (accountant, payment, credit_line, "not_a_reversal"),
        (accountant, payment, rc, "amount_mismatch"),
    ]
    for actor, p, line, code in cases:
        with pytest.raises(ApplicationError) as exc:
            payment_reverse_by_bank(payment=p, line=line, actor=actor)
        assert exc.value.code == code
    assert counts() == before
