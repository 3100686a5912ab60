"""The daily digest: content, idempotency per (clerk, day), who gets none, working days only."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from core import roles
from core.models import AuditEvent
from documents.models import Assignment, Case
from documents.services.digest import digest_send
from documents.tasks_inbox import send_daily_digest
from tests.factories import CaseFactory, IncomingEntryFactory

pytestmark = pytest.mark.django_db

D = datetime.date
MONDAY = D(2026, 3, 9)


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _assigned(entry, clerk, when):
    a = Assignment.objects.create(entry=entry, level=2, to_unit=entry.assigned_unit, to_user=clerk)
    Assignment.objects.filter(pk=a.pk).update(at=when)


@pytest.fixture
def clerk_with_work(tax_clerk, pd_unit, jrwa_3120):
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Zaległa", due_date=D(2026, 3, 6))
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Na dziś", due_date=MONDAY)
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Na czwartek", due_date=D(2026, 3, 12))
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Na piątek", due_date=D(2026, 3, 13))
    CaseFactory(
        unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Zamknięta", due_date=D(2026, 3, 1), status="closed"
    )
    friday = IncomingEntryFactory(
        title="Pismo z piątku", assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk"
    )
    _assigned(friday, tax_clerk, _at(D(2026, 3, 6), 10))
    sunday = IncomingEntryFactory(
        title="Pismo z niedzieli", assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk"
    )
    _assigned(sunday, tax_clerk, _at(D(2026, 3, 8), 22))
    thursday = IncomingEntryFactory(
        title="Pismo z czwartku", assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk"
    )
    _assigned(thursday, tax_clerk, _at(D(2026, 3, 5), 10))
    today = IncomingEntryFactory(
        title="Pismo z poniedziałku", assigned_unit=pd_unit, assigned_to=tax_clerk, status="assigned_clerk"
    )
    _assigned(today, tax_clerk, _at(MONDAY, 6))
    return tax_clerk


def test_digest_content(clerk_with_work):
    assert digest_send(day=MONDAY) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [clerk_with_work.email]
    assert "09.03.2026" in message.subject
    text = message.body
    overdue, rest = text.split("Na dziś", 1)[0], text
    assert "Zaległa" in overdue
    # due within 3 working days after Monday: up to Thursday 12.03, not Friday
    assert "Na czwartek" in rest
    assert "12.03.2026" in rest
    assert "Na piątek" not in rest
    assert "Zamknięta" not in rest
    # new letters since the previous working day (Friday) until Monday 00:00
    assert "Pismo z piątku" in text
    assert "Pismo z niedzieli" in text
    assert "Pismo z czwartku" not in text.split("06.03.2026", 1)[1]
    assert "Pismo z poniedziałku" not in text.split("06.03.2026", 1)[1]
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    assert "Na czwartek" in html
    event = AuditEvent.objects.get(action="documents.digest.sent")
    assert event.details == {"day": "2026-03-09", "overdue": 1, "due_today": 1, "due_soon": 1, "new_entries": 2}


def test_second_run_sends_nothing(clerk_with_work):
    assert send_daily_digest.apply(args=[MONDAY.isoformat()]).get() == 1
    assert send_daily_digest.apply(args=[MONDAY.isoformat()]).get() == 0
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="documents.digest.sent").count() == 1
    # the next working day is a new digest
    assert digest_send(day=D(2026, 3, 10)) == 1


def test_no_digest_on_holidays_and_weekends(clerk_with_work):
    assert digest_send(day=D(2026, 3, 7)) == 0  # Saturday
    assert digest_send(day=D(2026, 1, 6)) == 0  # Epiphany (Tuesday)
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="documents.digest.sent").exists()


def test_skips_inactive_without_email_and_idle(make_user, pd_unit, jrwa_3120, clerk_with_work):
    no_mail = make_user(roles.TAX_CLERK, username="bez-maila", org_unit=pd_unit, email="")
    gone = make_user(roles.TAX_CLERK, username="odszedl", org_unit=pd_unit, is_active=False)
    make_user(roles.TAX_CLERK, username="bezczynny", org_unit=pd_unit)
    closed_only = make_user(roles.TAX_CLERK, username="tylko-zamkniete", org_unit=pd_unit)
    for owner in (no_mail, gone):
        CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=owner, due_date=D(2026, 3, 1))
    CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=closed_only, status=Case.Status.CLOSED)
    assert digest_send(day=MONDAY) == 1
    assert [m.to for m in mail.outbox] == [[clerk_with_work.email]]


def test_failed_send_is_not_recorded_and_retried(clerk_with_work, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def boom(self, fail_silently=False):
        raise OSError("smtp down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", boom)
    assert digest_send(day=MONDAY) == 0
    assert not AuditEvent.objects.filter(action="documents.digest.sent").exists()
    monkeypatch.undo()
    assert digest_send(day=MONDAY) == 1
