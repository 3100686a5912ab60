"""Outgoing documents: drafts with versions, the hand-over from other apps, the approval path (akceptacja).

Rules (who may do what):

* Drafting and correcting (:func:`draft_create`, :func:`draft_update`) and starting an approval round
  (:func:`approval_start`): the case owner (prowadzący) or a supervisor of the case's unit, with
  ``documents.handle_case``; a version is added only while the document is a draft or returned for correction —
  older versions are never altered, after signing none can be added.
* Approval: an ordered path of one or more approvers holding ``documents.approve_document`` (no one twice, not the
  author); each step is bound to the version under approval. Only the approver of the pending step decides
  (:func:`approval_decide`); anyone else is refused before anything is written. Approve → the next step, or the
  document ``approved`` after the last; return (with a comment) → the document ``returned``, the remaining steps
  superseded; the author corrects (a new version) and starts a new round.
* Every status change goes through :func:`document_transition` (table in ``documents.domain.approval``, row lock,
  audit). Every audit event carries ``details["case_id"]`` and ``details["document"]`` (the metryka sprawy).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from documents.domain import approval as rules
from documents.models import ApprovalStep, Case, DocumentTemplate, DocumentVersion, OutgoingDocument
from documents.models.outgoing import DocumentKind
from documents.selectors import can_supervise
from documents.services import templates as registry
from epuap import crd, xmlsafe

MAX_TITLE = 500
PDF_MAGIC = b"%PDF-"

TRANSITION_ACTIONS = {
    rules.IN_APPROVAL: "documents.document.submitted",
    rules.RETURNED: "documents.document.returned",
    rules.APPROVED: "documents.document.approved",
    rules.SIGNED: "documents.document.signed",
    rules.DISPATCHED: "documents.document.dispatched",
    rules.CANCELLED: "documents.document.cancelled",
    rules.DRAFT: "documents.document.reopened",
}


def max_document_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))


def _fail(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(_("The data contain errors."), errors={field: [message]})


def doc_details(document: OutgoingDocument, **extra) -> dict:
    """The details every event about a document carries (metryka sprawy)."""
    return {"case_id": document.case_id, "document": document.pk, "title": document.title, **extra}


# --- who may do what (reads; the screens show the actions these allow) --------------------------------------


def can_edit(user, case: Case) -> bool:
    """The case owner or a supervisor of its unit, with documents.handle_case."""
    if not (user and user.is_authenticated and user.is_active and user.has_perm("documents.handle_case")):
        return False
    return case.owner_id == user.pk or can_supervise(user, case.unit_id)


def latest_version(document: OutgoingDocument) -> DocumentVersion | None:
    return document.versions.order_by("-number").first()


def current_round(document: OutgoingDocument) -> int:
    return document.approval_steps.aggregate(r=Max("round"))["r"] or 0


def pending_step(document: OutgoingDocument) -> ApprovalStep | None:
    if document.status != OutgoingDocument.Status.IN_APPROVAL:
        return None
    return (
        document.approval_steps.filter(round=current_round(document), status=ApprovalStep.Status.PENDING)
        .select_related("approver")
        .first()
    )


def can_decide(user, document: OutgoingDocument) -> bool:
    step = pending_step(document)
    return bool(
        step is not None
        and user.is_authenticated
        and step.approver_id == user.pk
        and user.is_active
        and user.has_perm("documents.approve_document")
    )


# --- the state machine ------------------------------------------------------------------------------------


class TransitionRefused(ApplicationError):
    code = "transition_refused"


def document_transition(
    *, actor, document: OutgoingDocument, to: str, fields: dict | None = None, details: dict | None = None
) -> OutgoingDocument:
    """Move ``document`` to status ``to`` (checked against the table, under a row lock), set ``fields`` with it,
    and write the audit event. Used by the approval, signing and dispatch services."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        current = locked.status
        if not rules.transition_allowed(current, to):
            raise TransitionRefused(
                _("The document cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": OutgoingDocument.Status(current).label,
                    "to": OutgoingDocument.Status(to).label,
                }
            )
        update = {"status": to, **(fields or {})}
        for name, value in update.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*update, "updated_at"])
        audit_log(
            actor=actor,
            action=TRANSITION_ACTIONS[to],
            obj=locked,
            details=doc_details(locked, **{"from": current, "to": to}, **(details or {})),
        )
    document.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


# --- drafts ----------------------------------------------------------------------------------------------


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise _fail("title", _("This field is required."))
    if len(title) > MAX_TITLE:
        raise _fail("title", _("The title is too long (at most %(n)s characters).") % {"n": MAX_TITLE})
    return title


def _check_recipients(recipients: Iterable) -> list:
    recipients = list(dict.fromkeys(recipients))
    if not recipients:
        raise _fail("recipients", _("Choose at least one recipient."))
    return recipients


def _check_case_open(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ApplicationError(_("The case is closed: re-open it first."), code="case_closed")


def _render(*, document: OutgoingDocument, template: DocumentTemplate, context: dict, recipients: list):
    return registry.render_document(
        template=template,
        context=context,
        title=document.title,
        mark=document.case.mark,
        recipients=[registry.recipient_of(p) for p in recipients],
    )


def draft_create(
    *, actor, case: Case, template: DocumentTemplate, title: str, recipients: Sequence, context: dict
) -> OutgoingDocument:
    """A new draft in ``case`` from ``template``, version 1 rendered (PDF and XML)."""
    if not can_edit(actor, case):
        raise ApplicationError(_("Only the case owner or the head of the unit may draft documents."), code="forbidden")
    _check_case_open(case)
    title = _check_title(title)
    recipients = _check_recipients(recipients)
    if not template.is_active:
        raise _fail("template", _("This template version is no longer in use."))
    cleaned = registry.clean_context(template=template, context=context)
    with transaction.atomic():
        document = OutgoingDocument.objects.create(
            case=case, title=title, kind=template.kind, template=template, created_by=actor
        )
        document.recipients.set(recipients)
        rendered = _render(document=document, template=template, context=cleaned, recipients=recipients)
        version = DocumentVersion.objects.create(
            document=document,
            number=1,
            context=cleaned,
            body_html=rendered.html,
            pdf=rendered.pdf,
            xml=rendered.xml,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="documents.document.drafted",
            obj=document,
            details=doc_details(
                document,
                version=version.number,
                template=f"{template.code}:v{template.version}",
                recipients=[p.pk for p in recipients],
            ),
        )
    return document


def draft_update(
    *, actor, document: OutgoingDocument, context: dict | None = None, title: str | None = None, comment: str = ""
) -> DocumentVersion:
    """A new version of a draft (or of a document returned for correction); the older versions stay as they are."""
    with transaction.atomic():
        locked = (
            OutgoingDocument.objects.select_for_update(of=("self",))
            .select_related("case", "template")
            .get(pk=document.pk)
        )
        if not can_edit(actor, locked.case):
            raise ApplicationError(
                _("Only the case owner or the head of the unit may correct documents."), code="forbidden"
            )
        if locked.status not in rules.EDITABLE:
            raise ApplicationError(
                _("A document can be corrected only as a draft or after a return for correction."),
                code="not_editable",
            )
        if locked.template is None:
            raise ApplicationError(
                _("A document handed over by another application is corrected there and handed over again."),
                code="not_editable",
            )
        previous = latest_version(locked)
        new_title = _check_title(title) if title is not None else locked.title
        cleaned = registry.clean_context(
            template=locked.template, context=context if context is not None else previous.context
        )
        locked.title = new_title
        rendered = _render(
            document=locked, template=locked.template, context=cleaned, recipients=list(locked.recipients.all())
        )
        version = DocumentVersion.objects.create(
            document=locked,
            number=previous.number + 1,
            context=cleaned,
            body_html=rendered.html,
            pdf=rendered.pdf,
            xml=rendered.xml,
            comment=(comment or "").strip(),
            created_by=actor,
        )
        locked.save(update_fields=["title", "updated_at"])
        audit_log(
            actor=actor,
            action="documents.document.version_added",
            obj=locked,
            details=doc_details(locked, version=version.number, comment=version.comment),
        )
    document.title = locked.title
    return version


def _sniff(content: bytes, mime: str) -> str:
    """ "pdf" or "xml" by the content (the declared MIME type must agree); refuses anything else."""
    if content.startswith(PDF_MAGIC):
        kind = "pdf"
    else:
        try:
            xmlsafe.parse(content, max_bytes=max_document_bytes())
        except (xmlsafe.XmlRejected, ValueError):
            raise _fail("document", _("Only a PDF or an XML document can be handed over.")) from None
        kind = "xml"
    declared = (mime or "").split(";")[0].strip().lower()
    expected = {"pdf": {"application/pdf"}, "xml": {"application/xml", "text/xml"}}[kind]
    if declared not in expected:
        raise _fail("mime", _("The declared type does not match the content of the document."))
    return kind


def _xml_paragraphs(content: bytes) -> list[str]:
    try:
        return crd.parse_document(content).text_paragraphs
    except (xmlsafe.XmlRejected, ValueError):
        return []


def _check_attachments(attachments: Sequence[tuple[str, str, bytes]]) -> list[tuple[str, str, bytes]]:
    checked = []
    total = 0
    for name, mime, content in attachments:
        content = bytes(content)
        total += len(content)
        if not name or not content:
            raise _fail("attachments", _("An attachment needs a file name and content."))
        checked.append((str(name)[:255], str(mime)[:100], content))
    if total > max_document_bytes():
        raise _fail("attachments", _("The attachments are too large."))
    return checked


def outgoing_create(
    *,
    case: Case,
    document: bytes,
    file_name: str,
    mime: str,
    title: str,
    kind: str,
    recipients: Sequence,
    template: DocumentTemplate | None = None,
    source_app: str = "",
    source_ref: str = "",
    actor=None,
    approvers: Sequence = (),
    attachments: Sequence[tuple[str, str, bytes]] = (),
) -> OutgoingDocument:
    """Hand-over from another app: a ready PDF or XML becomes version 1 as it is.

    A PDF is kept byte-exact in ``pdf`` and wrapped (as an attachment, with ``attachments`` — (file name, MIME type,
    content) — beside it) into a CRD XML for electronic channels; an
    XML is kept byte-exact in ``xml`` and a PDF view of its text is rendered. With ``approvers`` the document goes
    straight into approval. ``actor`` is the user who acted in the originating app (None for a background job:
    the case owner is recorded as the author, the audit actor is ``system:<source_app>``).
    """
    content = bytes(document)
    if not content:
        raise _fail("document", _("The document is empty."))
    if len(content) > max_document_bytes():
        raise _fail("document", _("The document is too large."))
    file_kind = _sniff(content, mime)
    title = _check_title(title)
    recipients = _check_recipients(recipients)
    if kind not in DocumentKind.values:
        raise _fail("kind", _("Unknown kind of document."))
    _check_case_open(case)
    user = _user(actor)
    audit_actor = user or f"system:{source_app or 'documents'}"
    parties = [registry.recipient_of(p) for p in recipients]
    today = timezone.localdate()
    if file_kind == "pdf":
        pdf = content
        xml = registry.build_xml(
            title=title,
            mark=case.mark,
            paragraphs=[title],
            recipients=parties,
            pdf=pdf,
            day=today,
            extra_attachments=_check_attachments(attachments),
        )
    else:
        xml = content
        body = "".join(f"<p>{escape(p)}</p>" for p in _xml_paragraphs(content))
        pdf = registry.render_pdf(
            registry.render_layout(title=title, mark=case.mark, body_html=body, recipients=parties, day=today)
        )
    with transaction.atomic():
        doc = OutgoingDocument.objects.create(
            case=case,
            title=title,
            kind=kind,
            template=template,
            created_by=user or case.owner,
            source_app=(source_app or "")[:50],
            source_ref=(source_ref or "")[:200],
        )
        doc.recipients.set(recipients)
        DocumentVersion.objects.create(
            document=doc,
            number=1,
            context={"file_name": file_name[:255], "mime": mime[:100], "handed_over": file_kind},
            pdf=pdf,
            xml=xml,
            created_by=user or case.owner,
        )
        audit_log(
            actor=audit_actor,
            action="documents.document.handed_over",
            obj=doc,
            details=doc_details(
                doc,
                version=1,
                source_app=doc.source_app,
                source_ref=doc.source_ref,
                file_name=file_name,
                format=file_kind,
                recipients=[p.pk for p in recipients],
            ),
        )
        if approvers:
            _approval_open(actor=audit_actor, document=doc, approvers=approvers, author_id=None)
    return doc


# --- approval (akceptacja) --------------------------------------------------------------------------------


def _approval_open(*, actor, document: OutgoingDocument, approvers: Sequence, author_id: int | None) -> int:
    approvers = list(approvers)
    try:
        rules.validate_path([a.pk for a in approvers], author_id=author_id)
    except rules.PathInvalid as exc:
        message = {
            "empty": _("Choose at least one approver."),
            "duplicate": _("An approver cannot appear twice on the path."),
            "author": _("The author cannot approve his own document."),
        }[exc.reason]
        raise _fail("approvers", message) from None
    unable = [a for a in approvers if not (a.is_active and a.has_perm("documents.approve_document"))]
    if unable:
        raise _fail(
            "approvers",
            _("Not allowed to approve documents: %(names)s.")
            % {"names": ", ".join(a.get_full_name() or a.get_username() for a in unable)},
        )
    version = latest_version(document)
    round_no = current_round(document) + 1
    ApprovalStep.objects.bulk_create(
        [
            ApprovalStep(
                document=document,
                round=round_no,
                order=i,
                approver=a,
                version=version,
                status=ApprovalStep.Status.PENDING if i == 1 else ApprovalStep.Status.WAITING,
            )
            for i, a in enumerate(approvers, start=1)
        ]
    )
    document_transition(
        actor=actor,
        document=document,
        to=rules.IN_APPROVAL,
        details={"round": round_no, "version": version.number, "approvers": [a.get_username() for a in approvers]},
    )
    return round_no


def approval_start(*, actor, document: OutgoingDocument, approvers: Sequence) -> int:
    """Start an approval round over the latest version; returns the round number."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
        if not can_edit(actor, locked.case):
            raise ApplicationError(
                _("Only the case owner or the head of the unit may send documents for approval."), code="forbidden"
            )
        if locked.status not in rules.APPROVAL_STARTABLE:
            raise ApplicationError(
                _("Only a draft or a document returned for correction can be sent for approval."),
                code="transition_refused",
            )
        round_no = _approval_open(actor=actor, document=locked, approvers=approvers, author_id=locked.created_by_id)
    document.status = locked.status
    return round_no


def approval_decide(*, actor, document: OutgoingDocument, approve: bool, comment: str = "") -> ApprovalStep:
    """The decision of the pending approver: approve, or return for correction (a comment is required)."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        step = pending_step(locked)
        if step is None or not can_decide(actor, locked):
            raise ApplicationError(_("This document is not waiting for your decision."), code="not_your_turn")
        if not approve and not comment:
            raise _fail("comment", _("Say what to correct."))
        steps = list(locked.approval_steps.filter(round=step.round))
        outcome = rules.decide([rules.StepState(s.order, s.approver_id, s.status) for s in steps], approve=approve)
        now = timezone.now()
        step.status, step.comment, step.decided_at = outcome.step_status, comment, now
        step.save(update_fields=["status", "comment", "decided_at"])
        if outcome.next_pending is not None:
            locked.approval_steps.filter(round=step.round, order=outcome.next_pending).update(
                status=ApprovalStep.Status.PENDING
            )
        if outcome.superseded:
            locked.approval_steps.filter(round=step.round, order__in=outcome.superseded).update(
                status=ApprovalStep.Status.SUPERSEDED
            )
        audit_log(
            actor=actor,
            action="documents.approval.approved" if approve else "documents.approval.returned",
            obj=locked,
            details=doc_details(
                locked, round=step.round, order=step.order, version=step.version.number, comment=comment
            ),
        )
        if outcome.document_status is not None:
            document_transition(
                actor=actor,
                document=locked,
                to=outcome.document_status,
                details={"round": step.round, "version": step.version.number},
            )
    document.status = locked.status
    return step


def document_cancel(*, actor, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    """Withdraw a document before signing (the versions stay for the record)."""
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", _("This field is required."))
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
        if not can_edit(actor, locked.case):
            raise ApplicationError(
                _("Only the case owner or the head of the unit may cancel documents."), code="forbidden"
            )
        locked.approval_steps.filter(status__in=[ApprovalStep.Status.PENDING, ApprovalStep.Status.WAITING]).update(
            status=ApprovalStep.Status.SUPERSEDED
        )
        document_transition(actor=actor, document=locked, to=rules.CANCELLED, details={"reason": reason})
    document.status = locked.status
    return locked
