"""Signing and dispatch of a confirmed run's reminders through the documents app (channel per recipient), the
cost charged once on delivery, and a delivery in a closed accounting month."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from core.models import Address, AuditEvent, Party
from documents.events import deliver_receipt_events
from documents.models import OutgoingDocument, ReceiptEvent, Shipment
from finance.models import AccountEntry, AccountingPeriod, JournalEntry
from finance.models.collection import CollectionRun, Reminder
from finance.services import reminders as svc
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.finance.conftest_reminders import *  # noqa: F403
from tests.finance.conftest_reminders import CUTOFF, ISSUE

pytestmark = pytest.mark.django_db
D = Decimal
KOWALSKI_ADE = "AE:PL-51234-56789-KOWJA-11"
RESIDENT_BOX = "/resident-1/domyslna"


def _party(surname, **fields):
    address = Address.objects.create(
        street_name="ul. Polna", building_number="5", postal_code="05-990", locality_name="Magistrowo"
    )
    return Party.objects.create(
        kind=Party.Kind.PERSON, first_names="Jan", surname=surname, registered_address=address, **fields
    )


@pytest.fixture
def issued_run(signer, debtor, jrwa_3130, bank_profile):
    """A confirmed (issued) run of three reminders: e-Doręczenia, ePUAP and post recipients."""
    parties = {
        "edoreczenia": _party("Kowalski", ade_address=KOWALSKI_ADE),
        "epuap": _party("Nowak", epuap_box=RESIDENT_BOX, email_consent=True),
        "post": _party("Wiśniewski"),
    }
    for party in parties.values():
        debtor("200.00", party=party)
    run = svc.reminder_run_create(actor=signer, cutoff_date=CUTOFF, issue_date=ISSUE)
    run = svc.reminder_run_confirm(actor=signer, run=run)
    assert run.status == CollectionRun.Status.ISSUED
    return run, parties


def test_dispatch_signs_and_sends_on_each_recipients_channel(signer, issued_run, simulated_platforms):
    run, parties = issued_run
    run = svc.reminder_run_dispatch(actor=signer, run=run, **simulated_platforms)
    shipments = {s.party_id: s for s in Shipment.objects.filter(document__source_app="finance")}
    assert {k: (shipments[p.pk].channel, shipments[p.pk].status) for k, p in parties.items()} == {
        "edoreczenia": ("edoreczenia", "sent"),
        "epuap": ("epuap", "sent"),
        "post": ("post_registered", "pending"),  # waits for the postal book
    }
    docs = OutgoingDocument.objects.filter(source_app="finance")
    assert {(d.signature_kind, d.signed_by_id) for d in docs} == {(OutgoingDocument.SignatureKind.XADES, signer.pk)}
    assert sorted(d.status for d in docs) == ["dispatched", "dispatched", "signed"]
    assert run.summary["dispatch"] == {
        "total": 3, "done": 3, "signed": 3, "dispatched": 3, "errors": [], "state": "finished",
    }  # fmt: skip
    assert AuditEvent.objects.filter(action="finance.reminder_run.dispatched").count() == 1

    # a second call: nothing signed again, no new shipment (the post one is still waiting for the postal book)
    counts = (Shipment.objects.count(), AuditEvent.objects.filter(action__startswith="documents.document.").count())
    run = svc.reminder_run_dispatch(actor=signer, run=run, **simulated_platforms)
    assert (run.summary["dispatch"]["signed"], run.summary["dispatch"]["total"]) == (0, 1)
    assert (Shipment.objects.count(), AuditEvent.objects.filter(action__startswith="documents.document.").count()) == (
        counts
    )
    # no cost before delivery
    assert not AccountEntry.objects.filter(kind=AccountEntry.Kind.REMINDER_COST).exists()

    # delivery through the documents' receipt path charges the cost once
    edor = shipments[parties["edoreczenia"].pk]
    delivered = datetime.date(2026, 6, 9)
    for _i in range(2):
        ReceiptEvent.objects.get_or_create(
            shipment=edor, defaults={"source_app": "finance", "source_ref": edor.document.source_ref,
                                     "delivered_on": delivered, "manner": "electronic"},
        )  # fmt: skip
        deliver_receipt_events()
    reminder = Reminder.objects.get(run=run, party=parties["edoreczenia"])
    assert (reminder.status, reminder.delivered_on) == (Reminder.Status.DELIVERED, delivered)
    costs = AccountEntry.objects.filter(kind=AccountEntry.Kind.REMINDER_COST)
    assert [(c.amount, c.value_date, c.journal_entry.date) for c in costs] == [(D("16.00"), delivered, delivered)]
    svc.reminder_delivered(reminder_id=reminder.pk, delivered_on=datetime.date(2026, 6, 20))
    assert costs.count() == 1


def test_dispatch_refused_when_the_actor_may_not_sign(collector, debtor, jrwa_3130, bank_profile):
    debtor("200.00")
    run = svc.reminder_run_confirm(
        actor=collector, run=svc.reminder_run_create(actor=collector, cutoff_date=CUTOFF, issue_date=ISSUE)
    )
    before = (Shipment.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_dispatch(actor=collector, run=run)
    assert exc.value.code == "cannot_sign"
    assert (Shipment.objects.count(), AuditEvent.objects.count()) == before
    assert OutgoingDocument.objects.get(source_app="finance").status == OutgoingDocument.Status.DRAFT


def test_dispatch_of_a_run_not_confirmed_is_refused(signer, debtor):
    debtor("200.00")
    run = svc.reminder_run_create(actor=signer, cutoff_date=CUTOFF, issue_date=ISSUE)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_dispatch(actor=signer, run=run)
    assert exc.value.code == "invalid_transition"
    assert AuditEvent.objects.count() == before


def test_big_run_is_dispatched_by_the_task(signer, issued_run, settings, django_capture_on_commit_callbacks):
    from unittest import mock

    run, _parties = issued_run
    settings.FINANCE_REMINDER_INLINE_DOCUMENTS = 2
    with (
        mock.patch("finance.tasks_reminders.dispatch_reminder_run.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = svc.reminder_run_dispatch(actor=signer, run=run)
    delay.assert_called_once_with(run.pk, signer.pk)
    assert run.summary["dispatch"] == {"total": 3, "done": 0, "state": "queued"}
    assert not Shipment.objects.exists()


def test_dispatch_button_and_api(signer, collector, issued_run, client, settings, django_capture_on_commit_callbacks):
    from unittest import mock

    run, _parties = issued_run
    client.force_login(signer)
    page = client.get(reverse("finance:reminder-run", args=[run.pk]))
    assert gettext("Sign and dispatch") in page.content.decode()
    settings.FINANCE_REMINDER_INLINE_DOCUMENTS = 0  # queued: the task does the work
    url = reverse("api-finance-reminder-run-dispatch", args=[run.pk])
    with (
        mock.patch("finance.tasks_reminders.dispatch_reminder_run.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url)
    assert response.status_code == 200
    assert response.json()["summary"]["dispatch"] == {"total": 3, "done": 0, "state": "queued"}
    delay.assert_called_once_with(run.pk, signer.pk)
    with mock.patch("finance.tasks_reminders.dispatch_reminder_run.delay"):
        response = client.post(reverse("finance:reminder-run-action", args=[run.pk, "dispatch"]), follow=True)
    assert gettext("Signing and dispatch of the reminders have started.") in response.content.decode()

    # a clerk who may not sign: a clear refusal, nothing recorded
    client.force_login(collector)
    before = (Shipment.objects.count(), AuditEvent.objects.count())
    response = client.post(url)
    assert (response.status_code, response.json()["code"]) == (400, "cannot_sign")
    assert (Shipment.objects.count(), AuditEvent.objects.count()) == before
    assert client.post(reverse("api-finance-reminder-run-dispatch", args=[run.pk + 1000])).status_code == 404


def test_delivery_in_a_closed_month_books_the_journal_in_an_open_month(collector, debtor, jrwa_3130, bank_profile):
    _p, account = debtor("200.00")
    run = svc.reminder_run_confirm(
        actor=collector, run=svc.reminder_run_create(actor=collector, cutoff_date=CUTOFF, issue_date=ISSUE)
    )
    (reminder,) = run.reminders.all()
    AccountingPeriod.objects.create(year=2026, month=6, closed_at=datetime.datetime(2026, 7, 5, tzinfo=datetime.UTC))
    journals = JournalEntry.objects.count()
    delivered = datetime.date(2026, 6, 9)
    assert svc.booking_date(delivered, today=datetime.date(2026, 7, 10)) == datetime.date(2026, 7, 10)
    assert svc.booking_date(delivered, today=datetime.date(2026, 6, 30)) == datetime.date(2026, 7, 1)
    assert svc.booking_date(datetime.date(2026, 5, 9)) == datetime.date(2026, 5, 9)
    import time_machine

    with time_machine.travel(datetime.datetime(2026, 7, 10, 12, 0, tzinfo=datetime.UTC), tick=False):
        svc.reminder_delivered(reminder_id=reminder.pk, delivered_on=delivered)
    reminder.refresh_from_db()
    cost = reminder.cost_entry
    assert (reminder.status, cost.account_id, cost.amount, cost.value_date) == (
        Reminder.Status.DELIVERED, account.pk, D("16.00"), delivered,
    )  # fmt: skip
    journal = cost.journal_entry
    assert journal.date == datetime.date(2026, 7, 10)
    assert "09.06.2026" in journal.description
    assert JournalEntry.objects.count() == journals + 1
    assert sorted((line.account.number, line.debit, line.credit) for line in journal.lines.all()) == [
        ("221", D("16.00"), D("0.00")), ("720", D("0.00"), D("16.00")),
    ]  # fmt: skip


def test_demo_seeder_creates_one_proposed_run_and_is_idempotent(debtor):
    import time_machine

    from finance.hooks.reminders import seed_demo

    big, _ = debtor("200.00")
    debtor("100.00")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        seed_demo(actor=None)
        (run,) = CollectionRun.objects.all()
        assert (run.status, run.cutoff_date, run.issue_date) == (
            CollectionRun.Status.PROPOSED, datetime.date(2026, 5, 31), datetime.date(2026, 6, 1),
        )  # fmt: skip
        assert [(r.party_id, r.principal) for r in run.reminders.all()] == [(big.pk, D("200.00"))]
        counts = (CollectionRun.objects.count(), Reminder.objects.count(), AuditEvent.objects.count())
        seed_demo(actor=None)
        assert (CollectionRun.objects.count(), Reminder.objects.count(), AuditEvent.objects.count()) == counts
