"""Review fixes of the titles area: reads of the debtor's data are logged (``access_title``), the head of unit
downloads the XML / PDF he signs, a run locks its candidate reminders and re-checks them, the run and the titles
move through their transition services (one audit event per title)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import ApplicationError, NotFoundOrForbidden
from core.models import AuditEvent
from finance.models import CollectionRun, EnforcementTitle, EnforcementTitleItem
from finance.services import titles as svc
from finance.services.titles import access_title, title_create_for_reminder, title_run_cancel, title_run_create
from tests.factories import PersonFactory
from tests.finance.conftest_titles import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
S = EnforcementTitle.Status
DELIVERED = d(2026, 3, 10)


def viewed() -> list[tuple]:
    return [
        (e.actor_id, e.object_id, e.details.get("purpose"))
        for e in AuditEvent.objects.filter(action="finance.title.viewed").order_by("seq")
    ]


@pytest.fixture
def title(accountant, person, property_tax, charge, reminder_for):
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(person, [account], delivered_on=DELIVERED, number="UP/2026/000001")
    return title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))


READS = [
    ("/api/v1/finance/titles/{pk}/", "detail"),
    ("/api/v1/finance/titles/{pk}/xml/", "xml"),
    ("/api/v1/finance/titles/{pk}/pdf/", "pdf"),
    ("/finance/titles/{pk}/", "detail"),
    ("/finance/titles/{pk}/xml/", "xml"),
    ("/finance/titles/{pk}/pdf/", "pdf"),
]


@pytest.mark.parametrize(("url", "purpose"), READS)
def test_every_read_of_a_title_is_logged_once(client, accountant, title, url, purpose):
    client.force_login(accountant)
    response = client.get(url.format(pk=title.pk))
    assert response.status_code == 200
    assert viewed() == [(accountant.pk, str(title.pk), purpose)]


@pytest.mark.parametrize(("url", "purpose"), READS)
def test_head_of_unit_reads_what_he_signs(client, head, title, url, purpose):
    client.force_login(head)
    response = client.get(url.format(pk=title.pk))
    assert response.status_code == 200
    if purpose == "xml":
        assert response.content == bytes(title.xml)
    elif purpose == "pdf":
        assert response.content.startswith(b"%PDF")
    assert viewed() == [(head.pk, str(title.pk), purpose)]


@pytest.mark.parametrize(("url", "purpose"), READS)
def test_refused_reader_leaves_no_read_event(client, nobody, title, url, purpose):
    client.force_login(nobody)
    assert client.get(url.format(pk=title.pk)).status_code == 403
    assert viewed() == []


def test_access_title_service(accountant, nobody, title):
    with pytest.raises(NotFoundOrForbidden):
        access_title(user=nobody, title_id=title.pk, purpose="detail")
    with pytest.raises(NotFoundOrForbidden):
        access_title(user=accountant, title_id=title.pk + 1000, purpose="detail")
    assert viewed() == []
    assert access_title(user=accountant, title_id=title.pk, purpose="xml", issued_only=True) == title
    assert viewed() == [(accountant.pk, str(title.pk), "xml")]


def test_unnumbered_title_has_no_files(client, accountant, person, property_tax, charge, reminder_for):
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder_for(person, [account], delivered_on=DELIVERED)
    run = title_run_create(actor=accountant, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 18))
    proposed = run.titles.get()
    client.force_login(accountant)
    assert client.get(f"/api/v1/finance/titles/{proposed.pk}/xml/").status_code == 404
    assert client.get(f"/finance/titles/{proposed.pk}/pdf/").status_code == 404
    assert viewed() == []


def test_run_locks_candidates_and_rechecks_title_in_force(accountant, person, property_tax, charge, reminder_for,
                                                          monkeypatch):  # fmt: skip
    """A reminder selected before another transaction gave it a title (simulated: the selection is stale) gets no
    second title: the candidates are locked and re-checked."""
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(person, [account], delivered_on=DELIVERED, number="UP/2026/000001")
    other = PersonFactory()
    account2, _ = charge(other, property_tax, [(d(2026, 1, 15), "150.00")], value_date=d(2025, 12, 1))
    reminder2 = reminder_for(other, [account2], delivered_on=DELIVERED)
    first = title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 18))
    monkeypatch.setattr(svc, "_candidate_reminders", lambda **kw: [reminder, reminder2])
    with CaptureQueriesContext(connection) as queries:
        run = title_run_create(actor=accountant, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 18))
    assert run.summary == {"reminders": 1, "titles": 1, "principal": "150.00"}
    assert list(EnforcementTitle.objects.filter(reminder=reminder)) == [first]
    assert [t.reminder_id for t in run.titles.all()] == [reminder2.pk]
    if connection.features.has_select_for_update:
        locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and "reminder" in q["sql"]]
        assert len(locks) == 1
        assert "ORDER BY" in locks[0]


def test_run_status_goes_through_the_transitions(accountant, monkeypatch):
    """The run becomes ``proposed`` through ``CollectionRun.TRANSITIONS``: when the table forbids it, nothing is
    written."""
    monkeypatch.setitem(CollectionRun.TRANSITIONS, CollectionRun.Status.DRAFT, set())
    audits = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        title_run_create(actor=accountant, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 18))
    assert exc.value.code == "transition_refused"
    assert (CollectionRun.objects.count(), EnforcementTitle.objects.count(), AuditEvent.objects.count()) == (
        0, 0, audits,
    )  # fmt: skip


def test_run_cancel_withdraws_each_title_with_its_audit(accountant, person, property_tax, charge, reminder_for):
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder_for(person, [account], delivered_on=DELIVERED)
    other = PersonFactory()
    account2, _ = charge(other, property_tax, [(d(2026, 1, 15), "150.00")], value_date=d(2025, 12, 1))
    reminder_for(other, [account2], delivered_on=DELIVERED)
    run = title_run_create(actor=accountant, cutoff_date=d(2026, 2, 28), issue_date=d(2026, 3, 18))
    proposed = sorted(run.titles.values_list("pk", flat=True))
    assert len(proposed) == 2
    title_run_cancel(actor=accountant, run=run, reason="korekta przypisów")
    run.refresh_from_db()
    assert run.status == CollectionRun.Status.CANCELLED
    assert (
        sorted(run.titles.filter(status=S.WITHDRAWN, status_reason="korekta przypisów").values_list("pk", flat=True))
        == proposed
    )
    events = AuditEvent.objects.filter(action="finance.title.withdrawn").order_by("seq")
    assert [(int(e.object_id), e.details["from"], e.details["reason"]) for e in events] == [
        (pk, S.PREPARED.value, "korekta przypisów") for pk in proposed
    ]
    assert EnforcementTitleItem.objects.filter(title_id__in=proposed).count() == 2
