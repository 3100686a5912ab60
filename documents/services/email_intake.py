"""E-mail intake: the office's IMAP mailbox polled by Celery, each message screened and registered or quarantined.

Settings: ``DOCUMENTS_IMAP_URL`` (``imaps://user:pass@host:993/INBOX``; empty: disabled), ``DOCUMENTS_EMAIL_MAX_BYTES``
(a whole message; 20 MB by default) and ``DOCUMENTS_ALLOWED_TYPES`` (see documents.services.files).

The poll keeps UIDVALIDITY and the last UID seen in ``MailboxState`` (its ``locked_until`` is a lease: a second
worker does not poll the same mailbox at the same time). Every message is stored as ``EmailIntake``, unique per
(mailbox, UIDVALIDITY, UID): a poll repeated after a crash does not register a message twice. Screening:

* a message over the size limit → *refused* (its content is not downloaded);
* a spam flag (``X-Spam-Flag: YES`` / ``X-Spam-Status: Yes``) or an attachment that is a program, a script, a
  macro document, an archive that cannot be inspected or a type not accepted → *quarantined*, with the reasons;
* otherwise → registered in the RPW (channel e-mail): the raw message as the original, attachments as files.
"""

from __future__ import annotations

import contextlib
import datetime
import email.policy
import email.utils
import hashlib
import imaplib
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from documents.models import Channel, EmailIntake, IncomingEntry, MailboxState, StoredFile
from documents.services import files as file_service
from documents.services.intake import SYSTEM_ACTOR, _after_registration, _create_entry, sender_match_or_create

logger = logging.getLogger(__name__)

DEFAULT_EMAIL_MAX_BYTES = 20 * 1024 * 1024
LEASE = datetime.timedelta(minutes=10)
IMAP_TIMEOUT = 60

TRANSITIONS = {
    EmailIntake.Status.QUARANTINED: {EmailIntake.Status.RELEASED, EmailIntake.Status.REFUSED},
}


def email_max_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_EMAIL_MAX_BYTES", DEFAULT_EMAIL_MAX_BYTES))


# --- the mailbox URL --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MailboxUrl:
    ssl: bool
    host: str
    port: int
    user: str
    password: str
    folder: str

    @property
    def key(self) -> str:
        """The mailbox's name in MailboxState / EmailIntake (no password)."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:200]


def parse_url(url: str) -> MailboxUrl:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ApplicationError(
            _("The IMAP address must look like imaps://user:password@host:993/INBOX."), code="imap_url"
        )
    ssl = parts.scheme == "imaps"
    return MailboxUrl(
        ssl=ssl,
        host=parts.hostname,
        port=parts.port or (993 if ssl else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


# --- screening --------------------------------------------------------------------------------------------


def _reason(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=email.policy.default).parsebytes(raw)


def _attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    result = []
    for index, part in enumerate(message.iter_attachments(), start=1):
        name = part.get_filename() or f"zalacznik-{index}"
        if part.get_content_maintype() == "message":
            payload = part.get_payload()
            data = payload[0].as_bytes() if isinstance(payload, list) and payload else part.as_bytes()
        else:
            data = part.get_payload(decode=True) or b""
        result.append((name, data))
    return result


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return str(part.get_content())[:20000]
    except (LookupError, UnicodeError, AttributeError):
        return ""


def _header(message: EmailMessage, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (ValueError, TypeError, IndexError):
        return ""


def screen_message(raw: bytes, message: EmailMessage | None = None) -> tuple[str, list[dict]]:
    """(status, reasons) for a message: registered, quarantined or refused."""
    limit = email_max_bytes()
    if len(raw) > limit:
        return EmailIntake.Status.REFUSED, [_size_reason(len(raw), limit)]
    message = message or _parse(raw)
    reasons = []
    if _header(message, "X-Spam-Flag").strip().upper() == "YES" or re.match(
        r"^\s*yes\b", _header(message, "X-Spam-Status"), re.IGNORECASE
    ):
        reasons.append(_reason("spam", _("The message was marked as spam by the mail server.")))
    for name, data in _attachments(message):
        result = file_service.screen_file(name, data)
        reasons += result.problems
    return (EmailIntake.Status.QUARANTINED if reasons else EmailIntake.Status.REGISTERED), reasons


def _size_reason(size: int, limit: int) -> dict:
    return _reason(
        "too_large",
        _("The message is too large (%(size)s MB; the limit is %(limit)s MB).")
        % {"size": file_service._mb(size), "limit": file_service._mb(limit)},
    )


# --- registering ------------------------------------------------------------------------------------------


def _register(intake: EmailIntake, *, actor, message: EmailMessage | None = None) -> IncomingEntry:
    """Create the RPW entry of a message (inside the caller's transaction); returns it."""
    raw = bytes(intake.raw)
    message = message or _parse(raw)
    display, address = email.utils.parseaddr(_header(message, "From"))
    words = display.split()
    sender, _created = sender_match_or_create(
        email=address,
        first_names=" ".join(words[:-1]) if len(words) >= 2 else "",
        surname=words[-1] if len(words) >= 2 else "",
        name=display if len(words) < 2 else "",
        actor=actor,
    )
    message_id = intake.message_id[:300]
    if message_id and IncomingEntry.objects.filter(channel=Channel.EMAIL, external_id=message_id).exists():
        message_id = ""  # the same message delivered twice: registered again, noted in the remarks
    entry = _create_entry(
        actor=actor,
        channel=Channel.EMAIL,
        received_at=intake.received_at,
        sender=sender,
        title=intake.subject or _("(no subject)"),
        external_id=message_id,
        sender_as_stated=intake.from_address[:500],
        remarks=""
        if message_id or not intake.message_id
        else _("Repeated message %(id)s.") % {"id": intake.message_id},
    )
    file_service.file_store(
        entry=entry,
        role=StoredFile.Role.ORIGINAL,
        file_name="wiadomosc.eml",
        content=raw,
        mime_type="message/rfc822",
        extracted_text=_body_text(message),
    )
    for name, data in _attachments(message):
        file_service.file_store(entry=entry, role=StoredFile.Role.ATTACHMENT, file_name=name, content=data)
    intake.entry = entry
    return entry


def email_intake_store(*, mailbox: str, uidvalidity: int, uid: int, raw: bytes, size: int | None = None):
    """Store one fetched message, screen it and register it when clean. Returns (EmailIntake, created).

    Idempotent: a message already stored (same mailbox, UIDVALIDITY, UID) is returned unchanged.
    """
    existing = EmailIntake.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()
    if existing is not None:
        return existing, False
    size = len(raw) if size is None else size
    if size > email_max_bytes():
        status, reasons, message = EmailIntake.Status.REFUSED, [_size_reason(size, email_max_bytes())], None
        raw_kept = b""
    else:
        message = _parse(raw)
        status, reasons = screen_message(raw, message)
        raw_kept = raw
    subject = _header(message, "Subject") if message else ""
    intake = EmailIntake(
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=(_header(message, "Message-ID").strip() if message else "")[:500],
        from_address=(_header(message, "From") if message else "")[:500],
        subject=" ".join(subject.split())[:500],
        size=size,
        raw=raw_kept,
        sha256=hashlib.sha256(raw_kept).hexdigest() if raw_kept else "",
        status=status,
        reasons=reasons,
    )
    try:
        with transaction.atomic():
            intake.save(force_insert=True)
            entry = None
            if status == EmailIntake.Status.REGISTERED:
                entry = _register(intake, actor=SYSTEM_ACTOR, message=message)
                intake.save(update_fields=["entry"])
            audit_log(
                actor=SYSTEM_ACTOR,
                action=f"documents.email.{status}",
                obj=intake,
                details={
                    "mailbox": mailbox,
                    "uid": uid,
                    "size": size,
                    "reasons": [r["code"] for r in reasons],
                    "entry": entry.rpw_number if entry else "",
                },
            )
    except IntegrityError:
        existing = EmailIntake.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()
        if existing is None:
            raise
        return existing, False
    if intake.entry_id:
        _after_registration(intake.entry)
    return intake, True


def _decide(*, actor, intake_id: int, to: str, note: str = "") -> EmailIntake:
    with transaction.atomic():
        intake = EmailIntake.objects.select_for_update().filter(pk=intake_id).first()
        if intake is None:
            raise ApplicationError(_("No such message."), code="not_found")
        if to not in TRANSITIONS.get(intake.status, set()):
            raise ApplicationError(
                _("This message is not in quarantine (status: %(status)s).") % {"status": intake.get_status_display()},
                code="invalid_transition",
            )
        entry = _register(intake, actor=actor) if to == EmailIntake.Status.RELEASED else None
        intake.status = to
        intake.decided_by = actor
        intake.save(update_fields=["status", "decided_by", "entry"])
        audit_log(
            actor=actor,
            action=f"documents.email.{to}",
            obj=intake,
            details={
                "note": note,
                "entry": entry.rpw_number if entry else "",
                "reasons": [r.get("code") for r in intake.reasons],
            },
        )
    if entry is not None:
        _after_registration(entry)
    return intake


def email_intake_release(*, actor, intake_id: int, note: str = "") -> EmailIntake:
    """Release a quarantined message: it is registered in the RPW as it is."""
    return _decide(actor=actor, intake_id=intake_id, to=EmailIntake.Status.RELEASED, note=note)


def email_intake_refuse(*, actor, intake_id: int, note: str = "") -> EmailIntake:
    """Refuse a quarantined message: it stays stored with the decision, nothing is registered."""
    return _decide(actor=actor, intake_id=intake_id, to=EmailIntake.Status.REFUSED, note=note)


# --- polling ----------------------------------------------------------------------------------------------


def _take_lease(key: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        MailboxState.objects.get_or_create(mailbox=key)
        state = MailboxState.objects.select_for_update().get(mailbox=key)
        if state.locked_until and state.locked_until > now:
            return False
        state.locked_until = now + LEASE
        state.save(update_fields=["locked_until"])
    return True


def _connect(mailbox: MailboxUrl) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    return cls(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT)


def _check(typ: str, data, what: str) -> None:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}")


def _fetch_item(data, item: bytes):
    """From a UID FETCH response: the literal for ``item`` (RFC822) or the number after it (RFC822.SIZE)."""
    for part in data or []:
        if isinstance(part, tuple) and item in part[0].upper():
            return part[1]
        if isinstance(part, bytes):
            match = re.search(rb"RFC822\.SIZE (\d+)", part, re.IGNORECASE)
            if match and item == b"RFC822.SIZE":
                return int(match.group(1))
    return None


def mailbox_poll(*, url: str | None = None) -> dict:
    """Read new messages from the IMAP mailbox; returns a summary ``{"fetched", "registered", ...}``."""
    url = url if url is not None else getattr(settings, "DOCUMENTS_IMAP_URL", "")
    if not url:
        return {"skipped": "disabled"}
    mailbox = parse_url(url)
    key = mailbox.key
    if not _take_lease(key):
        return {"skipped": "locked"}
    summary = {"mailbox": key, "fetched": 0, "registered": 0, "quarantined": 0, "refused": 0}
    error = ""
    try:
        imap = _connect(mailbox)
        try:
            _check(*imap.login(mailbox.user, mailbox.password), "LOGIN")
            _check(*imap.select(_quote(mailbox.folder), readonly=True), "SELECT")
            _typ, values = imap.response("UIDVALIDITY")
            uidvalidity = int(values[0]) if values and values[0] else 0
            state = MailboxState.objects.get(mailbox=key)
            if state.uidvalidity != uidvalidity:
                state.uidvalidity, state.last_uid = uidvalidity, 0
                MailboxState.objects.filter(pk=state.pk).update(uidvalidity=uidvalidity, last_uid=0)
            typ, data = imap.uid("SEARCH", f"UID {state.last_uid + 1}:*")
            _check(typ, data, "UID SEARCH")
            uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > state.last_uid)
            for uid in uids:
                typ, data = imap.uid("FETCH", str(uid), "(RFC822.SIZE)")
                _check(typ, data, "UID FETCH RFC822.SIZE")
                size = _fetch_item(data, b"RFC822.SIZE")
                raw = b""
                if size is None or size <= email_max_bytes():
                    typ, data = imap.uid("FETCH", str(uid), "(RFC822)")
                    _check(typ, data, "UID FETCH RFC822")
                    raw = _fetch_item(data, b"RFC822") or b""
                    size = len(raw)
                intake, created = email_intake_store(mailbox=key, uidvalidity=uidvalidity, uid=uid, raw=raw, size=size)
                MailboxState.objects.filter(pk=state.pk).update(last_uid=uid)
                if created:
                    summary["fetched"] += 1
                    summary[intake.status] = summary.get(intake.status, 0) + 1
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()
    except (imaplib.IMAP4.error, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("documents.email.poll_failed", extra={"mailbox": key, "error": error})
        summary["error"] = error
    finally:
        MailboxState.objects.filter(mailbox=key).update(
            locked_until=None, last_poll_at=timezone.now(), last_error=error
        )
    return summary


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', '\\"') + '"'
