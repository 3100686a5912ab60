"""Celery tasks of finance (bank area). A task takes ids / paths, calls one service, and is safe to run twice."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


def _jobs_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "finance-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _job_file(job_id: str) -> Path:
    if not job_id.isalnum():
        raise ValueError("bad job id")
    return _jobs_dir() / f"{job_id}.json"


def job_state(job_id: str) -> dict | None:
    """The state of an upload job, shared between the web and the worker processes (a small JSON file)."""
    try:
        return json.loads(_job_file(job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None


def job_set(job_id: str, **state) -> None:
    current = job_state(job_id) or {}
    current.update(state)
    target = _job_file(job_id)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(current), encoding="utf-8")
    os.replace(temporary, target)  # atomic: a reader never sees half a file


@shared_task(name="finance.tasks.import_statements_from_inbox", acks_late=True)
def import_statements_from_inbox() -> dict:
    """Every 5 minutes: import the new files of ``FINANCE_STATEMENT_INBOX`` (the bank's host-to-host delivery)."""
    from finance.services.statements import inbox_import

    inbox = getattr(settings, "FINANCE_STATEMENT_INBOX", "")
    if not inbox:
        return {}
    result = inbox_import(inbox=inbox)
    if result.rejected or result.failed:
        logger.warning("statement inbox: rejected %s, failed %s", result.rejected, result.failed)
    return {
        "imported": result.imported,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "failed": result.failed,
    }


@shared_task(name="finance.tasks.import_statement_upload", acks_late=True)
def import_statement_upload(job_id: str, path: str, profile_id: int, user_id: int | None, file_name: str) -> None:
    """Import a file uploaded by hand; the state of the job (for the progress bar) is kept in the cache.

    Safe to run twice: a finished job is not run again, and a second import of the file is a duplicate."""
    from django.contrib.auth import get_user_model

    from finance.models import BankProfile
    from finance.services.statements import StatementRejected, statement_import

    state = job_state(job_id) or {}
    if state.get("state") in ("done", "rejected"):
        return
    upload = Path(path)
    if not upload.exists():
        job_set(job_id, state="rejected", error="missing file")
        return
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    profile = BankProfile.objects.get(pk=profile_id)
    job_set(job_id, state="running", done=0, total=0)
    try:
        summary = statement_import(
            actor=user,
            profile=profile,
            data=upload.read_bytes(),
            file_name=file_name,
            progress=lambda done, total: job_set(job_id, done=done, total=total),
        )
    except StatementRejected as exc:
        job_set(job_id, state="rejected", error=exc.message)
    except Exception as exc:
        job_set(job_id, state="failed", error=str(exc)[:300])  # the file stays for a retry
        raise
    else:
        job_set(job_id, state="done", summary=summary.as_dict())
    upload.unlink(missing_ok=True)


@shared_task(name="finance.tasks.settle_overpayments", acks_late=True)
def settle_overpayments() -> dict[str, int]:
    """Every night (config/schedule.py): credit overpayments ex officio (OP art. 76 §1). Safe to run twice."""
    from finance.services.overpayments import overpayments_settle_all

    return overpayments_settle_all()


# Tasks of the collection areas live in their own modules; imported here so that the worker registers them.
from finance import tasks_gateway, tasks_reminders, tasks_titles  # noqa: E402, F401
