"""Celery task of the waste fee charges: the monthly posting of the fee to the payers' finance accounts."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="taxes.tasks_waste_charges.post_month", acks_late=True)
def post_month(month: str | None = None) -> dict:
    """Charge the waste fee of ``month`` ("YYYY-MM-DD" — any day of it — or "YYYY-MM"; default: the current month in
    the office's time zone, ``TIME_ZONE`` Europe/Warsaw, so beat's run on the 1st at 04:20 charges that month even
    when the worker's clock is in UTC) for every property with an accepted declaration in force, and the holiday
    cottages' annual fee in the first month of the year (``taxes.services.waste_charges.waste_charges_post``). Safe
    twice: a month already charged for a property is skipped."""
    from django.utils import timezone

    from taxes.services.waste_charges import SYSTEM, waste_charges_post

    # without a month: today in the active time zone (settings.TIME_ZONE in a worker)
    day = datetime.date.fromisoformat(month if len(month) > 7 else f"{month}-01") if month else timezone.localdate()
    return waste_charges_post(actor=SYSTEM, month=day)
