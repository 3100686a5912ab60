"""Celery tasks of core. A task takes ids, calls one service, and is safe to run twice."""

from celery import shared_task
from django.utils import timezone


@shared_task(name="core.tasks.audit_verify_chain", bind=True, acks_late=True)
def audit_verify_chain(self) -> int:
    """Verify the audit hash chain and record the verdict (an AuditChainCheck row)."""
    from core.services.audit import audit_verify_and_record

    check = audit_verify_and_record(task_id=self.request.id or "")
    return check.pk


@shared_task(name="core.tasks.record_heartbeat", bind=True)
def record_heartbeat(self, source: str = "beat") -> None:
    """Record that a worker ran a task sent by ``source`` (update_or_create: running twice is harmless)."""
    from core.models import Heartbeat

    Heartbeat.objects.update_or_create(
        source=source[:50], defaults={"last_seen": timezone.now(), "task_id": self.request.id or ""}
    )
