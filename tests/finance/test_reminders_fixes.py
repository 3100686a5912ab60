"""Reviewer's fixes of reminder runs: a run that failed while issuing is retried, never recomputed or cancelled;
never twice (include and confirm re-check coverage, dry runs serialised); the run lock before the reminder's; the
head of unit may open and dispatch a run; missing dated parameters are clear errors."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from documents.models import Case, OutgoingDocument
from finance.models import AccountEntry, FinanceParameter, JournalEntry
from finance.models.collection import CollectionRun, Reminder, ReminderItem
from finance.services import reminders as svc
from tests.finance.conftest_reminders import *  # noqa: F403
from tests.finance.conftest_reminders import CUTOFF, ISSUE

pytestmark = pytest.mark.django_db
D = Decimal
RS = CollectionRun.Status


def _counts():
    return (
        CollectionRun.objects.count(), Reminder.objects.count(), ReminderItem.objects.count(),
        AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count(),
        OutgoingDocument.objects.count(), Case.objects.count(),
        tuple(CollectionRun.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Reminder.objects.order_by("pk").values_list("status", "number")),
    )  # fmt: skip


def _run(actor, **kw):
    return svc.reminder_run_create(actor=actor, cutoff_date=kw.pop("cutoff", CUTOFF), issue_date=kw.pop(
        "issue", ISSUE), **kw)  # fmt: skip


@pytest.fixture
def head(make_user, fn_unit):
    """The head of FN only (kierownik): signs titles and documents, does not manage collection."""
    return make_user(roles.HEAD_OF_UNIT, username="tylko-kierownik-test", org_unit=fn_unit)


@pytest.fixture
def failed_run(collector, debtor, jrwa_3130, bank_profile, monkeypatch):
    """A confirmed run of two reminders whose issuing failed after the first one was handed over to EZD."""
    debtor("200.00")
    debtor("300.00")
    run = _run(collector)
    original = svc.reminder_issue_one
    calls = []

    def failing(*, reminder, actor=None):
        calls.append(reminder.pk)
        if len(calls) == 2:
            raise RuntimeError("EZD unavailable")
        return original(reminder=reminder, actor=actor)

    monkeypatch.setattr(svc, "reminder_issue_one", failing)
    with pytest.raises(RuntimeError):
        svc.reminder_run_confirm(actor=collector, run=run)
    monkeypatch.setattr(svc, "reminder_issue_one", original)
    run.refresh_from_db()
    assert (run.status, run.confirmed_at is not None, run.error) == (RS.FAILED, True, "EZD unavailable")
    assert sorted(run.reminders.values_list("status", flat=True)) == ["issued", "proposed"]
    return run


# --- 1. a run that failed while issuing --------------------------------------------------------------------------


def test_failed_issuing_is_neither_recomputed_nor_cancelled(collector, failed_run):
    before = _counts()
    for call in (
        lambda: svc.reminder_run_recompute(actor=collector, run=failed_run),
        lambda: svc.reminder_run_cancel(actor=collector, run=failed_run),
    ):
        with pytest.raises(ApplicationError) as exc:
            call()
        assert exc.value.code == "invalid_transition"
    assert _counts() == before


def test_retry_issues_only_the_rest(collector, failed_run):
    numbers = dict(failed_run.reminders.values_list("pk", "number"))
    first_document = failed_run.reminders.get(status="issued").document_id
    run = svc.reminder_run_retry(actor=collector, run=failed_run)
    assert (run.status, run.error) == (RS.ISSUED, "")
    assert set(run.reminders.values_list("status", flat=True)) == {"issued"}
    assert dict(run.reminders.values_list("pk", "number")) == numbers
    assert OutgoingDocument.objects.count() == 2
    assert first_document in set(run.reminders.values_list("document_id", flat=True))
    assert AuditEvent.objects.filter(action="finance.reminder_run.retried").count() == 1
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_retry(actor=collector, run=run)
    assert exc.value.code == "invalid_transition"
    assert _counts() == before


def test_retry_refused_for_a_run_that_failed_while_computing(collector, debtor, monkeypatch):
    debtor("200.00")
    run = _run(collector)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(svc, "_arrears_of", broken)
    with pytest.raises(RuntimeError):
        svc.reminder_run_recompute(actor=collector, run=run)
    monkeypatch.undo()
    run.refresh_from_db()
    assert (run.status, run.confirmed_at) == (RS.FAILED, None)
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_retry(actor=collector, run=run)
    assert exc.value.code == "invalid_transition"
    assert _counts() == before
    assert svc.reminder_run_recompute(actor=collector, run=run).status == RS.PROPOSED  # recomputing is allowed


def test_retry_screen_and_api(client, collector, failed_run):
    client.force_login(collector)
    url = reverse("finance:reminder-run", args=[failed_run.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="run-retry"' in page
    assert 'data-testid="run-recompute"' not in page
    assert 'data-testid="run-cancel"' not in page
    before = _counts()
    response = client.post(reverse("finance:reminder-run-action", args=[failed_run.pk, "recompute"]), follow=True)
    refused = gettext(
        "The run was confirmed: its reminders are numbered and handed over to EZD, so it can be neither "
        "computed again nor cancelled. Retry issuing instead."
    )
    assert refused in response.content.decode()
    assert _counts() == before
    response = client.post(f"/api/v1/finance/reminder-runs/{failed_run.pk}/cancel/")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_transition")
    assert _counts() == before
    response = client.post(f"/api/v1/finance/reminder-runs/{failed_run.pk}/retry/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "issued"
    assert set(failed_run.reminders.values_list("status", flat=True)) == {"issued"}
    again = client.post(f"/api/v1/finance/reminder-runs/{failed_run.pk}/retry/")
    assert (again.status_code, again.json()["code"]) == (400, "invalid_transition")


def test_retry_screen_action(client, collector, failed_run):
    client.force_login(collector)
    response = client.post(reverse("finance:reminder-run-action", args=[failed_run.pk, "retry"]), follow=True)
    assert gettext("Issuing of the run was started again.") in response.content.decode()
    failed_run.refresh_from_db()
    assert failed_run.status == RS.ISSUED


def test_big_retry_is_done_by_the_task(collector, failed_run, settings, django_capture_on_commit_callbacks):
    from unittest import mock

    settings.FINANCE_REMINDER_INLINE_DOCUMENTS = 0
    with (
        mock.patch("finance.tasks_reminders.issue_reminder_run.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = svc.reminder_run_retry(actor=collector, run=failed_run)
    assert run.status == RS.CONFIRMED
    delay.assert_called_once_with(run.pk)
    from finance.tasks_reminders import issue_reminder_run

    issue_reminder_run(run.pk)
    issue_reminder_run(run.pk)  # twice: nothing more
    run.refresh_from_db()
    assert run.status == RS.ISSUED
    assert OutgoingDocument.objects.count() == 2


# --- 2. never twice ---------------------------------------------------------------------------------------------


def test_include_refused_when_another_run_proposes_the_same_arrears(collector, debtor):
    party, _ = debtor("200.00")
    first = _run(collector)
    (r,) = first.reminders.all()
    svc.reminder_exclude(actor=collector, reminder=r, reason="układ ratalny")
    second = _run(collector)
    assert [x.party_id for x in second.reminders.all()] == [party.pk]
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_include(actor=collector, reminder=r)
    assert exc.value.code == "covered"
    assert exc.value.message == gettext(
        "The arrears of this reminder are already covered by another reminder; it cannot be included."
    )
    assert _counts() == before
    # once the other run is cancelled, the reminder may come back
    svc.reminder_run_cancel(actor=collector, run=second)
    assert svc.reminder_include(actor=collector, reminder=r).status == Reminder.Status.PROPOSED


def test_confirm_refused_naming_the_debtors_covered_elsewhere(collector, debtor, jrwa_3130, bank_profile):
    party, _ = debtor("200.00")
    other, _ = debtor("300.00")
    first = _run(collector)
    assert first.reminders.count() == 2
    second = _run(collector)
    assert second.reminders.count() == 0
    _r, warnings = svc.reminder_add_manual(actor=collector, run=second, party=party)
    assert len(warnings) == 1
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_confirm(actor=collector, run=second)
    assert exc.value.code == "covered"
    assert party.display_name in exc.value.message
    assert other.display_name not in exc.value.message
    assert _counts() == before
    # both open runs demand the arrears: the first is refused as well until one of them leaves the debtor out
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_confirm(actor=collector, run=first)
    assert exc.value.code == "covered"
    assert _counts() == before
    manual = second.reminders.get()
    svc.reminder_exclude(actor=collector, reminder=manual, reason="w pierwszym przebiegu")
    assert svc.reminder_run_confirm(actor=collector, run=first).status == RS.ISSUED
    with pytest.raises(ApplicationError) as exc:  # now covered by an issued reminder
        svc.reminder_include(actor=collector, reminder=manual)
    assert exc.value.code == "covered"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks under real concurrency: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_dry_runs_at_once_never_propose_the_same_arrears(collector, debtor, monkeypatch):
    """Both dry runs read what is covered before either writes (the barrier): the runs lock makes the second
    decide again with the first one's proposals, so the debtor is proposed once."""
    party, _ = debtor("200.00")
    barrier = threading.Barrier(2, timeout=30)
    original = svc._latest_notices

    def slow(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(svc, "_latest_notices", slow)
    errors = []

    def create():
        try:
            _run(collector)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(CollectionRun.objects.values_list("status", flat=True)) == ["proposed", "proposed"]
    assert list(Reminder.objects.values_list("party_id", flat=True)) == [party.pk]


# --- 3. lock order: the run, then the reminder ------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SELECT … FOR UPDATE is visible on PostgreSQL")
def test_exclude_locks_the_run_before_the_reminder(collector, debtor):
    debtor("200.00")
    run = _run(collector)
    (r,) = run.reminders.all()
    with CaptureQueriesContext(connection) as queries:
        svc.reminder_exclude(actor=collector, reminder=r, reason="x")
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    tables = [("run" if "finance_collectionrun" in sql.split("FROM", 1)[1][:60] else "reminder") for sql in locks]
    assert tables[:2] == ["run", "reminder"]


# --- 4. the head of unit seals and dispatches -------------------------------------------------------------------


def test_head_of_unit_opens_and_dispatches_but_does_not_review(client, collector, head, debtor, jrwa_3130,
                                                               bank_profile, settings,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    from unittest import mock

    debtor("200.00")
    debtor("300.00")
    proposed = _run(collector)
    client.force_login(head)
    page = client.get(reverse("finance:reminder-run", args=[proposed.pk]))
    assert page.status_code == 200
    assert 'data-testid="run-confirm"' not in page.content.decode()
    assert client.get(reverse("finance:reminder-runs")).status_code == 200
    assert client.get(f"/api/v1/finance/reminder-runs/{proposed.pk}/").status_code == 200
    r = proposed.reminders.order_by("pk").first()
    before = _counts()
    assert client.post(reverse("finance:reminder-run-action", args=[proposed.pk, "confirm"])).status_code == 403
    assert client.post(reverse("finance:reminder-action", args=[r.pk, "exclude"])).status_code == 403
    assert client.post(f"/api/v1/finance/reminder-runs/{proposed.pk}/confirm/").status_code == 403
    assert client.post(f"/api/v1/finance/reminders/{r.pk}/exclude/").status_code == 403
    assert client.post(f"/api/v1/finance/reminder-runs/{proposed.pk}/retry/").status_code == 403
    response = client.post(
        "/api/v1/finance/reminder-runs/", {"cutoff_date": str(CUTOFF), "issue_date": str(ISSUE)},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    assert client.post(reverse("finance:reminder-runs"), {"cutoff_date": "31.05.2026"}).status_code == 403
    assert _counts() == before

    run = svc.reminder_run_confirm(actor=collector, run=proposed)
    page = client.get(reverse("finance:reminder-run", args=[run.pk])).content.decode()
    assert gettext("Sign and dispatch") in page
    settings.FINANCE_REMINDER_INLINE_DOCUMENTS = 0
    with (
        mock.patch("finance.tasks_reminders.dispatch_reminder_run.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/api/v1/finance/reminder-runs/{run.pk}/dispatch/")
    assert response.status_code == 200, response.content
    assert response.json()["summary"]["dispatch"] == {"total": 2, "done": 0, "state": "queued"}
    delay.assert_called_once_with(run.pk, head.pk)
    with mock.patch("finance.tasks_reminders.dispatch_reminder_run.delay"):
        response = client.post(reverse("finance:reminder-run-action", args=[run.pk, "dispatch"]), follow=True)
    assert gettext("Signing and dispatch of the reminders have started.") in response.content.decode()


# --- 5. missing dated parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["interest_minimum", "reminder_repeat_after_days", "reminder_threshold_multiple"])
def test_missing_parameter_is_a_clear_error_nothing_written(collector, debtor, code):
    debtor("200.00")
    FinanceParameter.objects.filter(code=code).delete()
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        _run(collector)
    assert exc.value.code == "missing_parameter"
    assert exc.value.message == gettext("No %(name)s in force on %(date)s: an administrator must add it.") % {
        "name": code, "date": "01.06.2026"}  # fmt: skip
    assert _counts() == before


def test_missing_parameter_through_the_api_and_on_recompute(client, collector, debtor):
    debtor("200.00")
    run = _run(collector)
    FinanceParameter.objects.filter(code="interest_minimum").delete()
    client.force_login(collector)
    before = _counts()
    response = client.post(
        "/api/v1/finance/reminder-runs/", {"cutoff_date": str(CUTOFF), "issue_date": str(ISSUE)},
        content_type="application/json",
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (400, "missing_parameter")
    with pytest.raises(ApplicationError) as exc:
        svc.reminder_run_recompute(actor=collector, run=run)
    assert exc.value.code == "missing_parameter"
    assert _counts() == before


def test_missing_parameter_in_the_task_fails_the_run_with_the_message(collector, debtor):
    debtor("200.00")
    FinanceParameter.objects.filter(code="interest_minimum").delete()
    run = CollectionRun.objects.create(kind=CollectionRun.Kind.REMINDERS, cutoff_date=CUTOFF, issue_date=ISSUE)
    with pytest.raises(ApplicationError):
        svc.reminder_run_compute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RS.FAILED
    assert run.error == gettext("No %(name)s in force on %(date)s: an administrator must add it.") % {
        "name": "interest_minimum", "date": "01.06.2026"}  # fmt: skip
    assert Reminder.objects.count() == 0
