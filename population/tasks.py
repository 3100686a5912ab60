"""Celery tasks of the residents register."""

from celery import shared_task


@shared_task(name="population.tasks.expire_temporary_registrations", bind=True)
def expire_temporary_registrations(self) -> int:
    """Nightly: end temporary stays whose planned end date has come. Idempotent."""
    from population.services import registrations_expire_due

    return registrations_expire_due(actor="task:expire_temporary_registrations")
