"""Notifications with consent (issue 10 point 6): the resident's preference centre and the daily run.

* :func:`consent_set` records the resident's choice per (channel, topic): a NEW :class:`NotificationConsent` row
  for every change (granted with its time, the text shown and the address; or withdrawn with its time) — the
  history is never edited.
* :func:`notify` sends one notification to a resident by every channel for which a CURRENT consent for the topic
  exists, and by no other: without consent nothing is sent and nothing is logged. Each (party, channel, key) is sent
  once; a failure is logged on the row (attempts, error) and retried by the next run.
* :func:`notifications_run` (the daily task): installments due in 7 days and due today, letters dispatched to the
  resident since their consent, changes of the status of their cases (compared with what the last run saw).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.domain.money import format_pln
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from portal.models import CaseStatusSeen, Channel, Notification, NotificationConsent, Topic
from portal.notify import Message, sender_for

SYSTEM_ACTOR = "system:portal-notifications"
MAX_ATTEMPTS = 10
REMINDER_DAYS = 7
PAIRS = [(c, t) for c in Channel.values for t in Topic.values]
PHONE_RE = re.compile(r"^(?:\+?48)?([1-9][0-9]{8})$")


# --- consents ------------------------------------------------------------------------------------------------


def consent_text(channel: str, topic: str, address: str = "") -> str:
    """The text of the consent shown next to the checkbox (and stored with a granted consent)."""
    texts = {
        Channel.EMAIL: _("I consent to the office sending me %(topic)s by e-mail to the address %(address)s."),
        Channel.SMS: _("I consent to the office sending me %(topic)s by SMS to the number %(address)s."),
        Channel.BOX: _("I consent to the office sending me %(topic)s to my electronic box %(address)s."),
    }
    topics = {
        Topic.DUE_DATES: _("reminders of payment due dates (7 days before and on the day)"),
        Topic.LETTERS: _("information about new letters from the office"),
        Topic.CASE_STATUS: _("information about changes of the status of my cases"),
    }
    return (
        texts[channel] % {"topic": topics[topic], "address": address or "—"}
        + " "
        + _("I may withdraw this consent at any time in the residents' portal; the withdrawal does not affect "
            "notifications sent before it.")
    )  # fmt: skip


def current_consents(party) -> dict[tuple[str, str], NotificationConsent]:
    """The latest consent row of each (channel, topic) of ``party`` (granted or withdrawn)."""
    rows = NotificationConsent.objects.filter(party=party).order_by("id")
    return {(r.channel, r.topic): r for r in rows}


def _current_granted(topic: str, party_ids=None) -> dict[int, dict[str, NotificationConsent]]:
    """{party id: {channel: consent}} of the consents currently granted for ``topic``."""
    latest = NotificationConsent.objects.filter(topic=topic)
    if party_ids is not None:
        latest = latest.filter(party_id__in=list(party_ids))
    latest_ids = latest.order_by().values("party_id", "channel").annotate(last=Max("id")).values("last")
    found: dict[int, dict[str, NotificationConsent]] = defaultdict(dict)
    for row in NotificationConsent.objects.filter(id__in=latest_ids, granted=True).select_related("party"):
        found[row.party_id][row.channel] = row
    return found


def box_address(party) -> str:
    """The resident's electronic box: the e-Delivery address (ADE) if recorded, else the ePUAP box."""
    return party.ade_address or party.epuap_box or ""


def normalise_phone(value: str) -> str | None:
    """A Polish phone number as ``+48XXXXXXXXX``; None if it is not one."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    match = PHONE_RE.match(digits)
    return f"+48{match.group(1)}" if match else None


def _require_resident(actor, party) -> None:
    if not (
        getattr(actor, "is_authenticated", False)
        and actor.has_perm("core.use_portal")
        and getattr(actor, "party_id", None) == party.pk
    ):
        raise ApplicationError(_("Only the resident may change their own consents."), code="forbidden")


def consent_set(
    *, actor, party, granted: set[tuple[str, str]] | list, email: str = "", phone: str = ""
) -> list[NotificationConsent]:
    """Set the resident's consents to exactly ``granted`` (pairs (channel, topic)); returns the new rows.

    A row is written only for a pair whose state changes, or whose address changes while granted."""
    _require_resident(actor, party)
    wanted = {(str(c), str(t)) for c, t in granted}
    unknown = wanted - set(PAIRS)
    if unknown:
        raise ServiceValidationError(_("The data contain errors."), errors={"granted": [_("Unknown channel.")]})
    email = (email or "").strip()
    errors: dict[str, list[str]] = {}
    channels = {c for c, _t in wanted}
    if Channel.EMAIL in channels:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    phone_norm = ""
    if Channel.SMS in channels:
        phone_norm = normalise_phone(phone) or ""
        if not phone_norm:
            errors["phone"] = [_("Enter a Polish mobile phone number: 9 digits, optionally preceded by +48.")]
    if Channel.BOX in channels and not box_address(party):
        errors["box"] = [
            _("The office has no ePUAP box or e-Delivery address of yours. Write to the office from your box first.")
        ]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)
    addresses = {Channel.EMAIL: email, Channel.SMS: phone_norm, Channel.BOX: box_address(party)}
    now = timezone.now()
    created: list[NotificationConsent] = []
    with transaction.atomic():
        current = current_consents(party)
        for channel, topic in PAIRS:
            row = current.get((channel, topic))
            was = bool(row and row.granted)
            want = (channel, topic) in wanted
            address = addresses[channel] if want else (row.address if row else "")
            if want == was and (not want or row.address == address):
                continue
            if not want and row is None:
                continue
            created.append(
                NotificationConsent.objects.create(
                    party=party,
                    channel=channel,
                    topic=topic,
                    granted=want,
                    address=address,
                    consent_text=consent_text(channel, topic, address),
                    granted_at=now if want else (row.granted_at if row else None),
                    withdrawn_at=None if want else now,
                    recorded_by=actor.get_username()[:200],
                )
            )
        if created:
            audit_log(
                actor=actor,
                action="portal.consent.changed",
                obj=party,
                details={
                    "changes": [
                        {"channel": r.channel, "topic": r.topic, "granted": r.granted, "consent": r.pk} for r in created
                    ]
                },
            )
    return created


def consent_history(party) -> list[NotificationConsent]:
    return list(NotificationConsent.objects.filter(party=party).order_by("-created_at", "-id"))


# --- sending -------------------------------------------------------------------------------------------------


def _address_for(consent: NotificationConsent) -> str:
    if consent.channel == Channel.BOX:
        return box_address(consent.party) or consent.address
    return consent.address


def _send_one(*, party, consent: NotificationConsent, topic: str, key: str, subject: str, body: str):
    """Send by one channel once per key; returns the Notification (sent or failed) or None if already sent."""
    address = _address_for(consent)
    with transaction.atomic():
        row, _created = Notification.objects.get_or_create(
            party=party,
            channel=consent.channel,
            key=key,
            defaults={
                "topic": topic,
                "address": address,
                "subject": subject[:300],
                "body": body,
                "status": Notification.Status.FAILED,
                "error": "not sent yet",
            },
        )
        row = Notification.objects.select_for_update().get(pk=row.pk)
        if row.status == Notification.Status.SENT or row.attempts >= MAX_ATTEMPTS:
            return None
        row.attempts += 1
        row.address = address
        try:
            reference = sender_for(consent.channel).send(
                Message(channel=consent.channel, address=address, subject=row.subject, body=row.body, key=key)
            )
        except Exception as exc:  # any sender failure: logged, retried next run
            row.status = Notification.Status.FAILED
            row.error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            row.status = Notification.Status.SENT
            row.sent_at = timezone.now()
            row.error = ""
            audit_log(
                actor=SYSTEM_ACTOR,
                action="portal.notification.sent",
                obj=row,
                details={"channel": row.channel, "topic": topic, "key": key, "reference": str(reference)[:200]},
            )
        row.save(update_fields=["attempts", "address", "status", "sent_at", "error", "updated_at"])
    return row


def notify(*, party, topic: str, key: str, subject: str, body: str, consents=None) -> list[Notification]:
    """Send to ``party`` by every channel with a current consent for ``topic`` (nothing without one)."""
    if consents is None:
        consents = _current_granted(topic, [party.pk]).get(party.pk, {})
    sent = []
    for channel in Channel.values:
        consent = consents.get(channel)
        if consent is None:
            continue
        row = _send_one(party=party, consent=consent, topic=topic, key=key, subject=subject, body=body)
        if row is not None:
            sent.append(row)
    return sent


def _retry_failed(counts: dict) -> None:
    """Failed notifications whose consent is still current are sent again (same key, same text)."""
    failed = Notification.objects.filter(status=Notification.Status.FAILED, attempts__lt=MAX_ATTEMPTS).order_by("id")
    for row in failed.select_related("party"):
        consent = _current_granted(row.topic, [row.party_id]).get(row.party_id, {}).get(row.channel)
        if consent is None:
            continue
        done = _send_one(
            party=row.party, consent=consent, topic=row.topic, key=row.key, subject=row.subject, body=row.body
        )
        if done is not None:
            counts["sent" if done.status == Notification.Status.SENT else "failed"] += 1


def _count(counts: dict, rows: list[Notification]) -> None:
    for row in rows:
        counts["sent" if row.status == Notification.Status.SENT else "failed"] += 1


def _due_reminders(today: datetime.date, counts: dict) -> None:
    from finance.selectors_notifications import installments_due_on

    granted = _current_granted(Topic.DUE_DATES)
    if not granted:
        return
    for offset in (REMINDER_DAYS, 0):
        day = today + datetime.timedelta(days=offset)
        for due in installments_due_on(day, as_of=today):
            for party_id in due.party_ids:
                consents = granted.get(party_id)
                if not consents:
                    continue
                values = {
                    "receivable": due.receivable,
                    "year": due.year,
                    "number": due.number,
                    "amount": format_pln(due.outstanding),
                    "date": f"{due.due_date:%d.%m.%Y}",
                }
                subject = _("Payment reminder: %(receivable)s %(year)s, installment %(number)s") % values
                if offset:
                    text = _("Installment %(number)s of %(receivable)s for %(year)s, %(amount)s to pay, is due on "
                             "%(date)s.")  # fmt: skip
                else:
                    text = _("Installment %(number)s of %(receivable)s for %(year)s, %(amount)s to pay, is due today, "
                             "%(date)s.")  # fmt: skip
                body = text % values
                body += " " + _("The amounts and the account to pay to are in the residents' portal.")
                party = next(iter(consents.values())).party
                rows = notify(
                    party=party,
                    topic=Topic.DUE_DATES,
                    key=f"due:{due.installment_id}:{offset}",
                    subject=subject,
                    body=body,
                    consents=consents,
                )
                _count(counts, rows)


def _letters(counts: dict) -> None:
    from documents.selectors_portal import letters_sent_to

    granted = _current_granted(Topic.LETTERS)
    if not granted:
        return
    since_of = {
        pid: min(timezone.localdate(c.granted_at) for c in consents.values() if c.granted_at)
        for pid, consents in granted.items()
    }
    if not since_of:
        return
    for party_id, letter in letters_sent_to(since_of, since=min(since_of.values())):
        if letter.sent_on is None or letter.sent_on < since_of[party_id]:
            continue
        consents = granted[party_id]
        values = {
            "title": letter.title,
            "mark": letter.case_mark,
            "date": f"{letter.sent_on:%d.%m.%Y}",
            "channel": letter.channel_label,
        }
        body = _("On %(date)s the office sent you a letter in case %(mark)s: %(title)s (%(channel)s).") % values
        if letter.electronic:
            body += " " + _("You can read it in the residents' portal, under My cases.")
        rows = notify(
            party=next(iter(consents.values())).party,
            topic=Topic.LETTERS,
            key=f"letter:{letter.id}",
            subject=_("A new letter from the office: %(title)s") % values,
            body=body,
            consents=consents,
        )
        _count(counts, rows)


def _case_statuses(counts: dict) -> None:
    from documents.selectors_portal import case_statuses

    granted = _current_granted(Topic.CASE_STATUS)
    for party_id, consents in granted.items():
        party = next(iter(consents.values())).party
        seen = {s.case_id: s for s in CaseStatusSeen.objects.filter(party_id=party_id)}
        for case in case_statuses(party):
            known = seen.get(case.id)
            if known is None:  # first seen: remembered, nothing to report
                CaseStatusSeen.objects.create(party_id=party_id, case_id=case.id, status=case.status)
                continue
            if known.status == case.status:
                continue
            known.status = case.status
            known.version += 1
            known.save(update_fields=["status", "version", "updated_at"])
            values = {"mark": case.mark, "title": case.title, "status": case.status_label}
            rows = notify(
                party=party,
                topic=Topic.CASE_STATUS,
                key=f"case:{case.id}:v{known.version}",
                subject=_("The status of your case %(mark)s has changed") % values,
                body=_("Your case %(mark)s (%(title)s) is now: %(status)s.") % values,
                consents=consents,
            )
            _count(counts, rows)


def notifications_run(*, today: datetime.date | None = None) -> dict[str, int]:
    """The daily run (see the module docstring). Safe to run twice: each notification is sent once."""
    today = today or timezone.localdate()
    counts = {"sent": 0, "failed": 0}
    _retry_failed(counts)
    _due_reminders(today, counts)
    _letters(counts)
    _case_statuses(counts)
    return counts
