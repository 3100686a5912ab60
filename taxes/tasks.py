"""Celery tasks of taxes. A task takes ids, calls one service, and is safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="taxes.tasks.compute_assessment_run", acks_late=True)
def compute_assessment_run(run_id: int) -> str:
    """The dry run of a DRAFT assessment run (a run already computed is left alone)."""
    from taxes.services.assessment import assessment_run_compute

    run = assessment_run_compute(run_id=run_id)
    return run.status


@shared_task(name="taxes.tasks.issue_assessment_run", acks_late=True)
def issue_assessment_run(run_id: int, user_id: int) -> str:
    """Issue (or resume issuing) the decisions of a run on behalf of ``user_id``."""
    from django.contrib.auth import get_user_model

    from taxes.models import AssessmentRun
    from taxes.services.assessment import assessment_run_issue

    run = AssessmentRun.objects.get(pk=run_id)
    if run.status == AssessmentRun.Status.ISSUED:
        return run.status
    actor = get_user_model().objects.get(pk=user_id)
    return assessment_run_issue(actor=actor, run=run).status


# The decisions area keeps its tasks in its own module; imported here so that the worker registers them.
from taxes import tasks_decisions, tasks_waste, tasks_waste_charges  # noqa: E402, F401
