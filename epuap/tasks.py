"""Celery tasks of the office's ePUAP adapter. A task takes names/ids, calls one service, is safe to run twice."""

from celery import shared_task


@shared_task(name="epuap.tasks.poll_boxes", bind=True, acks_late=True)
def poll_boxes(self, box_addresses: list[str] | None = None) -> dict[str, str]:
    """Every minute (config/schedule.py): poll each configured box once.

    Two workers never poll the same box (the lease in PollState); a box in backoff is skipped.
    Returns {box address: outcome}.
    """
    from django.conf import settings

    from epuap.services import box_poll

    addresses = box_addresses or list(settings.EPUAP_BOXES)
    return {address: box_poll(box_address=address).outcome for address in addresses}


@shared_task(name="epuap.tasks.edoreczenia_poll_dispatches", bind=True, acks_late=True)
def edoreczenia_poll_dispatches(self) -> dict[str, int]:
    """Every 5 minutes (config/schedule.py): read the evidences of sent e-Doręczenia dispatches and record
    deliveries (receipt or deemed) with their legal date. Idempotent."""
    from epuap.dispatch import edoreczenia_poll_dispatches as poll

    return poll()


@shared_task(name="epuap.tasks.deliver_events", bind=True, acks_late=True)
def deliver_events(self) -> int:
    """Every minute (config/schedule.py): hand undelivered DeliveryEvents to the registered handlers (once each)."""
    from epuap.events import deliver_events as deliver

    return deliver()


@shared_task(name="epuap.tasks.edoreczenia_inbox_poll", bind=True, acks_late=True)
def edoreczenia_inbox_poll(self) -> str:
    """Every minute (config/schedule.py): fetch letters sent to the office's e-Doręczenia address. Idempotent;
    two workers never poll at once (lease)."""
    from epuap.edoreczenia_inbound import edoreczenia_inbox_poll as poll

    return poll().outcome
