"""Celery tasks of the dispatch area (ids in, one service call, safe to run twice)."""

from celery import shared_task

from documents import events


@shared_task(name="documents.tasks_dispatch.deliver_receipt_events")
def deliver_receipt_events() -> int:
    """Hand ReceiptEvents to the originating apps' handlers (beat: every minute)."""
    return events.deliver_receipt_events()
