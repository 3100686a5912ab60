"""Celery task of the simulated payment gateway: the asynchronous, signed notification of the merchant (the
office). Enqueued on commit when the payer authorises or rejects; safe to run twice (a confirmed notification is not
sent again; the office's callback is idempotent anyway); retried with back-off while the office does not answer 200.
"""

from __future__ import annotations

from celery import shared_task

RETRIES = 8


@shared_task(bind=True, name="finance.gateway_notify", max_retries=RETRIES)
def gateway_notify(self, transaction_pk: int) -> bool:
    from finance.gateway_sim.notify import deliver

    if deliver(transaction_pk):
        return True
    if self.request.called_directly or self.request.is_eager:
        return False
    raise self.retry(countdown=min(30 * 2**self.request.retries, 3600))
