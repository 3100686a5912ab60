"""Celery tasks of decisions: bulk render + hand-over to EZD, and the nightly "final" marker."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="taxes.tasks_decisions.render_and_hand_over", acks_late=True)
def render_and_hand_over(decision_ids: list[int], actor_id: int) -> dict:
    """Render the decisions' PDFs and XML in batches (``taxes.services.rendering``) and hand each over to EZD (safe
    twice: a decision with a document is skipped). The run's progress: ``rendering.render_progress(run)``."""
    from django.contrib.auth import get_user_model

    from taxes.services.decisions import decisions_hand_over

    actor = get_user_model().objects.get(pk=actor_id)
    return decisions_hand_over(actor=actor, decision_ids=decision_ids)


@shared_task(name="taxes.tasks_decisions.mark_final")
def mark_final() -> int:
    """Nightly: delivered decisions past their appeal period become final."""
    from taxes.services.decisions import decisions_mark_final

    return decisions_mark_final()
