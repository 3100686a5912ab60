"""Celery tasks of the waste fee: the nightly verification of the declarations against the evidence."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="taxes.tasks_waste.verify")
def verify(month: str | None = None) -> dict:
    """Verify the declarations in force on the 1st of ``month`` ("YYYY-MM-DD"; default: the current month) —
    ``taxes.services.waste_verify.waste_verify``. Safe twice: findings are unique per declaration, month and kind."""
    from django.utils import timezone

    from taxes.services.waste_verify import waste_verify

    day = datetime.date.fromisoformat(month) if month else timezone.localdate()
    return waste_verify(month=day.replace(day=1))
