"""Letters sent TO the office's e-Doręczenia address (ADE): fetched, verified and stored as InboundDocuments.

:func:`edoreczenia_inbox_poll` (periodic task ``epuap.tasks.edoreczenia_inbox_poll``) takes the lease of the
office ADE (the same :class:`~epuap.models.PollState` lease as the ePUAP boxes: two workers never poll it at
once), lists the received messages, and for each one not stored yet:

1. fetches it with ``format=full`` — for the platform that is the office collecting the letter (for a public
   body the delivery happened on arrival, art. 41 ust. 1 pkt 2 u.d.e., and the platform has already issued the
   proof of receipt);
2. downloads every attachment and checks its SHA-256 against the message metadata (a mismatch stops the poll:
   nothing half-stored; the next run tries again);
3. reads the evidences, verifying each JWS with the platform's published key, and keeps the proof of receipt;
4. stores the letter in one transaction: the first attachment is the document (a message with only text: the
   text as ``tresc.txt``), the others are :class:`~epuap.models.InboundAttachment` rows, all byte-exact, with
   the verdicts — an XML document's XAdES signature is verified (an invalid one quarantines); a message whose
   files include an executable or script is quarantined; the sender is the platform-authenticated ADE, so an
   unsigned letter is accepted (unlike a bare ePUAP document).

Idempotency: the unique (box, skrot, platform id) constraint, skrot = SHA-256 of the document; a message stored
by an earlier run is skipped before it is fetched again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.services.audit import audit_log
from epuap import xmlsafe
from epuap.edoreczenia_client import EdoreczeniaClient, EdoreczeniaError, _parse_dt
from epuap.models import InboundAttachment, InboundDocument
from epuap.services import PollResult, _finish, _lease_take, document_verify

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:edoreczenia-adapter"
PAGE = 100

# Content that is never accepted in a letter: Windows/ELF/Mach-O executables, shell scripts.
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")


def _is_executable(content: bytes) -> bool:
    return content.startswith(_EXECUTABLE_MAGIC)


def _verdicts(files: list[tuple[str, str, bytes]]):
    """Verdicts for the message's files; the first file is the document."""
    from epuap.services import Verdicts

    _name, _mime, content = files[0]
    total = sum(len(c) for _n, _m, c in files)
    limit = settings.EPUAP_MAX_DOCUMENT_BYTES
    if total > limit:
        verdicts = Verdicts()
        verdicts.validation = InboundDocument.ValidationVerdict.INVALID
        verdicts.validation_reason = _("The document is too large (%(size)d bytes; the limit is %(limit)d bytes).") % {
            "size": total,
            "limit": limit,
        }
        verdicts.fail("size", verdicts.validation_reason)
        return verdicts
    if content.lstrip()[:1] == b"<":
        full = document_verify(content)
        verdicts = Verdicts(
            signature=full.signature,
            signer_subject=full.signer_subject,
            signing_time=full.signing_time,
            signature_reason=full.signature_reason,
            form_namespace=full.form_namespace,
            form_code=full.form_code,
            title=full.title,
        )
        for code, reason in zip(full.codes, full.reasons, strict=True):
            if code in ("xml", "signature", "size"):  # a platform-authenticated letter need not be signed or a form
                verdicts.fail(code, reason)
                verdicts.validation = InboundDocument.ValidationVerdict.INVALID
                verdicts.validation_reason = reason
    else:
        verdicts = Verdicts(signature=InboundDocument.SignatureVerdict.NOT_CHECKED)
    for file_name, _m, data in files:
        if _is_executable(data):
            verdicts.fail(
                "type", _("%(name)s is a program or a script; such files are not accepted.") % {"name": file_name}
            )
    return verdicts


def _fetch(client: EdoreczeniaClient, message_id: str) -> dict:
    message = client.message_full(message_id)
    files: list[tuple[str, str, bytes]] = []
    for item in sorted(message.get("attachments") or [], key=lambda a: a.get("order") or 0):
        meta = ((item.get("file") or {}).get("fileMetadata")) or {}
        data = client.attachment(message_id, str(item.get("attachmentId") or meta.get("fileId") or ""))
        expected = meta.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise EdoreczeniaError(f"attachment {meta.get('filename')!r} of {message_id}: SHA-256 mismatch")
        files.append((str(meta.get("filename") or "zalacznik")[:255], str(meta.get("contentType") or "")[:100], data))
    text = str(message.get("textBody") or "")
    if not files:
        files.append(("tresc.txt", "text/plain; charset=utf-8", text.encode("utf-8")))
    receipt = next((e for e in client.evidences(message_id) if e.kind in ("receipt", "deemed")), None)
    return {"message": message, "files": files, "text": text, "receipt": receipt}


def _store(*, ade: str, message_id: str, fetched: dict) -> tuple[InboundDocument, bool]:
    meta = fetched["message"].get("messageMetadata") or {}
    sender = meta.get("from") or {}
    files = fetched["files"]
    name, mime, content = files[0]
    verdicts = _verdicts(files)
    receipt = fetched["receipt"]
    doc = InboundDocument(
        channel=InboundDocument.Channel.EDORECZENIA,
        box_address=ade,
        platform_document_id=message_id[:200],
        skrot=hashlib.sha256(content).hexdigest(),
        file_name=name,
        mime_type=mime,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        sender_identifier=str(sender.get("eDeliveryAddress") or "")[:200],
        sender_name=str((sender.get("contributor") or {}).get("name") or "")[:300],
        submitted_at=_parse_dt(meta.get("submissionDate")),
        reply_address=str(sender.get("eDeliveryAddress") or "")[:200],
        upp_reference=(receipt.evidence_id if receipt else "")[:200],
        receipt_evidence=receipt.jws if receipt else "",
        text_body=fetched["text"],
        form_namespace=verdicts.form_namespace,
        form_code=verdicts.form_code,
        title=(str(meta.get("subject") or "") or verdicts.title)[:500],
        signature_verdict=verdicts.signature,
        signer_subject=verdicts.signer_subject[:500],
        signing_time=verdicts.signing_time,
        signature_reason=verdicts.signature_reason,
        validation_verdict=verdicts.validation,
        validation_reason=verdicts.validation_reason,
        status=InboundDocument.Status.QUARANTINED if verdicts.quarantined else InboundDocument.Status.ACCEPTED,
        quarantine_codes=verdicts.codes,
        quarantine_reason="\n".join(verdicts.reasons),
        confirmed_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            doc.save(force_insert=True)
            for order, (file_name, file_mime, data) in enumerate(files[1:], start=1):
                InboundAttachment.objects.create(
                    document=doc,
                    order=order,
                    file_name=file_name,
                    mime_type=file_mime,
                    content=data,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                )
            audit_log(
                actor=SYSTEM_ACTOR,
                action="epuap.inbound.quarantined" if verdicts.quarantined else "epuap.inbound.stored",
                obj=doc,
                details={
                    "channel": "edoreczenia",
                    "box": ade,
                    "message_id": message_id,
                    "from": doc.sender_identifier,
                    "sha256": doc.sha256,
                    "files": len(files),
                    "receipt_evidence": doc.upp_reference,
                    "quarantine": verdicts.codes,
                },
            )
    except IntegrityError:
        existing = InboundDocument.objects.filter(box_address=ade, platform_document_id=message_id[:200]).first()
        if existing is None:
            raise
        return existing, False
    return doc, True


def edoreczenia_inbox_poll(
    *, client: EdoreczeniaClient | None = None, now: datetime.datetime | None = None
) -> PollResult:
    ade = settings.EDORECZENIA_ADE
    now = now or timezone.now()
    token = str(uuid.uuid4())
    result = PollResult(box_address=ade, outcome="ok")
    lease = _lease_take(ade, now, token)
    if lease != "ok":
        result.outcome = lease
        return result
    client = client or EdoreczeniaClient()
    try:
        ids: list[str] = []
        offset = 0
        while True:
            page, total = client.inbox(offset=offset, limit=PAGE)
            ids += [str((m.get("messageMetadata") or {}).get("messageId") or "") for m in page]
            offset += len(page)
            if not page or offset >= total:
                break
        ids = [i for i in ids if i]
        known = set(
            InboundDocument.objects.filter(box_address=ade, platform_document_id__in=ids).values_list(
                "platform_document_id", flat=True
            )
        )
        new = [i for i in reversed(ids) if i not in known]  # the API lists newest first: store oldest first
        result.pending = len(new)
        for message_id in new[: settings.EPUAP_POLL_MAX_DOCUMENTS]:
            doc, created = _store(ade=ade, message_id=message_id, fetched=_fetch(client, message_id))
            result.document_ids.append(doc.pk)
            result.confirmed += 1
            if created:
                result.stored += 1
                result.quarantined += doc.status == InboundDocument.Status.QUARANTINED
            else:
                result.duplicates += 1
    except (EdoreczeniaError, xmlsafe.XmlRejected) as exc:
        result.outcome = "error"
        result.error = str(exc)
        logger.warning("e-Doręczenia inbox poll failed: %s", exc)
    except Exception as exc:
        result.outcome = "error"
        result.error = f"{type(exc).__name__}: {exc}"
        _finish(ade, token, result, now=now)
        raise
    _finish(ade, token, result, now=now)
    return result
