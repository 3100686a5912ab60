"""The gateway's asynchronous notification of the merchant: a signed JSON POST to the order's ``notify_url``.

Body (UTF-8 JSON, keys sorted): ``order``, ``transaction_id``, ``status`` (``authorised`` / ``rejected``),
``amount`` ("123.45"), ``currency`` ("PLN"), ``authorised_at`` (ISO 8601 with offset, or null), ``bank``,
``sent_at``. Header ``X-Gateway-Signature``: hex HMAC-SHA256 of the exact body bytes. The merchant answers 200 when
it has processed (or already processed) the notification; anything else is retried by the task.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.utils import timezone

from epuap.transport import HttpTransport, TransportError, UrllibHttpTransport
from finance.gateway_sim import signing
from finance.models import GatewayTransaction

SIGNATURE_HEADER = "X-Gateway-Signature"


def get_transport() -> HttpTransport:
    """How the gateway reaches the merchant (tests route it to the Django test client)."""
    return UrllibHttpTransport(timeout=10)


def callback_body(tx: GatewayTransaction) -> bytes:
    status = "authorised" if tx.status == GatewayTransaction.Status.AUTHORISED else "rejected"
    body = {
        "order": tx.merchant_order,
        "transaction_id": tx.transaction_id,
        "status": status,
        "amount": f"{tx.amount:.2f}",
        "currency": "PLN",
        "authorised_at": tx.authorised_at.isoformat() if tx.authorised_at else None,
        "bank": tx.bank,
        "sent_at": timezone.now().isoformat(),
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")


def deliver(transaction_pk: int) -> bool:
    """Send the notification of a finished transaction once more unless the merchant has confirmed it. True when
    confirmed (now or before), False when it must be retried."""
    tx = GatewayTransaction.objects.filter(pk=transaction_pk).first()
    if tx is None or tx.status == GatewayTransaction.Status.NEW:
        return True  # nothing to tell
    if tx.notified_at is not None:
        return True
    body = callback_body(tx)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signing.sign(body)}
    error = ""
    try:
        answer = get_transport()("POST", tx.notify_url, headers, body)
        if answer.status != 200:
            error = f"HTTP {answer.status}: {answer.body[:200].decode('utf-8', 'replace')}"
    except TransportError as exc:
        error = str(exc)
    with transaction.atomic():
        tx = GatewayTransaction.objects.select_for_update().get(pk=tx.pk)
        tx.notify_attempts += 1
        if error:
            tx.last_error = error[:300]
        else:
            tx.notified_at = timezone.now()
            tx.last_error = ""
        tx.save(update_fields=["notify_attempts", "last_error", "notified_at"])
    return not error
