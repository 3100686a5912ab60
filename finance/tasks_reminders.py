"""Celery tasks of the reminders area: the dry run of a big run, the hand-over of its documents to EZD and their
signing and dispatch.

Ids in, one service call, enqueued with ``transaction.on_commit``; all are safe to run twice (a run not in the
expected state is left alone, a reminder with a document is skipped)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="finance.tasks_reminders.compute_reminder_run", acks_late=True)
def compute_reminder_run(run_id: int) -> int:
    from finance.services.reminders import reminder_run_compute

    return reminder_run_compute(run_id=run_id).pk


@shared_task(name="finance.tasks_reminders.issue_reminder_run", acks_late=True)
def issue_reminder_run(run_id: int) -> int:
    from finance.services.reminders import reminder_run_issue

    return reminder_run_issue(run_id=run_id).pk


@shared_task(name="finance.tasks_reminders.dispatch_reminder_run", acks_late=True)
def dispatch_reminder_run(run_id: int, actor_id: int) -> int:
    """Sign and dispatch the run's reminders as the user who asked (progress in ``run.summary["dispatch"]``)."""
    from django.contrib.auth import get_user_model

    from finance.services.reminders import reminder_run_dispatch_all

    actor = get_user_model().objects.get(pk=actor_id)
    return reminder_run_dispatch_all(run_id=run_id, actor=actor).pk
