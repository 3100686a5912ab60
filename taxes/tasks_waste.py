"""Celery tasks of the waste fee: the nightly verification of the declarations against the evidence."""

from __future__ import annotations

import datetime
import logging
import time

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="taxes.tasks_waste.verify")
def verify(month: str | None = None) -> dict:
    """Verify the declarations in force on the 1st of ``month`` ("YYYY-MM-DD"; default: the current month) —
    ``taxes.services.waste_verify.waste_verify``. Safe twice: findings are unique per declaration, month and kind.
    The run's counts and duration are logged (100 000 declarations: see docs/performance.md)."""
    from django.utils import timezone

    from taxes.services.waste_verify import waste_verify

    day = datetime.date.fromisoformat(month) if month else timezone.localdate()
    started = time.perf_counter()
    result = waste_verify(month=day.replace(day=1))
    logger.info(
        "waste verification %(month)s: %(declarations)s declarations, %(created)s findings created, "
        "%(updated)s updated in %(seconds).1f s",
        {**result, "seconds": time.perf_counter() - started},
    )
    return result
