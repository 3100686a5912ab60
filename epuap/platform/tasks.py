"""Celery tasks of the simulated ePUAP platform."""

from celery import shared_task


@shared_task(name="epuap.platform.tasks.deliveries_deem_due", bind=True)
def deliveries_deem_due(self) -> int:
    """Record 7-day reminders and deem delivered the letters not opened within 14 days. Idempotent."""
    from epuap.platform.services import deliveries_deem_due as deem

    return deem()
