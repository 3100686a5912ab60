"""Celery task of the waste fee charges: the monthly posting of the fee to the payers' finance accounts."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="taxes.tasks_waste_charges.post_month", acks_late=True)
def post_month(month: str | None = None) -> dict:
    """Charge the waste fee of ``month`` ("YYYY-MM-DD", any day of it; default: the current month) for every property
    with an accepted declaration in force (``taxes.services.waste_charges.waste_charges_post``). Safe twice: a month
    already charged for a property is skipped."""
    from django.utils import timezone

    from taxes.services.waste_charges import SYSTEM, waste_charges_post

    day = datetime.date.fromisoformat(month) if month else timezone.localdate()
    return waste_charges_post(actor=SYSTEM, month=day)
