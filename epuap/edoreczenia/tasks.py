"""Celery tasks of the simulated e-Doręczenia. Safe to run twice."""

from celery import shared_task


@shared_task(name="epuap.edoreczenia.tasks.messages_deem_due", bind=True)
def messages_deem_due(self) -> int:
    """Deem delivered the messages not collected within 14 days of arrival (art. 41 ust. 1 pkt 3 u.d.e.)."""
    from epuap.edoreczenia.services import messages_deem_due as deem

    return deem()
