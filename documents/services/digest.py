"""The daily deadline digest e-mailed to each clerk with open cases or letters waiting (issue 5 point 8).

Idempotent per (clerk, day): a sent digest is recorded as the audit event ``documents.digest.sent`` with
``details={"day": iso}`` on the clerk; the clerk's row is locked while checking, sending and recording, so two
runs at once (or a retried task) never send twice. A failed send rolls back and is retried by the next run.
Nothing is sent on a Saturday, Sunday or public holiday, nor to inactive users or users without an e-mail.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from core.domain.calendar import is_working_day
from core.models import AuditEvent
from core.selectors import holidays_between
from core.services.audit import audit_log
from documents.models import Assignment, Case, IncomingEntry
from documents.services.reports import (
    DUE_SOON,
    DUE_TODAY,
    INBOX_CASE_STATUSES,
    OVERDUE,
    InboxItem,
    clerk_inbox,
    previous_working_day,
)

logger = logging.getLogger(__name__)

SENT_ACTION = "documents.digest.sent"


@dataclass
class Digest:
    clerk: object
    day: datetime.date
    since: datetime.date
    overdue: list[InboxItem] = field(default_factory=list)
    due_today: list[InboxItem] = field(default_factory=list)
    due_soon: list[InboxItem] = field(default_factory=list)
    new_entries: list[IncomingEntry] = field(default_factory=list)
    open_cases: int = 0
    open_entries: int = 0


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def digest_for(*, clerk, day: datetime.date) -> Digest:
    """What the clerk's digest for ``day`` says. New letters: assigned to him from the start of the previous
    working day to the start of ``day`` (Monday's digest covers Friday to Sunday)."""
    holidays = holidays_between(day - datetime.timedelta(days=20), day)
    since = previous_working_day(day, holidays)
    inbox = clerk_inbox(clerk=clerk, day=day)
    items = inbox.entries + inbox.cases
    new_ids = (
        Assignment.objects.filter(to_user=clerk, entry__isnull=False, at__gte=_day_start(since), at__lt=_day_start(day))
        .values_list("entry_id", flat=True)
        .distinct()
    )
    new_entries = list(
        IncomingEntry.objects.filter(pk__in=list(new_ids), assigned_to=clerk).order_by("received_at", "pk")
    )
    return Digest(
        clerk=clerk,
        day=day,
        since=since,
        overdue=[i for i in items if i.state == OVERDUE],
        due_today=[i for i in items if i.state == DUE_TODAY],
        due_soon=[i for i in items if i.state == DUE_SOON],
        new_entries=new_entries,
        open_cases=len(inbox.cases),
        open_entries=len(inbox.entries),
    )


def digest_recipients():
    """Active users with an e-mail address who have a letter waiting or an open case."""
    waiting = IncomingEntry.objects.filter(case__isnull=True).exclude(
        status__in=(IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED)
    )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(pk__in=waiting.values("assigned_to_id"))
            | Q(pk__in=Case.objects.filter(status__in=INBOX_CASE_STATUSES).values("owner_id"))
        )
        .order_by("pk")
    )


def already_sent(*, clerk, day: datetime.date) -> bool:
    return AuditEvent.objects.filter(
        action=SENT_ACTION, object_type=clerk._meta.label_lower, object_id=str(clerk.pk), details__day=day.isoformat()
    ).exists()


def _message(digest: Digest) -> EmailMultiAlternatives:
    base_url = getattr(settings, "MAGISTRAT_BASE_URL", "").rstrip("/")
    context = {
        "digest": digest,
        "inbox_url": f"{base_url}{reverse('documents:inbox')}" if base_url else "",
        "office_name": settings.MAGISTRAT_OFFICE_NAME,
    }
    with override(settings.LANGUAGE_CODE):
        subject = _("Your cases on %(day)s: %(overdue)s overdue, %(today)s due today") % {
            "day": digest.day.strftime("%d.%m.%Y"),
            "overdue": len(digest.overdue),
            "today": len(digest.due_today),
        }
        text = render_to_string("documents/email/digest.txt", context)
        html = render_to_string("documents/email/digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[digest.clerk.email])
    message.attach_alternative(html, "text/html")
    return message


def digest_send_one(*, clerk, day: datetime.date) -> bool:
    """Send one clerk's digest for ``day`` unless already sent; True when sent."""
    user_model = get_user_model()
    with transaction.atomic():
        locked = user_model.objects.select_for_update().get(pk=clerk.pk)
        if not locked.is_active or not locked.email or already_sent(clerk=locked, day=day):
            return False
        digest = digest_for(clerk=locked, day=day)
        if not (digest.open_cases or digest.open_entries):
            return False
        _message(digest).send(fail_silently=False)
        audit_log(
            actor="system:digest",
            action=SENT_ACTION,
            obj=locked,
            details={
                "day": day.isoformat(),
                "overdue": len(digest.overdue),
                "due_today": len(digest.due_today),
                "due_soon": len(digest.due_soon),
                "new_entries": len(digest.new_entries),
            },
        )
    return True


def digest_send(*, day: datetime.date) -> int:
    """Send the digests for ``day`` (a working day) to every recipient; returns how many were sent."""
    if not is_working_day(day, holidays_between(day, day)):
        return 0
    sent = 0
    for clerk in digest_recipients():
        try:
            sent += digest_send_one(clerk=clerk, day=day)
        except Exception:  # one mailbox failing does not stop the others; the next run retries it
            logger.exception("documents.digest.failed", extra={"clerk": clerk.pk, "day": day.isoformat()})
    return sent
