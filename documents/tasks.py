"""Celery tasks of the documents app (Celery's autodiscovery imports this module; the tasks live per area)."""

from documents.tasks_dispatch import deliver_receipt_events  # noqa: F401
from documents.tasks_inbox import send_daily_digest  # noqa: F401
from documents.tasks_intake import poll_mailbox, register_inbound_documents  # noqa: F401
