"""Hooks of the reminders area (menu entries, the receipt handler, the demo seeder), called from
FinanceConfig.ready."""

from django.utils.translation import gettext_lazy as _

from core.navigation import MenuItem
from core.navigation import register as register_menu


def seed_demo(*, actor=None, stdout=None) -> str:
    """One reminder run (all receivable types, cut-off yesterday, issue date today) computed as a dry run and left
    PROPOSED for review, so the screen is not empty after ``make demo``. Idempotent: nothing is done when a demo
    run exists (or the current accounting month is closed)."""
    import datetime

    from django.db import transaction
    from django.utils import timezone

    from core.actors import user_or_none
    from core.exceptions import ApplicationError
    from core.services.audit import audit_log
    from finance.models.collection import CollectionRun
    from finance.services import reminders as svc
    from finance.services.ledger import period_is_closed

    runs = CollectionRun.objects.filter(kind=CollectionRun.Kind.REMINDERS).exclude(
        status=CollectionRun.Status.CANCELLED
    )
    if runs.exists():
        return f"reminders: {runs.count()} run(s) already there"
    today = timezone.localdate()
    if period_is_closed(today):
        return "reminders: the current accounting month is closed, no demo run"
    with transaction.atomic():
        run = CollectionRun.objects.create(
            kind=CollectionRun.Kind.REMINDERS, cutoff_date=today - datetime.timedelta(days=1), issue_date=today,
            created_by=user_or_none(actor),
        )  # fmt: skip
        audit_log(
            actor=actor or "system:demo", action="finance.reminder_run.created", obj=run,
            details={"receivable_type": None, "cutoff_date": run.cutoff_date, "issue_date": today, "demo": True},
        )  # fmt: skip
    try:
        run = svc.reminder_run_compute(run_id=run.pk, actor=actor or "system:demo")
    except ApplicationError as exc:  # e.g. no reminder cost in force: the run shows FAILED, the demo goes on
        return f"reminders: run {run.pk} failed: {exc.message}"
    return f"reminders: run {run.pk} ({run.status}), {run.summary.get('proposed', 0)} reminder(s) proposed"


def register() -> None:
    from core import demo
    from documents.events import register_receipt_handler
    from finance.services.reminders import on_receipt

    register_receipt_handler("finance", on_receipt)
    register_menu(
        MenuItem("finance-reminders", _("Reminders"), "finance:reminder-runs", "finance.manage_collection", 62)
    )
    demo.register_seeder("finance-reminders", seed_demo, order=68)
