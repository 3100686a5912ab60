"""Celery tasks of the inbox area: the daily deadline digest."""

import datetime

from celery import shared_task


@shared_task(name="documents.tasks_inbox.send_daily_digest", bind=True)
def send_daily_digest(self, day: str | None = None) -> int:
    """Working days 07:00: e-mail each clerk his digest for ``day`` (ISO date, default today). Safe to run twice:
    a digest already sent for the day is not sent again."""
    from django.utils import timezone

    from documents.services.digest import digest_send

    return digest_send(day=datetime.date.fromisoformat(day) if day else timezone.localdate())
