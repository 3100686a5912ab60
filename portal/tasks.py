"""Celery tasks of the portal (safe to run twice)."""

from celery import shared_task
from django.conf import settings
from django.utils import translation


@shared_task(name="portal.tasks.send_notifications")
def send_notifications() -> dict:
    """The daily notifications with consent: due dates (7 days before and on the day), new letters, case status
    changes, and the retry of failed ones (beat: daily, config/schedule.py)."""
    from portal.services_notifications import notifications_run

    with translation.override(settings.LANGUAGE_CODE):
        return notifications_run()
