"""Celery tasks of the titles area: ids in, one service call, safe to run twice."""

from celery import shared_task

from finance.services.titles import titles_mark_paid


@shared_task(name="finance.titles_mark_paid")
def mark_titles_paid() -> int:
    """Nightly: titles sent or accepted whose installments are fully paid become ``paid``."""
    return titles_mark_paid()
