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
