"""A fixed-window request counter per client IP in the Django cache (login and ACS endpoints)."""

from __future__ import annotations

import time

from django.core.cache import cache

from portal.saml import config


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request, scope: str) -> bool:
    """Count this request; False when the IP exceeded the limit in the current window."""
    limit, window = config.rate_limit()
    bucket = int(time.time() // window)
    key = f"portal-rate:{scope}:{client_ip(request)}:{bucket}"
    if cache.add(key, 1, window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, window + 5)
            count = 1
    return count <= limit
