"""Celery tasks of the intake area (imported by documents/tasks.py): ids in, one service call, safe to run twice."""

from celery import shared_task

from documents.services import email_intake, intake


@shared_task(name="documents.register_inbound_documents", acks_late=True)
def register_inbound_documents() -> int:
    """Register in the RPW every eligible ePUAP inbound document not registered yet (every minute)."""
    return intake.register_pending_inbound()


@shared_task(name="documents.poll_mailbox", acks_late=True)
def poll_mailbox() -> dict:
    """Read new messages from the office's IMAP mailbox (DOCUMENTS_IMAP_URL; nothing when empty)."""
    return email_intake.mailbox_poll()
