"""Reminder runs: E8 through the service, the never-twice rule, the cost on delivery, closed periods, the state
machine, permissions, information notices."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import ApplicationError
from core.models import AuditEvent
from documents.events import deliver_receipt_events
from documents.models import OutgoingDocument, ReceiptEvent, Shipment
from finance.models import AccountEntry, AccountingPeriod, JournalEntry
from finance.models.collection import CollectionRun, InformationNotice, Reminder, ReminderItem
from finance.services import reminders as svc
from tests.factories import PersonFactory
from tests.finance.conftest_reminders import *  # noqa: F403
from tests.finance.conftest_reminders import CUTOFF, ISSUE

pytestmark = pytest.mark.django_db
D = Decimal


def _counts():
    return (
        CollectionRun.objects.count(), Reminder.objects.count(), ReminderItem.objects.count(),
        AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count(),
    )  # fmt: skip


def _run(actor, **kw):
    return svc.reminder_run_create(actor=actor, cutoff_date=kw.pop("cutoff", CUTOFF), issue_date=kw.pop(
        "issue", ISSUE), **kw)  # fmt: skip


def test_e8_thresholds_through_the_dry_run(collector, debtor):
    _small, _ = debtor("150.00")
    big, _ = debtor("200.00")
    _at, _ = debtor("160.00")
    above, _ = debtor("160.01")
    run = _run(collector)
    assert run.status == CollectionRun.Status.PROPOSED
    proposed = {r.party_id: r for r in run.reminders.all()}
    assert set(proposed) == {big.pk, above.pk}
    r = proposed[big.pk]
    assert (r.reason, r.principal, r.interest, r.reminder_cost, r.interest_rate) == (
        Reminder.Reason.THRESHOLD, D("200.00"), D("0.00"), D("16.00"), D("10.50"),
    )  # fmt: skip
    assert [(i.due_date, i.principal) for i in r.items.all()] == [(datetime.date(2026, 3, 16), D("200.00"))]
    assert run.summary["proposed"] == 2
    assert run.summary["not_now"] == {"below_threshold": 2}
    assert (run.progress_done, run.progress_total) == (4, 4)


def test_interest_to_the_issue_date_counts_towards_the_threshold(collector, debtor):
    # 150.00 due 16.03.2025: interest to 1.06.2026 is above the minimum
    party, _ = debtor("150.00", due=datetime.date(2025, 3, 17))
    run = _run(collector)
    (r,) = run.reminders.all()
    assert r.party_id == party.pk
    assert r.principal == D("150.00")
    assert r.interest > 10
    assert r.principal + r.interest > D("160.00")


def test_small_arrear_near_limitation_is_proposed(collector, debtor, property_tax):
    party, _ = debtor("50.00", due=datetime.date(2021, 3, 15))
    run = _run(collector, cutoff=datetime.date(2026, 6, 30), issue=datetime.date(2026, 7, 1))
    (r,) = run.reminders.all()
    assert (r.party_id, r.reason, r.limitation_date) == (party.pk, "limitation", datetime.date(2026, 12, 31))


def test_confirm_issues_documents_and_delivery_charges_the_cost_once(collector, debtor, jrwa_3130, bank_profile):
    party, account = debtor("200.00")
    run = _run(collector)
    run = svc.reminder_run_confirm(actor=collector, run=run)
    assert run.status == CollectionRun.Status.ISSUED
    (r,) = run.reminders.all()
    assert r.status == Reminder.Status.ISSUED
    assert r.number == f"UP/2026/{1:06d}"
    doc = r.document
    assert (doc.source_app, doc.source_ref, doc.case_id) == ("finance", f"reminder:{r.pk}", run.case_id)
    assert run.case.jrwa.symbol == "3130"
    assert list(doc.recipients.all()) == [party]
    # no cost before delivery
    assert not AccountEntry.objects.filter(kind=AccountEntry.Kind.REMINDER_COST).exists()
    shipment = Shipment.objects.create(document=doc, party=party, year=2026, number=1, created_by=collector)
    delivered = datetime.date(2026, 6, 9)
    ReceiptEvent.objects.create(
        shipment=shipment, source_app="finance", source_ref=doc.source_ref, delivered_on=delivered,
        manner="electronic",
    )  # fmt: skip
    assert deliver_receipt_events() == 1
    r.refresh_from_db()
    assert (r.status, r.delivered_on) == (Reminder.Status.DELIVERED, delivered)
    cost = r.cost_entry
    assert (cost.account_id, cost.amount, cost.value_date, cost.kind) == (
        account.pk, D("16.00"), delivered, AccountEntry.Kind.REMINDER_COST,
    )  # fmt: skip
    assert cost.journal_entry.date == delivered
    # idempotent: the handler again changes nothing
    svc.reminder_delivered(reminder_id=r.pk, delivered_on=datetime.date(2026, 6, 20))
    assert AccountEntry.objects.filter(kind=AccountEntry.Kind.REMINDER_COST).count() == 1


def test_cost_amount_is_the_one_in_force_on_the_delivery_date(collector, debtor, jrwa_3130, bank_profile):
    from finance.models import FinanceParameter

    FinanceParameter.objects.create(
        code="reminder_cost", name="Koszty upomnienia", value=D("17.00"), valid_from=datetime.date(2026, 6, 5)
    )
    debtor("200.00")
    run = svc.reminder_run_confirm(actor=collector, run=_run(collector))
    (r,) = run.reminders.all()
    assert r.reminder_cost == D("16.00")  # on the issue date
    svc.reminder_delivered(reminder_id=r.pk, delivered_on=datetime.date(2026, 6, 10))
    r.refresh_from_db()
    assert r.cost_entry.amount == D("17.00")


def test_never_a_second_reminder_while_issued_or_recently_delivered(collector, debtor, jrwa_3130, bank_profile):
    party, _ = debtor("200.00")
    run = svc.reminder_run_confirm(actor=collector, run=_run(collector))
    (r,) = run.reminders.all()
    again = _run(collector, issue=datetime.date(2026, 6, 15))
    assert again.reminders.count() == 0
    svc.reminder_run_cancel(actor=collector, run=again)
    svc.reminder_delivered(reminder_id=r.pk, delivered_on=datetime.date(2026, 6, 5))
    third = _run(collector, issue=datetime.date(2026, 7, 1))
    assert third.reminders.count() == 0
    svc.reminder_run_cancel(actor=collector, run=third)
    # a year after delivery the arrear may be reminded again
    later = _run(collector, issue=datetime.date(2027, 6, 6))
    assert [x.party_id for x in later.reminders.all()] == [party.pk]


def test_an_open_run_covers_its_proposals(collector, debtor):
    debtor("200.00")
    _run(collector)
    assert _run(collector).reminders.count() == 0


def test_manual_add_below_threshold_and_warning_for_covered(collector, debtor):
    small, _ = debtor("50.00")
    run = _run(collector)
    assert run.reminders.count() == 0
    reminder, warnings = svc.reminder_add_manual(actor=collector, run=run, party=small)
    assert (reminder.reason, reminder.principal, warnings) == ("manual", D("50.00"), [])
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_add_manual(actor=collector, run=run, party=small)
    assert exc.value.code == "duplicate"
    other = _run(collector)
    _r, warnings = svc.reminder_add_manual(actor=collector, run=other, party=small)
    assert len(warnings) == 1


def test_closed_period_refused_nothing_written(collector, debtor, accountant):
    debtor("200.00")
    AccountingPeriod.objects.create(year=2026, month=6, closed_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC))
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _run(collector)
    assert exc.value.code == "period_closed"
    assert _counts() == before


def test_without_permission_nothing_written(nobody, debtor):
    debtor("200.00")
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _run(nobody)
    assert exc.value.code == "forbidden"
    assert _counts() == before


def test_state_machine_refusals(collector, debtor, jrwa_3130, bank_profile):
    debtor("200.00")
    run = _run(collector)
    (r,) = run.reminders.all()
    svc.reminder_exclude(actor=collector, reminder=r, reason="w trakcie układu ratalnego")
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_confirm(actor=collector, run=run)
    assert exc.value.code == "empty"
    svc.reminder_include(actor=collector, reminder=r)
    run = svc.reminder_run_confirm(actor=collector, run=run)
    before = _counts()
    for call in (
        lambda: svc.reminder_run_confirm(actor=collector, run=run),
        lambda: svc.reminder_run_cancel(actor=collector, run=run),
        lambda: svc.reminder_exclude(actor=collector, reminder=r),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "invalid_transition"
    assert _counts() == before


def test_cancel_before_confirm_issues_nothing(collector, debtor):
    debtor("200.00")
    run = _run(collector)
    svc.reminder_run_cancel(actor=collector, run=run)
    assert run.status == CollectionRun.Status.CANCELLED
    assert list(run.reminders.values_list("status", flat=True)) == ["cancelled"]
    assert OutgoingDocument.objects.count() == 0
    assert _run(collector).reminders.count() == 1  # no longer covered


def test_information_notice_is_logged_and_starts_the_window(collector, debtor):
    party = PersonFactory(email="dluznik@example.com")
    debtor("200.00", party=party)
    notice = svc.information_notice_send(actor=collector, party=party, channel="email", on=datetime.date(2026, 5, 20))
    assert (notice.status, notice.amount, notice.address) == ("sent", D("200.00"), "dluznik@example.com")
    assert AuditEvent.objects.filter(action="finance.information_notice.sent").count() == 1
    run = _run(collector)  # 12 days after the notice
    assert run.reminders.count() == 0
    assert run.summary["not_now"] == {"notice_window": 1}
    svc.reminder_run_cancel(actor=collector, run=run)
    later = _run(collector, issue=datetime.date(2026, 6, 10))  # 21 days
    (r,) = later.reminders.all()
    assert (r.reason, r.notice_id) == ("notice", notice.pk)


def test_information_notice_without_address_refused(collector, debtor):
    party = PersonFactory(email="", phone="")
    debtor("200.00", party=party)
    with pytest.raises(ApplicationError):
        svc.information_notice_send(actor=collector, party=party, channel="sms")
    assert InformationNotice.objects.count() == 0
