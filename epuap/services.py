"""Business actions of the office's ePUAP adapter: polling the boxes, quarantine decisions.

Polling one box (:func:`box_poll`):

1. take the box's lease with ONE conditional UPDATE (free or expired lease, backoff over) — a second worker
   gets ``busy`` and does nothing;
2. ``oczekujaceDokumenty``; then up to that many times ``pobierzNastepny`` (stop on kod 0);
3. per document: compute the ``skrot`` of the exact bytes; verify and validate (size, XML safety, XAdES against
   the CA, CRD form) and store it — accepted, or quarantined with the reason (nothing is dropped) — with its
   audit event, in one transaction; if an :class:`InboundDocument` with the same (box, skrot, platform id)
   exists (a previous run crashed after storing), the unique constraint refuses the INSERT, the transaction
   rolls back and the stored document is reused;
4. only after the commit, ``potwierdzOdebranie(skrot)``.

Platform errors end the poll and schedule the next attempt with capped exponential backoff and jitter.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import random
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from epuap import pki, xmlsafe
from epuap.client import Box, EpuapClient, PlatformError, PulledDocument
from epuap.models import InboundDocument, PollState

logger = logging.getLogger(__name__)

NS_DS = "http://www.w3.org/2000/09/xmldsig#"

SYSTEM_ACTOR = "system:epuap-adapter"


# --- Verification -----------------------------------------------------------------------------------------


@dataclass
class Verdicts:
    signature: str = InboundDocument.SignatureVerdict.NOT_CHECKED
    signer_subject: str = ""
    signing_time: datetime.datetime | None = None
    signature_reason: str = ""
    validation: str = InboundDocument.ValidationVerdict.VALID
    validation_reason: str = ""
    form_namespace: str = ""
    form_code: str = ""
    title: str = ""
    codes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def fail(self, code: str, reason: str) -> None:
        self.codes.append(code)
        self.reasons.append(reason)

    @property
    def quarantined(self) -> bool:
        return bool(self.codes)


def _ca_certificate():
    return pki.ca_certificate()


def document_verify(content: bytes) -> Verdicts:
    """All checks of one inbound document; never raises for a bad document (the verdicts say why)."""
    from epuap import crd, xades

    verdicts = Verdicts()
    limit = settings.EPUAP_MAX_DOCUMENT_BYTES
    if len(content) > limit:
        verdicts.validation = InboundDocument.ValidationVerdict.INVALID
        verdicts.validation_reason = _("The document is too large (%(size)d bytes; the limit is %(limit)d bytes).") % {
            "size": len(content),
            "limit": limit,
        }
        verdicts.fail("size", verdicts.validation_reason)
        return verdicts
    try:
        root = xmlsafe.parse(content)
    except xmlsafe.XmlRejected as exc:
        verdicts.validation = InboundDocument.ValidationVerdict.INVALID
        verdicts.validation_reason = exc.reason
        verdicts.fail("xml", exc.reason)
        return verdicts

    # Signature (XAdES-BES, enveloped) against the CA.
    if root.find(f".//{{{NS_DS}}}Signature") is None and root.tag != f"{{{NS_DS}}}Signature":
        verdicts.signature = InboundDocument.SignatureVerdict.UNSIGNED
        verdicts.signature_reason = _("The document carries no electronic signature.")
        verdicts.fail("unsigned", verdicts.signature_reason)
    else:
        try:
            result = xades.verify(content, ca=_ca_certificate())
        except xades.SignatureInvalid as exc:
            verdicts.signature = InboundDocument.SignatureVerdict.INVALID
            verdicts.signature_reason = str(getattr(exc, "reason", "") or exc)
            verdicts.fail("signature", _("Invalid signature: %(reason)s") % {"reason": verdicts.signature_reason})
        else:
            verdicts.signature = InboundDocument.SignatureVerdict.VALID
            signer = result.signer
            verdicts.signer_subject = signer.subject.rfc4514_string() if hasattr(signer, "subject") else str(signer)
            verdicts.signing_time = result.signing_time

    # CRD structure and a known form namespace.
    try:
        document = crd.parse_document(content)
        namespace = document.form_namespace or ""
        code = crd.form_code(namespace) if namespace else None
    except Exception as exc:
        verdicts.validation = InboundDocument.ValidationVerdict.INVALID
        verdicts.validation_reason = _("Not a valid CRD document: %(reason)s") % {
            "reason": getattr(exc, "reason", None) or str(exc)
        }
        verdicts.fail("form", verdicts.validation_reason)
        return verdicts
    verdicts.form_namespace = namespace[:300]
    verdicts.title = (document.title or document.document_name or "")[:500]
    if not code or code == "UNKNOWN":
        verdicts.validation = InboundDocument.ValidationVerdict.INVALID
        verdicts.validation_reason = _("Unknown form namespace: %(namespace)s") % {"namespace": namespace or "—"}
        verdicts.fail("form", verdicts.validation_reason)
    else:
        verdicts.form_code = str(code)[:100]
    return verdicts


# --- Storing ----------------------------------------------------------------------------------------------


def _existing(box_address: str, pulled: PulledDocument) -> InboundDocument | None:
    return InboundDocument.objects.filter(
        box_address=box_address, skrot=pulled.skrot, platform_document_id=pulled.platform_document_id
    ).first()


def inbound_store(*, box_address: str, pulled: PulledDocument) -> tuple[InboundDocument, bool]:
    """Store a pulled document (or find the one stored by an earlier run). Returns (document, created).

    Idempotency rests on the unique (box, skrot, platform id) constraint: the INSERT of a document an earlier run
    already stored (it crashed before confirming) fails, its transaction — audit event included — rolls back, and
    the stored row is returned. No look-up first: that would cost a query for every document to save the
    verification of the rare document pulled again."""
    verdicts = document_verify(pulled.content)
    sender = pulled.sender
    doc = InboundDocument(
        box_address=box_address,
        platform_document_id=pulled.platform_document_id[:200],
        skrot=pulled.skrot,
        file_name=pulled.file_name[:255],
        mime_type=pulled.mime_type[:100],
        content=pulled.content,
        sha256=hashlib.sha256(pulled.content).hexdigest(),
        size=len(pulled.content),
        sender_identifier=sender.get("identifier", "")[:200],
        sender_person_type=sender.get("person_type", "")[:10],
        sender_first_name=sender.get("first_name", "")[:200],
        sender_name=sender.get("name", "")[:300],
        sender_nip=sender.get("nip", "")[:20],
        sender_pesel=sender.get("pesel", "")[:20],
        sender_regon=sender.get("regon", "")[:20],
        sender_consent=bool(sender.get("consent")),
        sender_user=sender.get("user", "")[:200],
        sender_system=sender.get("system", "")[:200],
        submitted_at=pulled.submitted_at,
        reply_address=pulled.reply_address[:200],
        is_test=pulled.is_test,
        extra_data=pulled.extra_data,
        upp_reference=pulled.upp_reference[:200],
        form_namespace=verdicts.form_namespace,
        form_code=verdicts.form_code,
        title=verdicts.title,
        signature_verdict=verdicts.signature,
        signer_subject=verdicts.signer_subject[:500],
        signing_time=verdicts.signing_time,
        signature_reason=verdicts.signature_reason,
        validation_verdict=verdicts.validation,
        validation_reason=verdicts.validation_reason,
        status=InboundDocument.Status.QUARANTINED if verdicts.quarantined else InboundDocument.Status.ACCEPTED,
        quarantine_codes=verdicts.codes,
        quarantine_reason="\n".join(verdicts.reasons),
    )
    try:
        with transaction.atomic():
            doc.save(force_insert=True)
            audit_log(
                actor=SYSTEM_ACTOR,
                action="epuap.inbound.quarantined" if verdicts.quarantined else "epuap.inbound.stored",
                obj=doc,
                details={
                    "box": box_address,
                    "skrot": doc.skrot,
                    "platform_document_id": doc.platform_document_id,
                    "sha256": doc.sha256,
                    "size": doc.size,
                    "form": doc.form_code,
                    "signature": doc.signature_verdict,
                    "quarantine": verdicts.codes,
                },
            )
    except IntegrityError:
        # Stored by an earlier run (or concurrently, which the lease prevents): the stored row is the document.
        existing = _existing(box_address, pulled)
        if existing is None:
            raise
        return existing, False
    return doc, True


# --- Lease and backoff ------------------------------------------------------------------------------------


@dataclass
class PollResult:
    box_address: str
    outcome: str  # "ok" | "busy" | "backoff" | "error"
    pending: int | None = None
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    confirmed: int = 0
    error: str = ""
    document_ids: list[int] = field(default_factory=list)


def _lease_take(box_address: str, now: datetime.datetime, token: str) -> str:
    """Take the lease with one conditional UPDATE; returns "ok", "busy" or "backoff"."""
    PollState.objects.get_or_create(box_address=box_address)
    lease_until = now + datetime.timedelta(seconds=settings.EPUAP_POLL_LEASE_SECONDS)
    taken = (
        PollState.objects.filter(box_address=box_address)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(locked_until=lease_until, locked_by=token, last_poll_at=now)
    )
    if taken:
        return "ok"
    state = PollState.objects.get(box_address=box_address)
    if state.locked_until and state.locked_until > now:
        return "busy"
    return "backoff"


def _lease_extend(box_address: str, token: str) -> bool:
    lease_until = timezone.now() + datetime.timedelta(seconds=settings.EPUAP_POLL_LEASE_SECONDS)
    return bool(PollState.objects.filter(box_address=box_address, locked_by=token).update(locked_until=lease_until))


def _lease_renew_after() -> float:
    """Seconds after which a poll renews its lease: a tenth of the lease. The lease cannot expire (and so cannot be
    taken over) before then, so renewing — and checking that it is still ours — only this often is as safe as
    after every document, at one UPDATE per ~30 s instead of one per document."""
    return settings.EPUAP_POLL_LEASE_SECONDS / 10


def backoff_delay(failures: int, *, rng: random.Random | None = None) -> float:
    """Seconds to wait after ``failures`` consecutive errors: capped exponential with jitter (50–100 %)."""
    rng = rng or random
    ceiling = min(
        float(settings.EPUAP_BACKOFF_MAX_SECONDS),
        float(settings.EPUAP_BACKOFF_BASE_SECONDS) * (2 ** max(failures - 1, 0)),
    )
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _finish(box_address: str, token: str, result: PollResult, *, now: datetime.datetime) -> None:
    """Release the lease and record the outcome (success resets the backoff; errors extend it)."""
    qs = PollState.objects.filter(box_address=box_address, locked_by=token)
    if result.outcome == "error":
        state = PollState.objects.filter(box_address=box_address).first()
        failures = (state.consecutive_failures if state else 0) + 1
        delay = backoff_delay(failures)
        qs.update(
            locked_until=None,
            locked_by="",
            last_error=result.error[:2000],
            last_error_at=now,
            consecutive_failures=failures,
            next_attempt_at=now + datetime.timedelta(seconds=delay),
            queue_depth=result.pending if result.pending is not None else F("queue_depth"),
            documents_received=F("documents_received") + result.stored,
        )
    else:
        qs.update(
            locked_until=None,
            locked_by="",
            last_success_at=now,
            consecutive_failures=0,
            next_attempt_at=None,
            queue_depth=max((result.pending or 0) - result.confirmed, 0),
            documents_received=F("documents_received") + result.stored,
        )


# --- Polling ----------------------------------------------------------------------------------------------


def box_poll(*, box_address: str, transport=None, now: datetime.datetime | None = None, client=None) -> PollResult:
    """Poll one box once (see the module docstring). Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    token = f"{uuid.uuid4()}"
    result = PollResult(box_address=box_address, outcome="ok")
    lease = _lease_take(box_address, now, token)
    if lease != "ok":
        result.outcome = lease
        return result
    box = Box.from_address(box_address)
    client = client or EpuapClient(transport=transport)
    # The lease runs from ``now`` (a caller may pass a moment in the past): count that as time already spent.
    lease_renewed = time.monotonic() - max((timezone.now() - now).total_seconds(), 0.0)
    try:
        result.pending = client.pull_pending(box)
        limit = min(result.pending, settings.EPUAP_POLL_MAX_DOCUMENTS)
        for _i in range(limit):
            pulled = client.pull_next(box)
            if pulled is None:
                break
            doc, created = inbound_store(box_address=box_address, pulled=pulled)
            # A UPD of one of our dispatches records its delivery (idempotent; also for a document found again).
            from epuap.dispatch import upd_receive

            upd_receive(document=doc)
            result.document_ids.append(doc.pk)
            if created:
                result.stored += 1
                if doc.status == InboundDocument.Status.QUARANTINED:
                    result.quarantined += 1
            else:
                result.duplicates += 1
            # Committed: only now tell the platform it may forget the document.
            client.pull_confirm(box, pulled.skrot)
            result.confirmed += 1
            if doc.confirmed_at is None:
                InboundDocument.objects.filter(pk=doc.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now())
            if time.monotonic() - lease_renewed >= _lease_renew_after():
                if not _lease_extend(box_address, token):
                    logger.warning("epuap poll of %s lost its lease; stopping", box_address)
                    break
                lease_renewed = time.monotonic()
    except PlatformError as exc:
        result.outcome = "error"
        result.error = str(exc)
        logger.warning("epuap poll of %s failed: %s", box_address, exc)
    except Exception as exc:
        result.outcome = "error"
        result.error = f"{type(exc).__name__}: {exc}"
        _finish(box_address, token, result, now=now)
        raise
    _finish(box_address, token, result, now=now)
    return result


def boxes_poll(*, transport=None, now: datetime.datetime | None = None) -> list[PollResult]:
    """Poll every configured box (settings.EPUAP_BOXES)."""
    return [box_poll(box_address=address, transport=transport, now=now) for address in settings.EPUAP_BOXES]


# --- Quarantine decisions ---------------------------------------------------------------------------------


def _require_quarantined(document: InboundDocument) -> InboundDocument:
    locked = InboundDocument.objects.select_for_update().get(pk=document.pk)
    if locked.status != InboundDocument.Status.QUARANTINED:
        raise ApplicationError(_("Only a quarantined document can be released or rejected."), code="not_quarantined")
    return locked


def inbound_release(*, actor, document: InboundDocument, note: str) -> InboundDocument:
    """Accept a quarantined document (the registry clerk judged it acceptable), with a note."""
    note = (note or "").strip()
    if not note:
        from core.exceptions import ServiceValidationError

        raise ServiceValidationError(
            _("Give the reason for accepting the document."), errors={"note": [_("This field is required.")]}
        )
    return _decide(
        actor=actor,
        document=document,
        status=InboundDocument.Status.RELEASED,
        note=note,
        action="epuap.inbound.released",
        details={"note": note},
    )


def _decide(*, actor, document: InboundDocument, status: str, note: str, action: str, details: dict) -> InboundDocument:
    """Record the registry clerk's decision on a quarantined document, with its audit event."""
    with transaction.atomic():
        doc = _require_quarantined(document)
        doc.status = status
        doc.decision_note = note
        doc.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        doc.decided_at = timezone.now()
        doc.save(update_fields=["status", "decision_note", "decided_by", "decided_at"])
        audit_log(actor=actor, action=action, obj=doc, details={**details, "quarantine": doc.quarantine_codes})
    return doc


def _rejection_letter(doc: InboundDocument, reason: str) -> bytes:
    """The office's letter telling the sender why the document was not accepted (a signed pismo ogólne)."""
    from epuap import crd, xades

    submitted = timezone.localtime(doc.submitted_at).strftime("%d.%m.%Y %H:%M") if doc.submitted_at else "—"
    letter = crd.CrdDocument(
        form_namespace=crd.NS_WNIO_4566,
        title=_("Notice of rejection of a document"),
        kind="inne pismo",
        kind_other=_("notice"),
        text_paragraphs=[
            _("The document %(file)s you sent to the office on %(date)s was not accepted.")
            % {"file": doc.file_name or doc.skrot, "date": submitted},
            _("Reason: %(reason)s") % {"reason": reason},
            _("You may send the document again after correcting it."),
        ],
        sender=crd.Party(institution_name=settings.EPUAP_OFFICE_NAME),
        recipient_name=" ".join(p for p in (doc.sender_first_name, doc.sender_name) if p),
    )
    xml = crd.build_pismo_ogolne(letter)
    try:
        return xades.sign(xml, pki.load_credential(settings.EPUAP_OFFICE_CREDENTIAL))
    except Exception:
        logger.exception("could not sign the rejection notice; sending it unsigned")
        return xml


def inbound_reject(*, actor, document: InboundDocument, reason: str, transport=None, client=None) -> InboundDocument:
    """Reject a quarantined document and tell the sender why (ePUAP ``nadaj`` to the reply box, else paper).

    Nothing is deleted: the document stays stored with its status ``rejected``.
    """
    reason = (reason or "").strip()
    if not reason:
        from core.exceptions import ServiceValidationError

        raise ServiceValidationError(
            _("Give the reason for rejecting the document."), errors={"reason": [_("This field is required.")]}
        )
    doc = _decide(
        actor=actor,
        document=document,
        status=InboundDocument.Status.REJECTED,
        note=reason,
        action="epuap.inbound.rejected",
        details={"reason": reason},
    )

    # The notice goes out after the decision is committed (a platform error must not undo the decision).
    if doc.reply_address:
        client = client or EpuapClient(transport=transport)
        box = Box.from_address(settings.EPUAP_BOXES[0]) if settings.EPUAP_BOXES else None
        try:
            sent = client.send(
                recipient_address=doc.reply_address,
                reply_address=box.address if box else "",
                content=_rejection_letter(doc, reason),
                file_name=f"odrzucenie-{doc.pk}.xml",
            )
        except (PlatformError, ValueError) as exc:
            doc.notice_channel = InboundDocument.NoticeChannel.PAPER
            doc.notice_error = str(exc)[:2000]
        else:
            doc.notice_channel = InboundDocument.NoticeChannel.EPUAP
            doc.notice_reference = sent.document_id[:200]
            doc.notice_upp_reference = sent.upp_id[:200]
            doc.notice_sent_at = timezone.now()
            doc.notice_error = ""
    else:
        doc.notice_channel = InboundDocument.NoticeChannel.PAPER
        doc.notice_error = _("The sender gave no reply box; a paper letter is needed.")
    with transaction.atomic():
        doc.save(
            update_fields=[
                "notice_channel",
                "notice_reference",
                "notice_upp_reference",
                "notice_sent_at",
                "notice_error",
            ]
        )
        audit_log(
            actor=actor,
            action="epuap.inbound.rejection_notice",
            obj=doc,
            details={
                "channel": doc.notice_channel,
                "reference": doc.notice_reference,
                "to": doc.reply_address,
                "error": doc.notice_error,
            },
        )
    return doc
