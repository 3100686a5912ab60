"""Sequential numbers that are safe under concurrency (RPW, case numbers, outgoing register, book positions).

``next_number(key)`` must run inside the caller's transaction: the counter row is locked until that transaction
ends, so a second transaction asking for the same key waits and gets the next number; if the caller rolls back,
the number is not used up. The row is created with INSERT … ON CONFLICT DO NOTHING, so two first callers do not
collide either. On SQLite the whole database is locked by the writer (IMMEDIATE transactions), same effect.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from documents.models import Counter


def next_number(key: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    Counter.objects.bulk_create([Counter(key=key, value=0)], ignore_conflicts=True)
    Counter.objects.filter(key=key).update(value=F("value") + 1)  # takes the row lock
    return Counter.objects.select_for_update().values_list("value", flat=True).get(key=key)


def next_numbers(key: str, count: int) -> list[int]:
    """``count`` consecutive numbers of ``key`` at once (mass issue), under the same rules as :func:`next_number`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_numbers() must be called inside transaction.atomic()")
    if count <= 0:
        return []
    Counter.objects.bulk_create([Counter(key=key, value=0)], ignore_conflicts=True)
    Counter.objects.filter(key=key).update(value=F("value") + count)  # takes the row lock
    last = Counter.objects.select_for_update().values_list("value", flat=True).get(key=key)
    return list(range(last - count + 1, last + 1))


def rpw_key(year: int) -> str:
    return f"rpw:{year}"


def case_key(unit_id: int, jrwa_symbol: str, year: int) -> str:
    return f"case:{unit_id}:{jrwa_symbol}:{year}"


def shipment_key(year: int) -> str:
    return f"shipment:{year}"
