"""A task goes through the real broker (Redis in CI, the filesystem broker on the embedded default)
to a real worker process started by the test, and its effect is seen in the database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import app
from core.models import AuditChainCheck, Heartbeat
from core.services.audit import audit_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker():
    """Start `celery worker` consuming a queue of its own; yield the queue name; stop the worker."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = open(BASE_DIR / "var" / f"worker-{queue}.log", "w+b")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-l",
            "info",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "-n",
            f"{queue}@%h",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield queue
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        os.unlink(log.name)
        if proc.returncode not in (0, -signal.SIGTERM):
            print(output)  # noqa: T201 (shown by pytest on failure)


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_task_runs_in_a_real_worker_and_writes_to_the_database(worker):
    for i in range(3):
        audit_log(actor=None, action="test.event", object_type="test", object_id=i)

    result = app.send_task("core.tasks.audit_verify_chain", queue=worker)

    assert _wait_for(lambda: AuditChainCheck.objects.filter(task_id=result.id).exists()), "worker did not run the task"
    check = AuditChainCheck.objects.get(task_id=result.id)
    assert (check.ok, check.events_checked, check.head_seq) == (True, 3, 3)


def test_task_enqueued_on_commit_runs_once_and_rerun_is_harmless(worker):
    from core.tasks import record_heartbeat

    source = f"src-{worker}"
    with transaction.atomic():
        record_heartbeat.apply_async_on_commit(args=[source], queue=worker)
        time.sleep(1)
        assert not Heartbeat.objects.filter(source=source).exists()

    assert _wait_for(lambda: Heartbeat.objects.filter(source=source).exists())
    first = Heartbeat.objects.get(source=source)
    record_heartbeat.apply_async(args=[source], queue=worker)
    assert _wait_for(lambda: Heartbeat.objects.get(source=source).task_id != first.task_id)
    assert Heartbeat.objects.filter(source=source).count() == 1
