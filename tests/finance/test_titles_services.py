"""Enforcement titles: the 7-day rule (E8), refusals that write nothing, runs (propose → exclude → confirm),
the state machine with the XAdES signature, paid detection and the report of payments after sending."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance.domain import titles as dt
from finance.models import (
    AccountEntry,
    CollectionRun,
    EnforcementPaymentReport,
    EnforcementTitle,
    EnforcementTitleItem,
    JournalEntry,
    Reminder,
)
from finance.services.payments import payment_allocate
from finance.services.titles import (
    enforcement_payment_report,
    title_create_for_reminder,
    title_run_cancel,
    title_run_confirm,
    title_run_create,
    title_run_exclude,
    title_transition,
    titles_mark_paid,
)
from tests.factories import OrganisationFactory
from tests.factories.population import ResidentFactory
from tests.finance.conftest_titles import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
S = EnforcementTitle.Status
DELIVERED = d(2026, 3, 10)


def counts():
    return (
        EnforcementTitle.objects.count(), EnforcementTitleItem.objects.count(), CollectionRun.objects.count(),
        AuditEvent.objects.count(), AccountEntry.objects.count(), JournalEntry.objects.count(),
        EnforcementPaymentReport.objects.count(),
    )  # fmt: skip


@pytest.fixture
def debt(person, property_tax, charge, reminder_for):
    """300.00 due 15.01.2026 and 200.00 due 16.03.2026 — the reminder (delivered 10.03) covers the first."""
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(person, [account], delivered_on=DELIVERED, number="UP/2026/000001")
    return account, reminder


def test_domain_seven_day_rule_e8():
    assert dt.earliest_issue_date(d(2026, 3, 10), 7) == d(2026, 3, 18)
    assert not dt.may_issue(delivered_on=d(2026, 3, 10), issue_date=d(2026, 3, 17), wait_days=7)
    assert dt.may_issue(delivered_on=d(2026, 3, 10), issue_date=d(2026, 3, 18), wait_days=7)
    assert not dt.may_issue(delivered_on=None, issue_date=d(2026, 3, 18), wait_days=7)
    items = dt.title_items([
        dt.OpenItem(1, 2, d(2026, 3, 16), D("200.00")), dt.OpenItem(1, 1, d(2026, 1, 15), D("300.00")),
        dt.OpenItem(1, 3, d(2026, 1, 15), D("0.00")),
    ])  # fmt: skip
    assert [(i.installment_id, i.interest_from, i.principal) for i in items] == [
        (1, d(2026, 1, 16), D("300.00")), (2, d(2026, 3, 17), D("200.00"))]  # fmt: skip
    assert dt.title_interest_from(items) == d(2026, 1, 16)
    assert dt.title_principal(items) == D("500.00")
    assert dt.legal_basis(["waste_fee", "waste_fee"]) == dt.LEGAL_BASIS["waste_fee"]
    assert dt.legal_basis(["unknown"]) == dt.DEFAULT_LEGAL_BASIS
    assert dt.fully_paid([(D("0"), D("0"))])
    assert not dt.fully_paid([(D("0"), D("1"))])
    assert not dt.fully_paid([])


def test_manual_title_refused_on_the_7th_day_with_nothing_written(accountant, debt):
    _account, reminder = debt
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 17))
    assert exc.value.code == "wait_not_over"
    assert "18.03.2026" in exc.value.message
    assert counts() == before


def test_manual_title_on_the_8th_day(accountant, debt, person):
    account, reminder = debt
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    assert title.number == "TW/2026/000001"
    assert (title.status, title.principal, title.interest_from) == (S.PREPARED, D("300.00"), d(2026, 1, 16))
    assert (title.interest_rate, title.interest_kind) == (D("10.50"), dt.INTEREST_KIND)
    assert title.legal_basis == dt.LEGAL_BASIS["property_tax_person"]
    assert title.debtor["pesel"] == person.pesel
    assert title.debtor["surname"] == person.surname
    assert [(i.account_id, i.due_date, i.interest_from, i.principal) for i in title.items.all()] == [
        (account.pk, d(2026, 1, 15), d(2026, 1, 16), D("300.00"))]  # fmt: skip
    assert bytes(title.pdf).startswith(b"%PDF")
    assert b"<Numer>TW/2026/000001</Numer>" in bytes(title.xml)
    assert AuditEvent.objects.filter(action="finance.title.created", object_id=str(title.pk)).count() == 1
    # a second title for the same reminder is refused
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 19))
    assert exc.value.code == "title_exists"
    assert counts() == before


@pytest.mark.parametrize("status", [Reminder.Status.ISSUED, Reminder.Status.PROPOSED, Reminder.Status.CANCELLED])
def test_title_without_delivered_reminder_refused(accountant, person, property_tax, charge, reminder_for, status):
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(person, [account], status=status, issue_date=d(2026, 3, 1))
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 4, 1))
    assert exc.value.code == "reminder_not_delivered"
    assert counts() == before


def test_paid_installment_gives_no_title(accountant, debt, person, bank_payment):
    _account, reminder = debt
    payment_allocate(payment=bank_payment(person, "310.00", d(2026, 3, 12)))
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    assert exc.value.code == "nothing_unpaid"
    assert counts() == before


def test_title_demands_the_unpaid_principal_only(accountant, debt, person, bank_payment):
    account, reminder = debt
    # 15.01 → 12.03: 300 × 56 days × 11–10.5 % / 365 ≈ 5 ≤ 8.70, no interest: the 100.00 all goes to principal
    payment_allocate(payment=bank_payment(person, "100.00", d(2026, 3, 12)))
    from finance import selectors

    expected = selectors.balance(account, as_of=d(2026, 3, 18)).principal
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    assert title.principal == expected
    assert expected == D("200.00")


def test_parents_names_from_the_residents_register_read_is_logged(accountant, property_tax, charge, reminder_for):
    resident = ResidentFactory(father_name="Stanisław", mother_name="Halina")
    party = resident.party
    account, _ = charge(party, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(party, [account], delivered_on=DELIVERED)
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    assert (title.debtor["father_name"], title.debtor["mother_name"]) == ("Stanisław", "Halina")
    assert b"<ImieOjca>Stanis\xc5\x82aw</ImieOjca>" in bytes(title.xml)
    assert AuditEvent.objects.filter(action="finance.title.debtor_data_read", object_id=str(party.pk)).count() == 1


def test_legal_person_title(accountant, charge, reminder_for):
    from finance.models import ReceivableType

    org = OrganisationFactory(krs="0000123456")
    rt = ReceivableType.objects.get(code="property_tax_legal")
    account, _ = charge(org, rt, [(d(2026, 1, 15), "1000.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(org, [account], delivered_on=DELIVERED)
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    assert title.debtor["name"] == org.name
    assert title.debtor["krs"] == "0000123456"
    xml = bytes(title.xml)
    assert b"<OsobaPrawna>" in xml
    assert f"<NIP>{org.nip}</NIP>".encode() in xml


def test_run_proposes_excludes_confirms(accountant, person, property_tax, waste_fee, charge, reminder_for):
    a1, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    r1 = reminder_for(person, [a1], delivered_on=DELIVERED)
    from tests.factories import PersonFactory

    other = PersonFactory()
    a2, _ = charge(other, property_tax, [(d(2026, 1, 15), "150.00")], value_date=d(2025, 12, 1))
    r2 = reminder_for(other, [a2], delivered_on=DELIVERED)
    third = PersonFactory()
    a3, _ = charge(third, property_tax, [(d(2026, 1, 15), "500.00")], value_date=d(2025, 12, 1))
    r3 = reminder_for(third, [a3], delivered_on=d(2026, 3, 11))  # delivered too late for 18.03
    fourth = PersonFactory()
    a4, _ = charge(fourth, waste_fee, [(d(2026, 1, 15), "90.00")], value_date=d(2025, 12, 1))
    r4 = reminder_for(fourth, [a4], delivered_on=DELIVERED)  # another receivable type

    run = title_run_create(
        actor=accountant, receivable_type=property_tax, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 18)
    )
    assert run.status == CollectionRun.Status.PROPOSED
    assert run.summary == {"reminders": 2, "titles": 2, "principal": "450.00"}
    proposed = {t.reminder_id: t for t in run.titles.all()}
    assert set(proposed) == {r1.pk, r2.pk}
    assert all(t.number == "" and t.status == S.PREPARED for t in proposed.values())

    title_run_exclude(actor=accountant, title=proposed[r2.pk], reason="rozłożone na raty")
    run = title_run_confirm(actor=accountant, run=run)
    assert run.status == CollectionRun.Status.ISSUED
    t1, t2 = EnforcementTitle.objects.get(pk=proposed[r1.pk].pk), EnforcementTitle.objects.get(pk=proposed[r2.pk].pk)
    assert (t1.number, t1.status, bytes(t1.pdf)[:4]) == ("TW/2026/000001", S.PREPARED, b"%PDF")
    assert (t2.number, t2.status, t2.status_reason) == ("", S.WITHDRAWN, "rozłożone na raty")
    # a second run (all types, 20.03) proposes r2 again (excluded), r3 and r4, never r1 again
    run2 = title_run_create(actor=accountant, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 20))
    assert {t.reminder_id for t in run2.titles.all()} == {r2.pk, r3.pk, r4.pk}
    title_run_cancel(actor=accountant, run=run2)
    assert not run2.titles.exclude(status=S.WITHDRAWN).exists()
    with pytest.raises(ApplicationError):
        title_run_confirm(actor=accountant, run=run2)


def test_run_refusals(accountant, clerk, nobody):
    before = counts()
    with pytest.raises(ServiceValidationError):
        title_run_create(actor=accountant, cutoff_date=d(2026, 3, 1), issue_date=d(2026, 2, 1))
    with pytest.raises(ApplicationError) as exc:
        title_run_create(actor=nobody, cutoff_date=d(2026, 3, 1), issue_date=d(2026, 3, 18))
    assert exc.value.code == "forbidden"
    assert counts() == before


def test_state_machine_and_signature(accountant, head, office_pki, debt):
    from epuap import pki, xades

    _account, reminder = debt
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    before = counts()
    for actor, to, code in [
        (accountant, S.SIGNED, "forbidden"),  # the accountant may prepare but not sign
        (head, S.SENT, "forbidden"),
        (accountant, S.SENT, "transition_refused"),  # not signed yet
        (accountant, S.PAID, "transition_refused"),
    ]:
        with pytest.raises(ApplicationError) as exc:
            title_transition(actor=actor, title=title, to=to)
        assert exc.value.code == code
    with pytest.raises(ServiceValidationError):
        title_transition(actor=accountant, title=title, to=S.WITHDRAWN)  # no reason
    assert counts() == before

    title = title_transition(actor=head, title=title, to=S.SIGNED)
    assert (title.status, title.signed_by) == (S.SIGNED, head)
    result = xades.verify(bytes(title.xml), ca=pki.ca_certificate(office_pki))
    assert b"TW/2026/000001" in result.signed_root_bytes
    title = title_transition(actor=accountant, title=title, to=S.SENT, reference="ETW-77", on=d(2026, 3, 19))
    assert (title.status, title.sent_on, title.external_reference) == (S.SENT, d(2026, 3, 19), "ETW-77")
    title = title_transition(actor=accountant, title=title, to=S.RETURNED, reason="brak imion rodziców")
    assert title.status_reason == "brak imion rodziców"
    title = title_transition(actor=accountant, title=title, to=S.PREPARED)
    assert not xades.is_signed(bytes(title.xml))
    assert title.sent_on is None
    title = title_transition(actor=head, title=title, to=S.SIGNED)
    title = title_transition(actor=accountant, title=title, to=S.WITHDRAWN, reason="umorzenie")
    with pytest.raises(ApplicationError) as exc:
        title_transition(actor=accountant, title=title, to=S.PREPARED)
    assert exc.value.code == "transition_refused"
    actions = list(AuditEvent.objects.filter(object_id=str(title.pk), action__startswith="finance.title.")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["finance.title.created", "finance.title.signed", "finance.title.sent", "finance.title.returned",
                       "finance.title.prepared", "finance.title.signed", "finance.title.withdrawn"]  # fmt: skip


def _sent_title(accountant, head, reminder, sent_on):
    title = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    title = title_transition(actor=head, title=title, to=S.SIGNED)
    return title_transition(actor=accountant, title=title, to=S.SENT, on=sent_on)


def test_paid_detection(accountant, head, office_pki, debt, person, bank_payment):
    _account, reminder = debt
    title = _sent_title(accountant, head, reminder, d(2026, 3, 19))
    payment_allocate(payment=bank_payment(person, "100.00", d(2026, 3, 25)))
    assert titles_mark_paid(on=d(2026, 3, 25)) == 0
    with pytest.raises(ApplicationError) as exc:
        title_transition(actor=accountant, title=title, to=S.PAID, on=d(2026, 3, 25))
    assert exc.value.code == "not_paid"
    payment_allocate(payment=bank_payment(person, "300.00", d(2026, 3, 30)))
    assert titles_mark_paid(on=d(2026, 3, 30)) == 1
    title.refresh_from_db()
    assert (title.status, title.status_changed_on) == (S.PAID, d(2026, 3, 30))
    assert titles_mark_paid(on=d(2026, 3, 31)) == 0  # safe to run twice


def test_payment_report_rows_exact(accountant, head, office_pki, debt, person, bank_payment):
    _account, reminder = debt
    payment_allocate(payment=bank_payment(person, "50.00", d(2026, 3, 19)))  # on the day it was sent: not reported
    _sent_title(accountant, head, reminder, d(2026, 3, 19))
    p2 = bank_payment(person, "100.00", d(2026, 3, 25))
    result = payment_allocate(payment=p2)
    parts = {a.component: a.amount for a in result.allocations}
    report = enforcement_payment_report(actor=accountant, period_start=d(2026, 3, 1), period_end=d(2026, 3, 31))
    rows = [(r["title"], r["debtor"], r["payment_date"], r["amount"], r["paid"]) for r in report.rows]
    expected = [("TW/2026/000001", person.display_name, "2026-03-25", str(parts["principal"]),
                 "należność główna, rata 15.01.2026")]  # fmt: skip
    if parts.get("interest"):
        expected.append(("TW/2026/000001", person.display_name, "2026-03-25", str(parts["interest"]),
                         "odsetki, rata 15.01.2026"))  # fmt: skip
    assert sorted(rows) == sorted(expected)
    assert report.total == D("100.00")
    assert report.enforcement_organ
    empty = enforcement_payment_report(actor=accountant, period_start=d(2026, 4, 1), period_end=d(2026, 4, 30))
    assert (empty.rows, empty.total) == ([], D("0.00"))
    before = counts()
    with pytest.raises(ServiceValidationError):
        enforcement_payment_report(actor=accountant, period_start=d(2026, 4, 30), period_end=d(2026, 4, 1))
    assert counts() == before
