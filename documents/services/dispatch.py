"""Dispatch (wysyłka) of signed outgoing documents: the outgoing register (rejestr przesyłek wychodzących).

``document_dispatch`` creates one :class:`~documents.models.Shipment` per recipient, numbered per year in the
outgoing register, with a snapshot of the address. Electronic delivery goes through the epuap adapter
(``epuap.dispatch.send_to_party``), which chooses the channel (ADE → ePUAP → paper) unless the clerk forced a
paper-type channel. Paper shipments wait for the książka nadawcza (``documents.services.postal_book.book_add``).

Idempotent: a shipment is created once per (document, recipient); a shipment already linked to an epuap dispatch
is never sent again, and a dispatch recorded for the shipment before a crash (found by its document id
``MAGISTRAT-SHIPMENT-<pk>``) is linked instead of sending a second one.

Shipment states (``SHIPMENT_TRANSITIONS``; every change goes through :func:`shipment_transition`)::

    pending → sent | failed          failed → pending (sent on paper instead)
    sent → delivered | deemed_delivered | returned
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.services.audit import audit_log
from documents.models import OutgoingDocument, Shipment
from documents.services.numbering import next_number, shipment_key
from documents.services.outgoing import document_transition

SC = Shipment.Channel
SS = Shipment.Status

ELECTRONIC_CHANNELS = frozenset({SC.EDORECZENIA, SC.EPUAP})
# Channels the clerk may force; they bypass the adapter's choice.
FORCED_CHANNELS = frozenset({SC.POST_REGISTERED, SC.POST_ORDINARY, SC.COURIER, SC.MESSENGER, SC.IN_PERSON})
# Channels that go into a dispatch book, and which book.
BOOK_KIND_OF_CHANNEL = {
    SC.POST_REGISTERED: "post",
    SC.POST_ORDINARY: "post",
    SC.COURIER: "courier",
    SC.MESSENGER: "messenger",
}

SHIPMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    SS.PENDING: frozenset({SS.SENT, SS.FAILED}),
    SS.FAILED: frozenset({SS.PENDING}),
    SS.SENT: frozenset({SS.DELIVERED, SS.DEEMED_DELIVERED, SS.RETURNED}),
    SS.DELIVERED: frozenset(),
    SS.DEEMED_DELIVERED: frozenset(),
    SS.RETURNED: frozenset(),
}
LEFT_STATES = frozenset({SS.SENT, SS.DELIVERED, SS.DEEMED_DELIVERED, SS.RETURNED})


def require_perm(actor, perm: str) -> None:
    """A user actor must hold ``perm``; a system actor (a string label) is trusted (tasks, handlers)."""
    if isinstance(actor, str):
        return
    if not (actor and actor.is_authenticated and actor.is_active and actor.has_perm(perm)):
        raise NotFoundOrForbidden(_("Not found."))


def shipment_document_id(shipment: Shipment) -> str:
    return f"MAGISTRAT-SHIPMENT-{shipment.pk}"


def shipment_audit_details(shipment: Shipment, **extra) -> dict:
    document = shipment.document
    return {
        "case_id": document.case_id,
        "case_mark": document.case.mark,
        "document": document.pk,
        "shipment": f"{shipment.number}/{shipment.year}",
        "recipient": shipment.party_id,
        "channel": shipment.channel,
        **extra,
    }


def shipment_transition(*, shipment: Shipment, to: str, actor, fields: dict | None = None, details=None) -> Shipment:
    """Move a shipment to ``to`` under a row lock, checked against SHIPMENT_TRANSITIONS; one audit event."""
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().select_related("document__case").get(pk=shipment.pk)
        current = locked.status
        if to not in SHIPMENT_TRANSITIONS.get(current, frozenset()):
            raise ApplicationError(
                _("A shipment cannot go from %(from)s to %(to)s.") % {"from": current, "to": to},
                code="transition_refused",
            )
        update = {"status": to, **(fields or {})}
        for name, value in update.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*update, "updated_at"])
        audit_log(
            actor=actor,
            action=f"documents.shipment.{to}",
            obj=locked,
            details=shipment_audit_details(locked, **{"from": current, "to": to}, **(details or {})),
        )
    shipment.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return locked


def _address_text(party) -> str:
    address = party.correspondence_address or party.registered_address
    lines = [party.display_name]
    if address is not None:
        lines.append(address.one_line)
    return "\n".join(line for line in lines if line)


def _document_mark_dispatched(document: OutgoingDocument, actor) -> bool:
    """Document → dispatched once every shipment has left. Returns True when it changed now."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().get(pk=document.pk)
        if locked.status != OutgoingDocument.Status.SIGNED:
            return False
        shipments = list(Shipment.objects.filter(document=locked).values_list("status", flat=True))
        if not shipments or any(s not in LEFT_STATES for s in shipments):
            return False
        document_transition(document=locked, to=OutgoingDocument.Status.DISPATCHED, actor=actor)
    document.status = OutgoingDocument.Status.DISPATCHED
    return True


def _check_channels(document: OutgoingDocument, channels: dict) -> dict[int, str]:
    recipient_ids = set(document.recipients.values_list("pk", flat=True))
    result: dict[int, str] = {}
    errors: list[str] = []
    for party_id, channel in (channels or {}).items():
        try:
            party_id = int(party_id)
        except (TypeError, ValueError):
            errors.append(_("Unknown recipient %(id)s.") % {"id": party_id})
            continue
        if party_id not in recipient_ids:
            errors.append(_("Unknown recipient %(id)s.") % {"id": party_id})
        elif channel and channel not in FORCED_CHANNELS:
            errors.append(_("The channel %(channel)s cannot be forced.") % {"channel": channel})
        elif channel:
            result[party_id] = channel
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors={"channels": errors})
    return result


def _register_shipments(*, actor, document: OutgoingDocument, channels: dict[int, str]) -> list[Shipment]:
    """Create the missing shipments (one per recipient) in the outgoing register."""
    with transaction.atomic():
        locked = OutgoingDocument.objects.select_for_update().select_related("case").get(pk=document.pk)
        if locked.status not in (OutgoingDocument.Status.SIGNED, OutgoingDocument.Status.DISPATCHED):
            raise ApplicationError(
                _("Only a signed document can be dispatched (this one is: %(status)s).")
                % {"status": locked.get_status_display()},
                code="not_signed",
            )
        existing = {s.party_id: s for s in Shipment.objects.filter(document=locked)}
        recipients = list(
            locked.recipients.select_related("registered_address", "correspondence_address").order_by("pk")
        )
        if not recipients and not existing:
            raise ApplicationError(_("The document has no recipients."), code="no_recipients")
        electronic_possible = bool(locked.signed_xml) and locked.signature_kind == OutgoingDocument.SignatureKind.XADES
        year = timezone.localdate().year
        for party in recipients:
            if party.pk in existing:
                continue
            forced = channels.get(party.pk, "")
            reason = _("chosen by the clerk") if forced else ""
            if not forced and not electronic_possible:
                forced = SC.POST_REGISTERED
                reason = _("signed on paper: delivered by registered post with ZPO")
            shipment = Shipment.objects.create(
                document=locked,
                party=party,
                year=year,
                number=next_number(shipment_key(year)),
                channel=forced,
                channel_reason=reason,
                address_text=_address_text(party),
                created_by=_user(actor) or locked.created_by,
            )
            audit_log(
                actor=actor,
                action="documents.shipment.registered",
                obj=shipment,
                details=shipment_audit_details(shipment, address=shipment.address_text),
            )
            existing[party.pk] = shipment
    return sorted(existing.values(), key=lambda s: (s.year, s.number))


def _send_electronic(*, actor, shipment: Shipment, edoreczenia=None, epuap=None) -> None:
    from epuap.dispatch import send_to_party
    from epuap.models import Dispatch

    document = shipment.document
    doc_id = shipment_document_id(shipment)
    dispatch = Dispatch.objects.filter(document_id=doc_id).order_by("pk").first()  # recorded before a crash
    if dispatch is None:
        dispatch = send_to_party(
            actor=actor,
            document=bytes(document.signed_xml),
            file_name=f"pismo-{shipment.number}-{shipment.year}.xml",
            mime="text/xml",
            title=document.title,
            party=shipment.party,
            case_id=document.case.mark,
            document_id=doc_id,
            edoreczenia=edoreczenia,
            epuap=epuap,
        )
    channel = {
        Dispatch.Channel.EDORECZENIA: SC.EDORECZENIA,
        Dispatch.Channel.EPUAP: SC.EPUAP,
    }.get(dispatch.channel, SC.POST_REGISTERED)
    with transaction.atomic():
        locked = Shipment.objects.select_for_update().get(pk=shipment.pk)
        if locked.electronic_dispatch_id:
            return
        locked.electronic_dispatch = dispatch
        locked.channel = channel
        locked.channel_reason = dispatch.channel_reason
        locked.save(update_fields=["electronic_dispatch", "channel", "channel_reason", "updated_at"])
    shipment.refresh_from_db()
    S = Dispatch.Status
    if dispatch.status in (S.SENT, S.DELIVERED, S.DEEMED_DELIVERED):
        sent_on = timezone.localdate(dispatch.submitted_at) if dispatch.submitted_at else timezone.localdate()
        shipment_transition(
            shipment=shipment,
            to=SS.SENT,
            actor=actor,
            fields={"sent_on": sent_on},
            details={"dispatch": dispatch.pk, "reason": dispatch.channel_reason},
        )
    elif dispatch.status == S.FAILED:
        shipment_transition(
            shipment=shipment, to=SS.FAILED, actor=actor, details={"dispatch": dispatch.pk, "error": dispatch.error}
        )
    # awaiting_paper: the shipment stays pending, channel registered post, for the postal book.


def _hand_in_person(*, actor, shipment: Shipment) -> None:
    shipment_transition(shipment=shipment, to=SS.SENT, actor=actor, fields={"sent_on": timezone.localdate()})


def document_dispatch(
    *, actor, document: OutgoingDocument, channels: dict | None = None, edoreczenia=None, epuap=None
) -> list[Shipment]:
    """Dispatch a signed document to all its recipients (see the module docstring). Returns the shipments."""
    require_perm(actor, "documents.dispatch_mail")
    forced = _check_channels(document, channels or {})
    shipments = _register_shipments(actor=actor, document=document, channels=forced)
    for shipment in shipments:
        if shipment.status != SS.PENDING or shipment.electronic_dispatch_id:
            continue
        if shipment.channel == SC.IN_PERSON:
            _hand_in_person(actor=actor, shipment=shipment)
        elif shipment.channel in FORCED_CHANNELS:
            continue  # waits for the dispatch book
        else:
            _send_electronic(actor=actor, shipment=shipment, edoreczenia=edoreczenia, epuap=epuap)
    _document_mark_dispatched(document, actor)
    return list(Shipment.objects.filter(document=document).order_by("year", "number"))


def shipment_to_paper(*, actor, shipment: Shipment) -> Shipment:
    """A failed electronic shipment goes by registered post instead (waits for the postal book)."""
    require_perm(actor, "documents.dispatch_mail")
    from epuap.dispatch import dispatch_to_paper
    from epuap.models import Dispatch

    with transaction.atomic():
        if shipment.electronic_dispatch_id:
            dispatch = Dispatch.objects.get(pk=shipment.electronic_dispatch_id)
            if dispatch.status == Dispatch.Status.FAILED:
                dispatch_to_paper(dispatch=dispatch, actor=actor, reason="sent on paper by the dispatch desk")
        return shipment_transition(
            shipment=shipment,
            to=SS.PENDING,
            actor=actor,
            fields={"channel": SC.POST_REGISTERED, "channel_reason": _("electronic delivery failed: sent by post")},
        )


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))
