"""Business actions of the simulated e-Doręczenia: send, open, deemed delivery, BAE search.

Delivery moment (art. 41 ust. 1 u.d.e.):
- pkt 1: a non-public addressee collects (opens) the message → proof of receipt at that moment;
- pkt 2: a message arriving at a public body's ADE is delivered on arrival;
- pkt 3: a message from a public body not collected by a non-public addressee is deemed delivered
  EDORECZENIA_SIM_DEEMED_DAYS (14) days after arrival → proof of deemed receipt.
"""

import base64
import binascii
import datetime
import hashlib
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from epuap.edoreczenia.auth import sign_evidence
from epuap.edoreczenia.models import ADE_RE, Attachment, Client, Evidence, Mailbox, Message

logger = logging.getLogger(__name__)

Status = Message.Status


class EdoreczeniaError(ApplicationError):
    """A refused API action; ``code`` is the machine-readable error, ``status`` the HTTP status."""

    def __init__(self, message: str, *, code: str, status: int = 400):
        super().__init__(message, code=code)
        self.status = status


def _iso(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _set_status(message: Message, status: str, when: datetime.datetime) -> None:
    message.status = status
    message.status_history = [*message.status_history, {"status": status, "at": _iso(when)}]


def _actor(client: Client | None) -> str:
    return f"edoreczenia:{client.client_id}"[:150] if client else "edoreczenia:system"


# --- send ---------------------------------------------------------------------------------------------------


@dataclass
class AttachmentInput:
    filename: str
    content_type: str
    content: bytes


def max_message_bytes() -> int:
    return settings.EDORECZENIA_SIM_MAX_MESSAGE_BYTES


def decode_attachment(item: dict, order: int) -> AttachmentInput:
    """One entry of ``attachments[]`` in the API's shape: {"file": {"fileMetadata": {...}, "file": base64}}."""
    if not isinstance(item, dict):
        raise EdoreczeniaError(f"attachments[{order}] must be an object.", code="invalid_attachment")
    file = item.get("file") if isinstance(item.get("file"), dict) else item
    meta = file.get("fileMetadata") or {}
    data = file.get("file")
    filename = str(meta.get("filename") or "").strip()
    if not filename or not isinstance(data, str):
        raise EdoreczeniaError(
            f"attachments[{order}] needs file.fileMetadata.filename and file.file (base64).", code="invalid_attachment"
        )
    try:
        content = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EdoreczeniaError(f"attachments[{order}].file.file is not base64.", code="invalid_attachment") from exc
    return AttachmentInput(
        filename=filename[:255],
        content_type=str(meta.get("contentType") or "application/octet-stream")[:127],
        content=content,
    )


def _evidence(message: Message, kind: str, *, event_at: datetime.datetime, now: datetime.datetime, **extra) -> Evidence:
    evidence_id = uuid.uuid4()
    content = {
        "evidenceId": str(evidence_id),
        "messageId": str(message.id),
        "type": Evidence.TYPE_CODES[kind],
        "kind": kind,
        "eventDate": _iso(event_at),
        "createDate": _iso(now),
        "from": {"eDeliveryAddress": message.sender.address, "name": message.sender.owner_name},
        "to": {"eDeliveryAddress": message.recipient_address},
        "subject": message.subject,
        "submissionDate": _iso(message.submitted_at),
        "attachments": [
            {"filename": a.filename, "size": a.size, "sha256": a.sha256, "alg": "SHA-3", "hash": a.sha3_256}
            for a in message.attachments.all()
        ],
        "issuer": "symulator e-Doręczeń (Magistrat)",
        **extra,
    }
    return Evidence.objects.create(
        id=evidence_id,
        message=message,
        kind=kind,
        type_code=Evidence.TYPE_CODES[kind],
        event_at=event_at,
        created_at=now,
        content=content,
        jws=sign_evidence(content),
    )


def message_send(
    *,
    client: Client | None,
    recipients: list[str],
    subject: str,
    text_body: str = "",
    attachments: list[AttachmentInput] | None = None,
    ref_to_message_id: str = "",
    case_id: str = "",
    now: datetime.datetime | None = None,
    sender_mailbox: Mailbox | None = None,
) -> list[Message]:
    """Send one message from the client's mailbox (or ``sender_mailbox``: a person writing in the mailbox's own
    web UI) to each recipient ADE. All or nothing."""
    now = now or timezone.now()
    attachments = attachments or []
    subject = (subject or "").strip()
    if not subject:
        raise EdoreczeniaError("The subject is required.", code="missing_subject")
    if not recipients:
        raise EdoreczeniaError("At least one recipient (messageMetadata.to) is required.", code="missing_recipient")
    total = sum(len(a.content) for a in attachments) + len(text_body.encode("utf-8"))
    if total > max_message_bytes():
        raise EdoreczeniaError(
            f"The message is {total} bytes; the limit is {max_message_bytes()} bytes.",
            code="message_too_large",
            status=413,
        )
    boxes: list[Mailbox] = []
    for address in recipients:
        if not isinstance(address, str) or not ADE_RE.match(address):
            raise EdoreczeniaError(f"{address!r} is not a valid ADE (AE:PL-XXXXX-XXXXX-YYYYY-ZZ).", code="invalid_ade")
        box = Mailbox.objects.filter(address=address, active=True).first()
        if box is None:
            raise EdoreczeniaError(f"No active mailbox has the address {address}.", code="recipient_not_found")
        boxes.append(box)
    sender = sender_mailbox if sender_mailbox is not None else client.mailbox
    messages = []
    with transaction.atomic():
        for box in boxes:
            message = Message(
                sender=sender,
                recipient_address=box.address,
                recipient=box,
                subject=subject[:500],
                text_body=text_body,
                ref_to_message_id=(ref_to_message_id or "")[:64],
                case_id=(case_id or "")[:200],
                created_at=now,
            )
            _set_status(message, Status.VERIFYING, now)
            message.save()
            for order, att in enumerate(attachments, start=1):
                Attachment.objects.create(
                    message=message,
                    order=order,
                    filename=att.filename,
                    content_type=att.content_type,
                    size=len(att.content),
                    content=att.content,
                    sha256=hashlib.sha256(att.content).hexdigest(),
                    sha3_256=hashlib.sha3_256(att.content).hexdigest(),
                )
            # Verified (the simulator checks format, size and the addressee synchronously) → submitted.
            message.submitted_at = now
            _set_status(message, Status.SUBMITTED, now)
            _evidence(message, Evidence.Kind.SUBMISSION, event_at=now, now=now)
            # Relayed into the recipient's mailbox: it has arrived.
            message.received_at = now
            _set_status(message, Status.SENT, now)
            if box.kind == Mailbox.Kind.PUBLIC_BODY:
                # art. 41 ust. 1 pkt 2: delivered on arrival at a public body's ADE.
                message.delivered_at = now
                _set_status(message, Status.DELIVERED, now)
                _evidence(
                    message, Evidence.Kind.RECEIPT, event_at=now, now=now, legalBasis="art. 41 ust. 1 pkt 2 u.d.e."
                )
            elif sender.kind == Mailbox.Kind.PUBLIC_BODY:
                message.deemed_due_at = now + datetime.timedelta(days=settings.EDORECZENIA_SIM_DEEMED_DAYS)
            message.save()
            audit_log(
                actor=_actor(client),
                action="edoreczenia.message_sent",
                obj=message,
                details={"from": sender.address, "to": box.address, "attachments": len(attachments)},
            )
            messages.append(message)
    return messages


# --- open / deemed delivery ---------------------------------------------------------------------------------


def _deem(message: Message, now: datetime.datetime) -> Evidence:
    due = message.deemed_due_at
    message.deemed_at = due
    message.delivered_at = due
    _set_status(message, Status.DEEMED, now)
    evidence = _evidence(
        message,
        Evidence.Kind.DEEMED,
        event_at=due,
        now=now,
        reasonId="deemed",
        reasonDetails="Uznana za doręczoną: nieodebrana w ciągu 14 dni (art. 41 ust. 1 pkt 3 u.d.e.)",
        receivedDate=_iso(message.received_at),
    )
    message.save()
    audit_log(actor=_actor(None), action="edoreczenia.message_deemed", obj=message, details={"deemed_at": _iso(due)})
    return evidence


def message_open(message: Message, when: datetime.datetime | None = None) -> Evidence | None:
    """The recipient collects the message. Returns the evidence created now (None if delivery was settled before).

    Idempotent: a second opening only keeps the first ``opened_at``. If the deemed-delivery moment has already
    passed (the periodic task has not run yet), the message is deemed delivered first: the law fixes the date.
    """
    when = when or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().select_related("sender").get(pk=message.pk)
        created = None
        if message.status == Status.SENT and message.deemed_due_at and message.deemed_due_at <= when:
            created = _deem(message, when)
        if message.opened_at is None:
            message.opened_at = when
            if message.status == Status.SENT:
                message.delivered_at = when
                _set_status(message, Status.DELIVERED, when)
                created = _evidence(
                    message, Evidence.Kind.RECEIPT, event_at=when, now=when, legalBasis="art. 41 ust. 1 pkt 1 u.d.e."
                )
            message.save()
            audit_log(actor=_actor(None), action="edoreczenia.message_opened", obj=message, details={})
        return created


def messages_deem_due(now: datetime.datetime | None = None) -> int:
    """Deem delivered every unopened message whose 14 days have passed. Idempotent; returns how many."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(status=Status.SENT, opened_at__isnull=True, deemed_due_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            message = Message.objects.select_for_update().select_related("sender").filter(pk=pk).first()
            if message is None or message.status != Status.SENT or message.opened_at or not message.deemed_due_at:
                continue
            if message.deemed_due_at > now:
                continue
            _deem(message, now)
            count += 1
    if count:
        logger.info("edoreczenia.deemed", extra={"count": count})
    return count


# --- serialisation in the API's shape -----------------------------------------------------------------------


def _address_data(address: str, name: str = "") -> dict:
    data = {"eDeliveryAddress": address}
    if name:
        data["contributor"] = {"name": name}
    return data


def evidence_data(evidence: Evidence, *, include_jws: bool = True) -> dict:
    data = {
        "evidenceId": str(evidence.id),
        "messageId": str(evidence.message_id),
        "type": evidence.type_code,
        "kind": evidence.kind,
        "createDate": _iso(evidence.created_at),
        "eventDate": _iso(evidence.event_at),
        "downloaded": evidence.downloaded,
        "from": {"eDeliveryAddress": evidence.content.get("from", {}).get("eDeliveryAddress")},
        "to": {"eDeliveryAddress": evidence.content.get("to", {}).get("eDeliveryAddress")},
    }
    for key in ("reasonId", "reasonDetails"):
        if key in evidence.content:
            data[key] = evidence.content[key]
    if include_jws:
        data["content"] = evidence.content
        data["jws"] = evidence.jws
    return data


def message_data(message: Message, *, mailbox: Mailbox, fmt: str = "full") -> dict:
    inbound = message.recipient_id == mailbox.pk
    labels = [{"label": "INBOX" if inbound else "SENT"}]
    if inbound and message.opened_at is None:
        labels.append({"label": "UNREAD"})
    data = {
        "messageControlData": {
            "opened": message.opened_at is not None,
            "status": message.status,
            "statusDescription": message.status_description,
            "messageType": "Message",
            "labels": labels,
        },
        "messageMetadata": {
            "messageId": str(message.id),
            "from": _address_data(message.sender.address, message.sender.owner_name),
            "to": [_address_data(message.recipient_address)],
            "subject": message.subject,
            "refToMessageId": message.ref_to_message_id or None,
            "caseId": message.case_id or None,
            "timestamp": _iso(message.created_at),
            "submissionDate": _iso(message.submitted_at),
            "eventDate": _iso(message.submitted_at),
            "receiptDate": _iso(message.delivered_at),
            "shippingService": "electronic",
            "additionalData": {
                "receivedAt": _iso(message.received_at) or "",
                "openedAt": _iso(message.opened_at) or "",
                "deemedAt": _iso(message.deemed_at) or "",
                "deemedDueAt": _iso(message.deemed_due_at) or "",
            },
        },
    }
    if fmt == "minimal":
        return {"messageMetadata": {"messageId": str(message.id)}, "messageControlData": data["messageControlData"]}
    if fmt in ("full", "fullExtended"):
        data["textBody"] = message.text_body
        data["statusHistory"] = message.status_history
        data["attachments"] = [
            {
                "order": a.order,
                "attachmentId": str(a.attachment_id),
                "file": {
                    "fileMetadata": {
                        "fileId": str(a.attachment_id),
                        "filename": a.filename,
                        "contentType": a.content_type,
                        "size": a.size,
                        "alg": "SHA-3",
                        "hash": a.sha3_256,
                        "sha256": a.sha256,
                    },
                    **({"file": base64.b64encode(bytes(a.content)).decode("ascii")} if fmt == "fullExtended" else {}),
                },
            }
            for a in message.attachments.all()
        ]
        data["evidences"] = [evidence_data(e, include_jws=False) for e in message.evidences.all()]
    return data


def mailbox_messages(mailbox: Mailbox):
    return (
        Message.objects.filter(Q(sender=mailbox) | Q(recipient=mailbox))
        .select_related("sender")
        .prefetch_related("attachments", "evidences")
    )


# --- BAE ----------------------------------------------------------------------------------------------------


def bae_entry(box: Mailbox) -> dict:
    ids = [
        {"id": v, "referenceRegistry": k}
        for k, v in (("pesel", box.pesel), ("nip", box.nip), ("regon", box.regon), ("krs", box.krs))
        if v
    ]
    data = {
        "address": {"ade": box.address, "validFrom": _iso(box.created_at), "isMainAddress": True},
        "designatedOperator": True,
        "officialIds": ids,
        "kind": box.kind,
    }
    if box.kind == Mailbox.Kind.PERSON:
        data["name"] = box.first_name
        data["surname"] = box.last_name
    else:
        data["entityName"] = box.owner_name
    return data


def bae_search(
    *,
    pesel: str = "",
    nip: str = "",
    regon: str = "",
    krs: str = "",
    name: str = "",
    surname: str = "",
    entity_name: str = "",
    ade: str = "",
) -> list[Mailbox]:
    """Search the address base; at least one criterion is needed (BAE is searchable, not browsable)."""
    pesel, nip, regon, krs = (v.strip() for v in (pesel, nip, regon, krs))
    name, surname, entity_name, ade = (v.strip() for v in (name, surname, entity_name, ade))
    if not any((pesel, nip, regon, krs, name, surname, entity_name, ade)):
        raise EdoreczeniaError(
            "Give at least one criterion: pesel, nip, regon, krs, name/surname, entityName or ade.",
            code="missing_criteria",
        )
    qs = Mailbox.objects.filter(active=True, searchable=True)
    if pesel:
        qs = qs.filter(pesel=pesel)
    if nip:
        qs = qs.filter(nip=nip.replace("-", ""))
    if regon:
        qs = qs.filter(regon=regon)
    if krs:
        qs = qs.filter(krs=krs)
    if ade:
        qs = qs.filter(address=ade)
    if surname:
        qs = qs.filter(last_name__iexact=surname)
    if name and surname:
        qs = qs.filter(first_name__iexact=name)
    elif name:
        # A single "name" (the simple GET search): the whole owner name, exact, case-insensitive.
        qs = qs.filter(owner_name__iexact=name)
    if entity_name:
        qs = qs.filter(owner_name__iexact=entity_name)
    return list(qs[:20])
