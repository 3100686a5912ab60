"""Outgoing letters: the channel (art. 144 §1a Ordynacji podatkowej), sending, and tracking to the legal delivery.

Channel choice (:func:`channel_choose`), in this order:

1. **e-Doręczenia** — the party's ADE: ``party.ade_address`` if recorded, else the BAE (search by PESEL, then NIP).
   If BAE cannot be asked (platform down) nothing is sent: the error is raised, the clerk tries again later —
   sending on paper to a party who has an ADE in BAE would not be a valid delivery.
2. **ePUAP** (delivery against UPD, WS-Doręczyciel ``dorecz``) — the party has an ePUAP box (``party.epuap_box``)
   AND consented to electronic contact. ``core.Party`` has no dedicated "consent to electronic delivery" field;
   ``party.email_consent`` (consent to contact by electronic means) is the stand-in until one exists. The letter
   must be a XAdES-signed XML document: an unsigned XML is signed with the office credential; a non-XML document
   (PDF) cannot go this way and falls to paper (the reason says so).
3. **Paper** — status ``awaiting_paper``; the documents module prints and posts it and records ``sent_paper``.

The choice and its reason are stored on the :class:`~epuap.models.Dispatch` and in the audit log.

States (``ALLOWED_TRANSITIONS``; every change goes through :func:`dispatch_transition`, which locks the row,
checks the table, saves with ``update_fields``, writes a :class:`~epuap.models.DispatchTransition` and an audit
event, and — for a delivery — the :class:`~epuap.models.DeliveryEvent` outbox row, all in one transaction)::

    created → sent → delivered | deemed_delivered | failed
    created → failed → awaiting_paper        created → awaiting_paper → sent_paper → delivered | deemed_delivered

The legal delivery moment (``at`` of the delivery transition → ``delivered_at`` / ``delivered_on``) comes from the
UPD's ``DataOdbioru`` or the e-Doręczenia evidence's ``eventDate`` (receipt, or deemed = day 14), never from
when the office learned of it.

Tracking: :func:`edoreczenia_poll_dispatches` (periodic task) reads the evidences of sent messages (JWS verified
with the platform's JWKS); :func:`upd_receive` is called by ``box_poll`` for every pulled document and matches a
UPD (signed by the platform) to its dispatch.
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from epuap import pki, upo, xades, xmlsafe
from epuap.client import EpuapClient, PlatformError
from epuap.edoreczenia_client import EdoreczeniaClient, EdoreczeniaError, EvidenceInvalid
from epuap.events import delivery_event_record
from epuap.models import Dispatch, DispatchTransition, InboundDocument

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:epuap-dispatch"

S = Dispatch.Status
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.SENT, S.FAILED, S.AWAITING_PAPER}),
    S.SENT: frozenset({S.DELIVERED, S.DEEMED_DELIVERED, S.FAILED}),
    S.FAILED: frozenset({S.AWAITING_PAPER}),
    S.AWAITING_PAPER: frozenset({S.SENT_PAPER}),
    S.SENT_PAPER: frozenset({S.DELIVERED, S.DEEMED_DELIVERED}),
    S.DELIVERED: frozenset(),
    S.DEEMED_DELIVERED: frozenset(),
}
DELIVERED_STATES = frozenset({S.DELIVERED, S.DEEMED_DELIVERED})

# e-Doręczenia statuses (UA enum) that end a message without delivery.
EDORECZENIA_FAILED_STATUSES = frozenset({"Odrzucona", "Niedoręczona"})


class TransitionRefused(ApplicationError):
    pass


def _actor_label(actor) -> str:
    if isinstance(actor, str):
        return actor
    return getattr(actor, "get_username", lambda: str(actor))() or str(actor)


def dispatch_transition(
    *,
    dispatch: Dispatch,
    to: str,
    actor,
    at: datetime.datetime | None = None,
    details: dict | None = None,
    fields: dict | None = None,
) -> Dispatch:
    """Move a dispatch to ``to`` (checked against ``ALLOWED_TRANSITIONS`` under a row lock).

    ``at`` is when it happened; for ``delivered`` / ``deemed_delivered`` it is the LEGAL delivery moment and is
    required (it sets ``delivered_at`` and ``delivered_on``). ``fields`` are other columns to set with the change.
    """
    at = at or timezone.now()
    details = dict(details or {})
    with transaction.atomic():
        locked = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        current = locked.status
        if to not in ALLOWED_TRANSITIONS.get(current, frozenset()):
            raise TransitionRefused(
                _("A dispatch cannot go from %(from)s to %(to)s.") % {"from": current, "to": to},
                code="transition_refused",
            )
        update = {"status": to, **(fields or {})}
        if to in DELIVERED_STATES:
            update["delivered_at"] = at
            update["delivered_on"] = timezone.localdate(at)
        for name, value in update.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*update, "updated_at"])
        DispatchTransition.objects.create(
            dispatch=locked, from_status=current, to_status=to, at=at, actor=_actor_label(actor)[:200], details=details
        )
        audit_log(
            actor=actor,
            action=f"epuap.dispatch.{to}",
            obj=locked,
            details={"from": current, "to": to, "at": at.isoformat(), "channel": locked.channel, **details},
        )
        if to in DELIVERED_STATES:
            delivery_event_record(locked)
    dispatch.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- Channel choice -----------------------------------------------------------------------------------------


def _is_xml(document: bytes) -> bool:
    try:
        xmlsafe.parse(document, max_bytes=settings.EPUAP_MAX_DOCUMENT_BYTES)
    except (xmlsafe.XmlRejected, ValueError):
        return False
    return True


def channel_choose(*, party, document: bytes, edoreczenia: EdoreczeniaClient | None = None) -> tuple[str, str, str]:
    """(channel, recipient address, reason) for this party and document — see the module docstring."""
    if party.ade_address:
        return Dispatch.Channel.EDORECZENIA, party.ade_address, "art. 144 §1a pkt 1 O.p.: ADE recorded for the party"
    pesel = party.pesel or ""
    nip = party.nip or ""
    if pesel or nip:
        client = edoreczenia or EdoreczeniaClient()
        try:
            found = client.search(pesel=pesel) if pesel else []
            if not found and nip:
                found = client.search(nip=nip)
        except EdoreczeniaError as exc:
            raise ApplicationError(
                _("The e-Delivery address base (BAE) cannot be searched now; try again later (%(error)s).")
                % {"error": exc},
                code="bae_unavailable",
            ) from exc
        if found:
            key = f"PESEL {pesel}" if pesel else f"NIP {nip}"
            return Dispatch.Channel.EDORECZENIA, found[0], f"art. 144 §1a pkt 1 O.p.: ADE found in BAE ({key})"
    no_ade = "no ADE (not recorded, not in BAE)" if (pesel or nip) else "no ADE recorded, no PESEL/NIP to search BAE"
    if party.epuap_box and party.email_consent:
        if _is_xml(document):
            return (
                Dispatch.Channel.EPUAP,
                party.epuap_box,
                f"art. 144 §1a pkt 2 O.p.: {no_ade}; ePUAP box with the party's consent to electronic contact",
            )
        return Dispatch.Channel.PAPER, "", f"{no_ade}; ePUAP box and consent, but the document is not XML (XAdES)"
    if party.epuap_box:
        return Dispatch.Channel.PAPER, "", f"{no_ade}; ePUAP box but no consent to electronic contact"
    return Dispatch.Channel.PAPER, "", f"{no_ade}; no ePUAP box"


def _signed_for_epuap(document: bytes) -> bytes:
    if xades.is_signed(document):
        return document
    return xades.sign(document, pki.load_credential(settings.EPUAP_OFFICE_CREDENTIAL))


# --- Sending ------------------------------------------------------------------------------------------------


def send_to_party(
    *,
    actor,
    document: bytes,
    file_name: str,
    mime: str,
    title: str,
    party,
    case_id: str = "",
    document_id: str = "",
    edoreczenia: EdoreczeniaClient | None = None,
    epuap: EpuapClient | None = None,
    now: datetime.datetime | None = None,
) -> Dispatch:
    """Choose the channel, record the dispatch, send it. Returns the dispatch (sent, awaiting_paper or failed)."""
    now = now or timezone.now()
    document = bytes(document)
    edoreczenia = edoreczenia or EdoreczeniaClient()
    channel, address, reason = channel_choose(party=party, document=document, edoreczenia=edoreczenia)
    if channel == Dispatch.Channel.EPUAP:
        document = _signed_for_epuap(document)
        if not file_name.lower().endswith(".xml"):
            file_name = f"{file_name}.xml"
        mime = "text/xml"
    with transaction.atomic():
        dispatch = Dispatch.objects.create(
            party=party,
            channel=channel,
            channel_reason=reason,
            recipient_address=address[:200],
            title=title[:500],
            file_name=file_name[:255],
            mime_type=mime[:100],
            content=document,
            sha256=hashlib.sha256(document).hexdigest(),
            case_id=case_id[:200],
            document_id=document_id[:200],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        dispatch.sender_reference = (document_id or f"MAGISTRAT-DISPATCH-{dispatch.pk}")[:200]
        dispatch.save(update_fields=["sender_reference"])
        DispatchTransition.objects.create(
            dispatch=dispatch,
            from_status="",
            to_status=S.CREATED,
            at=now,
            actor=_actor_label(actor)[:200],
            details={"channel": channel, "reason": reason, "address": address},
        )
        audit_log(
            actor=actor,
            action="epuap.dispatch.created",
            obj=dispatch,
            details={
                "channel": channel,
                "reason": reason,
                "address": address,
                "case_id": case_id,
                "sha256": dispatch.sha256,
            },
        )

    if channel == Dispatch.Channel.PAPER:
        return dispatch_transition(
            dispatch=dispatch, to=S.AWAITING_PAPER, actor=actor, at=now, details={"reason": reason}
        )
    if channel == Dispatch.Channel.EDORECZENIA:
        return _send_edoreczenia(dispatch, actor=actor, client=edoreczenia)
    return _send_epuap(dispatch, actor=actor, client=epuap)


def _send_edoreczenia(dispatch: Dispatch, *, actor, client: EdoreczeniaClient) -> Dispatch:
    try:
        message_id = client.send(
            recipient_ade=dispatch.recipient_address,
            subject=dispatch.title,
            attachments=[(dispatch.file_name, dispatch.mime_type, bytes(dispatch.content))],
            case_id=dispatch.case_id,
        )
    except EdoreczeniaError as exc:
        return dispatch_transition(
            dispatch=dispatch, to=S.FAILED, actor=actor, details={"error": str(exc)}, fields={"error": str(exc)[:2000]}
        )
    fields: dict = {"external_id": message_id, "error": ""}
    details: dict = {"message_id": message_id}
    at = timezone.now()
    try:
        submission = next((e for e in client.evidences(message_id) if e.kind == "submission"), None)
    except EdoreczeniaError as exc:  # sent all the same; the poll fetches the submission evidence later
        logger.warning("dispatch %s: submission evidence not fetched: %s", dispatch.pk, exc)
        submission = None
    if submission is not None:
        fields.update(submitted_at=submission.event_at, submission_evidence=submission.jws)
        details["evidence_id"] = submission.evidence_id
        at = submission.event_at or at
    return dispatch_transition(dispatch=dispatch, to=S.SENT, actor=actor, at=at, details=details, fields=fields)


def _send_epuap(dispatch: Dispatch, *, actor, client: EpuapClient | None) -> Dispatch:
    client = client or EpuapClient()
    reply = settings.EPUAP_BOXES[0] if settings.EPUAP_BOXES else ""
    try:
        result = client.deliver(
            recipient_address=dispatch.recipient_address,
            reply_address=reply,
            content=bytes(dispatch.content),
            file_name=dispatch.file_name,
            document_id=dispatch.sender_reference,
            case_id=dispatch.case_id,
            mime_type=dispatch.mime_type,
        )
    except (PlatformError, ValueError) as exc:
        return dispatch_transition(
            dispatch=dispatch, to=S.FAILED, actor=actor, details={"error": str(exc)}, fields={"error": str(exc)[:2000]}
        )
    now = timezone.now()
    return dispatch_transition(
        dispatch=dispatch,
        to=S.SENT,
        actor=actor,
        at=now,
        details={"document_id": result.document_id, "order_id": result.order_id},
        fields={
            "external_id": result.document_id[:200],
            "order_id": result.order_id[:200],
            "submitted_at": now,
            "error": "",
        },
    )


def dispatch_paper_sent(*, dispatch: Dispatch, actor, at: datetime.datetime | None = None, details: dict | None = None):
    """The documents module posted the paper letter (awaiting_paper → sent_paper)."""
    return dispatch_transition(dispatch=dispatch, to=S.SENT_PAPER, actor=actor, at=at, details=details)


def dispatch_to_paper(*, dispatch: Dispatch, actor, reason: str = "") -> Dispatch:
    """A failed electronic dispatch goes by post instead (failed → awaiting_paper)."""
    return dispatch_transition(dispatch=dispatch, to=S.AWAITING_PAPER, actor=actor, details={"reason": reason})


# --- e-Doręczenia tracking ----------------------------------------------------------------------------------


def edoreczenia_poll_dispatches(*, client: EdoreczeniaClient | None = None, limit: int = 500) -> dict[str, int]:
    """Read the evidences of every sent e-Doręczenia dispatch and move the delivered ones. Idempotent."""
    client = client or EdoreczeniaClient()
    counts = {"checked": 0, "delivered": 0, "deemed_delivered": 0, "failed": 0, "errors": 0}
    pending = Dispatch.objects.filter(channel=Dispatch.Channel.EDORECZENIA, status=S.SENT).exclude(external_id="")
    for dispatch in pending.order_by("last_checked_at", "id")[:limit]:
        counts["checked"] += 1
        try:
            outcome = _edoreczenia_track(dispatch, client)
        except EvidenceInvalid as exc:
            counts["errors"] += 1
            logger.error("dispatch %s: evidence refused: %s", dispatch.pk, exc)
            Dispatch.objects.filter(pk=dispatch.pk).update(error=f"evidence refused: {exc}"[:2000])
            continue
        except EdoreczeniaError as exc:
            counts["errors"] += 1
            logger.warning("dispatch %s: e-Doręczenia status not read: %s", dispatch.pk, exc)
            continue
        except TransitionRefused:
            continue  # changed meanwhile by another worker
        if outcome:
            counts[outcome] += 1
    return counts


def _edoreczenia_track(dispatch: Dispatch, client: EdoreczeniaClient) -> str:
    evidences = client.evidences(dispatch.external_id)
    Dispatch.objects.filter(pk=dispatch.pk).update(last_checked_at=timezone.now())
    submission = next((e for e in evidences if e.kind == "submission"), None)
    if submission is not None and not dispatch.submission_evidence:
        Dispatch.objects.filter(pk=dispatch.pk, submission_evidence="").update(
            submission_evidence=submission.jws, submitted_at=submission.event_at
        )
    # Deemed first: a letter opened after day 14 was already delivered on day 14 (no receipt evidence follows).
    for kind, to in (("deemed", S.DEEMED_DELIVERED), ("receipt", S.DELIVERED)):
        evidence = next((e for e in evidences if e.kind == kind and e.event_at), None)
        if evidence is not None:
            dispatch_transition(
                dispatch=dispatch,
                to=to,
                actor=SYSTEM_ACTOR,
                at=evidence.event_at,
                details={"evidence_id": evidence.evidence_id, "evidence_type": evidence.type_code, "kind": kind},
                fields={"delivery_evidence": evidence.jws},
            )
            return str(to)
    status = str(client.message(dispatch.external_id).get("messageControlData", {}).get("status", ""))
    if status in EDORECZENIA_FAILED_STATUSES:
        dispatch_transition(
            dispatch=dispatch,
            to=S.FAILED,
            actor=SYSTEM_ACTOR,
            details={"platform_status": status},
            fields={"error": status},
        )
        return "failed"
    return ""


# --- ePUAP tracking (UPD) -----------------------------------------------------------------------------------


def _extra_fields(extra: bytes) -> dict[str, str]:
    """daneDodatkowe as {element local name: text} (the last one wins)."""
    if not extra or not bytes(extra).strip():
        return {}
    try:
        root = xmlsafe.parse(bytes(extra), max_bytes=1024 * 1024)
    except (xmlsafe.XmlRejected, ValueError):
        return {}
    from lxml import etree

    return {
        etree.QName(el).localname: (el.text or "").strip()
        for el in root.iter()
        if isinstance(el.tag, str) and el is not root
    }


def _platform_certificates() -> list:
    return EpuapClient().platform_certificates


def upd_receive(*, document: InboundDocument) -> Dispatch | None:
    """If ``document`` (just pulled from the office box) is a UPD of one of our dispatches, record the delivery.

    Called by ``box_poll`` for every pulled document, new or found again (idempotent). The UPD must be signed by
    the platform's certificate (a party could put a forged UPD into the office box) and name our document. The
    InboundDocument stays stored; it is marked as form ``UPD`` and, when the only objection was the unknown
    form, accepted.
    """
    content = bytes(document.content)
    try:
        data = upo.parse_upo(content)
    except ValueError:
        return None
    if data.get("kind") != "UPD":
        return None
    extra = _extra_fields(document.extra_data)
    platform_doc_id = document.platform_document_id or extra.get("IdentyfikatorDokumentu", "")
    order_id = extra.get("IdentyfikatorZlecenia", "")
    candidates = Dispatch.objects.filter(channel=Dispatch.Channel.EPUAP)
    dispatch = candidates.filter(external_id=platform_doc_id).first() if platform_doc_id else None
    if dispatch is None and order_id:
        dispatch = candidates.filter(order_id=order_id).first()

    problem = ""
    try:
        verified = xades.verify(content, ca=pki.ca_certificate())
        trusted = {pki.cert_fingerprint(c) for c in _platform_certificates()}
        if pki.cert_fingerprint(verified.signer) not in trusted:
            problem = "the UPD is not signed by the platform"
    except xades.SignatureInvalid as exc:
        problem = f"invalid UPD signature: {exc}"
    if dispatch is None:
        problem = problem or "no dispatch matches the UPD"
    elif data.get("document_id") not in {dispatch.sender_reference, dispatch.external_id}:
        problem = "the UPD names another document"
    if not data.get("received_at"):
        problem = problem or "the UPD has no DataOdbioru"

    with transaction.atomic():
        doc = InboundDocument.objects.select_for_update().get(pk=document.pk)
        if doc.form_code != "UPD":
            doc.form_code = "UPD"
            doc.title = (_("Delivery confirmation (UPD) %(id)s") % {"id": data.get("identifier", "")})[:500]
            update = ["form_code", "title"]
            if (
                not problem
                and doc.status == InboundDocument.Status.QUARANTINED
                and set(doc.quarantine_codes) <= {"form"}
            ):
                doc.status = InboundDocument.Status.ACCEPTED
                doc.quarantine_codes = []
                doc.quarantine_reason = ""
                doc.validation_verdict = InboundDocument.ValidationVerdict.VALID
                doc.validation_reason = ""
                update += ["status", "quarantine_codes", "quarantine_reason", "validation_verdict", "validation_reason"]
            doc.save(update_fields=update)
            audit_log(
                actor=SYSTEM_ACTOR,
                action="epuap.inbound.upd",
                obj=doc,
                details={
                    "upd": data.get("identifier", ""),
                    "dispatch": dispatch.pk if dispatch else None,
                    "problem": problem,
                },
            )
        if problem:
            logger.warning("UPD in inbound document %s not applied: %s", doc.pk, problem)
            if dispatch is not None and dispatch.status == S.SENT:
                Dispatch.objects.filter(pk=dispatch.pk).update(error=f"UPD {doc.pk}: {problem}"[:2000])
            return None
        if dispatch.status != S.SENT:
            return dispatch  # already settled (a UPD found again after a crash)
        deemed = any("zastępcze" in item.lower() or "uznan" in item.lower() for item in data.get("extra", []))
        return dispatch_transition(
            dispatch=dispatch,
            to=S.DEEMED_DELIVERED if deemed else S.DELIVERED,
            actor=SYSTEM_ACTOR,
            at=data["received_at"],
            details={"upd": data.get("identifier", ""), "inbound_document": doc.pk, "order_id": order_id},
            fields={"upd": doc, "error": ""},
        )
