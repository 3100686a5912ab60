"""Reads of the office's ePUAP adapter (back office, other apps)."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet

from epuap.models import InboundDocument, PollState


def inbound_documents(*, status: str = "", query: str = "") -> QuerySet[InboundDocument]:
    qs = InboundDocument.objects.defer("content", "extra_data").select_related("decided_by")
    if status:
        qs = qs.filter(status=status)
    if query:
        from django.db.models import Q

        qs = qs.filter(
            Q(sender_name__icontains=query)
            | Q(sender_identifier__icontains=query)
            | Q(title__icontains=query)
            | Q(file_name__icontains=query)
            | Q(platform_document_id=query)
        )
    return qs.order_by("-received_at", "-id")


def quarantined_documents() -> QuerySet[InboundDocument]:
    return inbound_documents(status=InboundDocument.Status.QUARANTINED).order_by("received_at", "id")


def adapter_status() -> list[PollState]:
    """One row per configured box (also those never polled yet) and per box polled in the past."""
    states = {s.box_address: s for s in PollState.objects.all()}
    for address in settings.EPUAP_BOXES:
        states.setdefault(address, PollState(box_address=address))
    return [states[a] for a in sorted(states)]


@dataclass
class RenderedDocument:
    ok: bool
    title: str = ""
    form_name: str = ""
    document_name: str = ""
    sender: str = ""
    recipient: str = ""
    place: str = ""
    created: object = None
    paragraphs: list[str] = field(default_factory=list)
    attachments: list = field(default_factory=list)
    error: str = ""


def inbound_render(document: InboundDocument) -> RenderedDocument:
    """A readable view of a CRD document's content (title, paragraphs, attachments); never raises."""
    from epuap import crd

    if document.size > settings.EPUAP_MAX_DOCUMENT_BYTES:
        return RenderedDocument(ok=False, error="size")
    try:
        parsed = crd.parse_document(bytes(document.content))
    except Exception as exc:
        return RenderedDocument(ok=False, error=str(getattr(exc, "reason", "") or exc))
    return RenderedDocument(
        ok=True,
        title=parsed.title,
        form_name=parsed.form_name,
        document_name=parsed.document_name,
        sender=parsed.sender.display_name,
        recipient=parsed.recipient_name,
        place=parsed.place,
        created=parsed.created,
        paragraphs=list(parsed.text_paragraphs),
        attachments=[
            {
                "file_name": a.file_name,
                "mime": a.mime,
                "size": len(a.content) if a.content is not None else None,
                "uri": a.uri,
                "description": a.description,
            }
            for a in parsed.attachments
        ],
    )


def access_inbound_document(*, user, document_id: int, purpose: str) -> InboundDocument:
    """The document (with the sender's personal data) for ``user``; the read is logged.

    Raises NotFoundOrForbidden alike for a missing document and a user without the permission.
    """
    from core.exceptions import NotFoundOrForbidden
    from core.services.audit import audit_log

    if not user.has_perm("epuap.view_inbounddocument"):
        raise NotFoundOrForbidden("not found")
    document = InboundDocument.objects.select_related("decided_by").filter(pk=document_id).first()
    if document is None:
        raise NotFoundOrForbidden("not found")
    audit_log(actor=user, action="epuap.inbound.accessed", obj=document, details={"purpose": purpose})
    return document
