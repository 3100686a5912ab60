"""The gateway's HMAC-SHA256 signatures with the secret it shares with the merchant (the office)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def secret() -> bytes:
    """``PAYMENT_GATEWAY_SECRET``; without it a key derived from ``SECRET_KEY`` (as the office derives it)."""
    configured = getattr(settings, "PAYMENT_GATEWAY_SECRET", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(b"magistrat-payment-gateway:" + settings.SECRET_KEY.encode()).hexdigest().encode()


def sign(data: bytes) -> str:
    return hmac.new(secret(), data, hashlib.sha256).hexdigest()


def canonical(params: dict[str, str]) -> bytes:
    """The merchant's signed text: ``key=value`` lines of every parameter but ``sig``, sorted by key."""
    return "\n".join(f"{k}={params[k]}" for k in sorted(params) if k != "sig").encode()


def valid(data: bytes, signature: str) -> bool:
    return bool(signature) and hmac.compare_digest(sign(data), signature.strip().lower())
