"""The demo's decisions of last year (issue 8 point 11), registered as a demo seeder from TaxesConfig.ready.

Last year's assessment run is created, computed and issued through the public services of
:mod:`taxes.services.assessment` (``assessment_run_create``, ``assessment_run_compute``, ``assessment_run_issue``),
so the decisions, their numbers, items, installments, individual accounts and QR codes are what a clerk's run
gives. The rest of last year is then taken as history, not replayed: the decisions are marked handed over without
rendering 2 000 PDFs (no EZD document; one audit event ``taxes.demo.decisions_issued`` records the shortcut),
delivered between mid-February and mid-March through :func:`taxes.services.decisions.decision_delivered` (the
effective due dates, OP art. 47 §2, and the charges posted to finance, as on a real receipt), made final by
:func:`taxes.services.decisions.decisions_mark_final`, and paid by bank transfers allocated by
:func:`finance.services.payments.payments_allocate_batch`: most in full and on time, some at once, some late, some
only the first installments, a few not at all — so the finance side has realistic arrears with interest.

The hand-over job that ``assessment_run_issue`` queues after the commit finds the decisions no longer drafts and
does nothing to them (it reports each as an error and goes on). Idempotent: a year that already has an issued run
is left alone.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

DEMO_SEED = 20250210
PAID_ALL, PAID_AT_ONCE, PAID_LATE, PAID_TWO, PAID_NONE = "all", "at_once", "late", "two", "none"


def _profile(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.78:
        return PAID_ALL
    if roll < 0.86:
        return PAID_AT_ONCE
    if roll < 0.89:
        return PAID_LATE
    if roll < 0.96:
        return PAID_TWO
    return PAID_NONE


def _payments(decisions, year: int) -> list:
    """Unsaved bank payments of the decisions' installments (deterministic per decision number)."""
    from finance.models import Payment

    rows = []
    for decision in decisions:
        rng = random.Random(f"{DEMO_SEED}:{decision.number}")  # noqa: S311 (demo data)
        installments = sorted(decision.installments.all(), key=lambda i: i.number)
        profile = _profile(rng)
        if profile == PAID_NONE or not installments:
            continue
        plan = [(i.effective_due_date or i.due_date, i.amount, i.number) for i in installments]
        if profile == PAID_AT_ONCE:
            plan = [(plan[0][0], decision.total, 0)]
        elif profile == PAID_TWO:
            plan = plan[:2]
        for due, amount, number in plan:
            if profile == PAID_LATE:
                day = due + datetime.timedelta(days=20 + rng.randrange(60))
            else:
                day = due - datetime.timedelta(days=rng.randrange(12))
            day = min(day, datetime.date(year, 12, 31))
            title = f"{decision.number} rata {number}" if number else f"{decision.number} całość"
            rows.append(Payment(
                source=Payment.Source.BANK, party_id=decision.party_id, amount=Decimal(amount), payment_date=day,
                received_on=day, status=Payment.Status.UNIDENTIFIED, title=title[:500],
            ))  # fmt: skip
    return rows


def seed_demo(*, actor=None, stdout=None, year: int | None = None) -> str:
    """Last year's decisions for the demo register: issued, delivered, final, posted to finance and mostly paid."""
    from django.db import transaction
    from django.utils import timezone

    from core.exceptions import ApplicationError
    from core.services.audit import audit_log
    from finance.models import BankProfile, Payment
    from finance.services.payments import payments_allocate_batch
    from taxes.models import AssessmentRun, Decision
    from taxes.services.assessment import assessment_run_compute, assessment_run_create, assessment_run_issue
    from taxes.services.decisions import decision_delivered, decisions_mark_final

    year = year or timezone.localdate().year - 1
    if actor is None or not actor.has_perm("taxes.assess_taxes"):
        actor = _assessor()
    if actor is None:
        return "taxes-decisions: skipped (no user allowed to assess taxes)"
    if AssessmentRun.objects.filter(year=year, status=AssessmentRun.Status.ISSUED).exists():
        return f"taxes-decisions: {year} already issued"
    if AssessmentRun.objects.filter(year=year, status__in=AssessmentRun.ACTIVE).exists():
        return f"taxes-decisions: skipped (an assessment run for {year} is in progress)"
    if not BankProfile.objects.exists():
        return "taxes-decisions: skipped (no bank profile for the individual accounts)"
    try:
        with transaction.atomic():
            run = assessment_run_create(actor=actor, year=year, issue_date=datetime.date(year, 2, 10))
            # Inline, whatever the size: during the seed no worker is running.
            run = assessment_run_compute(run_id=run.pk)
            run = assessment_run_issue(actor=actor, run=run)
            ids = list(Decision.objects.filter(run=run, status=Decision.Status.DRAFT).order_by("pk").values_list(
                "pk", flat=True))  # fmt: skip
            Decision.objects.filter(pk__in=ids).update(status=Decision.Status.ISSUED)
            audit_log(actor=actor, action="taxes.demo.decisions_issued", obj=run, details={
                "decisions": len(ids), "note": "demo history: handed over without documents"})  # fmt: skip
            for n, pk in enumerate(ids):
                delivered = datetime.date(year, 2, 17) + datetime.timedelta(days=(n * 7) % 28)
                decision_delivered(decision_id=pk, delivered_on=delivered)
            final = decisions_mark_final(datetime.date(year, 4, 30))
            decisions = Decision.objects.filter(pk__in=ids).prefetch_related("installments").order_by("pk")
            before = Payment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            Payment.objects.bulk_create(_payments(decisions, year), batch_size=1000)
            saved = list(Payment.objects.filter(pk__gt=before, source=Payment.Source.BANK).order_by("pk"))
            payments_allocate_batch(payments=saved, actor=None)
    except ApplicationError as exc:
        return f"taxes-decisions: skipped ({exc.message})"
    return (
        f"taxes-decisions: run {year}: {len(ids)} decisions issued and delivered, {final} final, "
        f"{len(saved)} payments allocated"
    )


def _assessor():
    from core import roles
    from core.models import User

    return User.objects.filter(groups__name=roles.TAX_CLERK, is_active=True).order_by("pk").first()


def register() -> None:
    from core import demo

    demo.register_seeder("taxes-decisions", seed_demo, order=75)
