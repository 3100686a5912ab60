"""Registering incoming mail in the RPW (rejestr przesyłek wpływających): paper, in person, ePUAP, e-mail.

Every letter in is registered once, numbered per year (``RPW/<n>/<year>``, the year of receipt in local time).
Files are kept byte-exact (StoredFile); previews are derived copies. After registration the standing dekretacja
rules are applied (``assignment.assign_by_rules``).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.domain.identifiers import IdentifierError, validate_nip, validate_pesel, validate_regon
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from documents.models import Channel, IncomingEntry, SignatureVerdict, StoredFile
from documents.services import files as file_service
from documents.services.indexing import entry_reindex
from documents.services.numbering import next_number, rpw_key

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = None  # audit events of background registration carry no user (actor label "system")
PAPER_CHANNELS = (Channel.PAPER, Channel.IN_PERSON)
REGISTERABLE_INBOUND = ("accepted", "released")
RECEIPT_FORMS = ("UPD",)


# --- senders ----------------------------------------------------------------------------------------------


def _valid(validator, value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        result = validator(value)
    except IdentifierError:
        return ""
    return getattr(result, "number", result) or ""


def sender_match_or_create(
    *,
    pesel: str = "",
    nip: str = "",
    regon: str = "",
    epuap_box: str = "",
    email: str = "",
    first_names: str = "",
    surname: str = "",
    name: str = "",
    address=None,
    actor=None,
) -> tuple[Party, bool]:
    """The party sending a letter: matched by PESEL, then NIP, then REGON, then ePUAP box (then e-mail address);
    else a new party with status *pending review* (a clerk completes and confirms it in the party register).

    Invalid identifiers are not used for matching and not stored (the letter keeps the sender as stated).
    ``core.services.parties.party_create`` is not used for the new party: it requires what a letter rarely gives
    (a person's date of birth when there is no PESEL); the party is created as pending review for that reason.
    """
    pesel, nip, regon = _valid(validate_pesel, pesel), _valid(validate_nip, nip), _valid(validate_regon, regon)
    epuap_box, email = (epuap_box or "").strip(), (email or "").strip()
    for lookup in (
        {"pesel": pesel},
        {"nip": nip},
        {"regon": regon},
        {"epuap_box": epuap_box},
        {"ade_address": epuap_box} if epuap_box.startswith("AE:") else {},
        {"email__iexact": email},
    ):
        value = next(iter(lookup.values()), "")
        if not value:
            continue
        party = Party.objects.filter(**lookup).order_by("pk").first()
        if party is not None:
            return party, False
    first_names, surname, name = (first_names or "").strip(), (surname or "").strip(), (name or "").strip()
    is_person = bool(pesel or surname) and not (name and not surname)
    if not is_person and not name:
        name = email or epuap_box or _("Unknown sender")
    party = Party(
        kind=Party.Kind.PERSON if is_person else Party.Kind.ORGANISATION,
        status=Party.Status.PENDING_REVIEW,
        pesel=(pesel or None) if is_person else None,
        first_names=first_names[:150] if is_person else "",
        surname=surname[:150] if is_person else "",
        name="" if is_person else name[:300],
        nip=nip or None,
        regon=regon,
        epuap_box="" if epuap_box.startswith("AE:") else epuap_box[:200],
        ade_address=epuap_box[:64] if epuap_box.startswith("AE:") else "",
        email=email[:254],
    )
    if is_person and party.pesel:
        party.birth_date = validate_pesel(party.pesel).birth_date
    with transaction.atomic():
        if address is not None:
            from core.services.parties import address_create

            party.registered_address = address_create(data=address)
        party._history_user = actor if getattr(actor, "is_authenticated", False) else None
        party.save()
        audit_log(
            actor=actor,
            action="party.created",
            obj=party,
            details={"kind": party.kind, "status": party.status, "source": "documents.intake"},
        )
    return party, True


# --- registering ------------------------------------------------------------------------------------------


def _check(*, title: str, received_at: datetime.datetime, channel: str, letter_date=None) -> None:
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors["title"] = [_("Title is required.")]
    if received_at is None:
        errors["received_at"] = [_("Date of receipt is required.")]
    elif received_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["received_at"] = [_("The date of receipt cannot be in the future.")]
    if letter_date and received_at and letter_date > timezone.localtime(received_at).date():
        errors["letter_date"] = [_("The date on the letter cannot be later than the date of receipt.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)


def _screen_uploads(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes, str]]:
    screened, errors = [], []
    for file_name, content in files:
        result = file_service.screen_file(file_name, bytes(content))
        if result.problems:
            errors += [p["message"] for p in result.problems]
        screened.append((file_name, bytes(content), result.mime_type))
    if errors:
        raise ServiceValidationError(_("The files were not accepted."), errors={"files": errors})
    return screened


def _create_entry(*, actor, channel, received_at, sender, title, **fields) -> IncomingEntry:
    year = timezone.localtime(received_at).year
    entry = IncomingEntry.objects.create(
        year=year,
        number=next_number(rpw_key(year)),
        received_at=received_at,
        channel=channel,
        sender=sender,
        title=title.strip()[:500],
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    return entry


def _after_registration(entry: IncomingEntry) -> IncomingEntry:
    from documents.services.assignment import assign_by_rules

    assign_by_rules(entry=entry)
    entry_reindex(entry)
    return entry


def entry_register(
    *,
    actor,
    channel: str,
    received_at: datetime.datetime,
    sender: Party,
    title: str,
    letter_date: datetime.date | None = None,
    letter_reference: str = "",
    form_code: str = "",
    remarks: str = "",
    files: Iterable[tuple[str, bytes]] = (),
    sender_as_stated: str = "",
) -> IncomingEntry:
    """Register a paper / in-person letter (or any letter typed in at the registry desk) with its scans."""
    _check(title=title, received_at=received_at, channel=channel, letter_date=letter_date)
    if channel in (Channel.EPUAP, Channel.EDORECZENIA):
        raise ApplicationError(
            _("Electronic documents are registered automatically from the ePUAP adapter."), code="channel_automatic"
        )
    screened = _screen_uploads(files)
    role = StoredFile.Role.SCAN if channel in PAPER_CHANNELS else StoredFile.Role.ATTACHMENT
    with transaction.atomic():
        entry = _create_entry(
            actor=actor,
            channel=channel,
            received_at=received_at,
            sender=sender,
            title=title,
            letter_date=letter_date,
            letter_reference=(letter_reference or "").strip()[:200],
            form_code=(form_code or "").strip()[:100],
            remarks=remarks or "",
            sender_as_stated=(sender_as_stated or sender.display_name)[:500],
        )
        stored = [
            file_service.file_store(entry=entry, role=role, file_name=n, content=c, mime_type=m) for n, c, m in screened
        ]
        audit_log(
            actor=actor,
            action="documents.entry.registered",
            obj=entry,
            details={
                "rpw": entry.rpw_number,
                "channel": entry.channel,
                "sender_id": sender.pk,
                "files": [{"id": f.pk, "name": f.file_name, "sha256": f.sha256, "size": f.size} for f in stored],
            },
        )
    return _after_registration(entry)


def _inbound_channel(inbound) -> str:
    return Channel.EDORECZENIA if inbound.channel == inbound.Channel.EDORECZENIA else Channel.EPUAP


_ORGANISATION_WORDS = ("sp.", "s.a.", "spółka", "urząd", "gmina", "kolegium", "fundacja", "stowarzyszenie", "sąd")


def _looks_like_organisation(name: str) -> bool:
    folded = (name or "").lower()
    return any(word in folded for word in _ORGANISATION_WORDS)


def _inbound_eligible(inbound) -> bool:
    return inbound.status in REGISTERABLE_INBOUND and (inbound.form_code or "").upper() not in RECEIPT_FORMS


def entry_register_inbound(*, inbound) -> IncomingEntry:
    """Register an ePUAP (or e-Doręczenia) inbound document in the RPW; a second call returns the same entry.

    Refused for documents in quarantine or rejected, and for UPD receipts (they belong to dispatches).
    """
    from epuap import crd
    from epuap.models import InboundDocument
    from epuap.selectors import inbound_render

    existing = IncomingEntry.objects.filter(inbound_document_id=inbound.pk).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        locked = InboundDocument.objects.select_for_update().get(pk=inbound.pk)
        existing = IncomingEntry.objects.filter(inbound_document_id=locked.pk).first()
        if existing is not None:
            return existing
        if not _inbound_eligible(locked):
            raise ApplicationError(
                _("This ePUAP document cannot be registered (status %(status)s, form %(form)s).")
                % {"status": locked.get_status_display(), "form": locked.form_code or "—"},
                code="inbound_not_registrable",
            )
        is_person = locked.sender_person_type.lower() in ("osoba", "person", "f", "fizyczna") or bool(
            locked.sender_pesel
        )
        electronic_delivery = locked.channel == InboundDocument.Channel.EDORECZENIA
        if electronic_delivery:  # e-Doręczenia names the sender by ADE and a name only (matched by the ADE)
            is_person = not _looks_like_organisation(locked.sender_name)
            first, _sp, last = (locked.sender_name or "").rpartition(" ")
            if is_person and first:
                locked.sender_first_name, locked.sender_name = first, last
        sender, _created = sender_match_or_create(
            pesel=locked.sender_pesel,
            nip=locked.sender_nip,
            regon=locked.sender_regon,
            epuap_box=locked.reply_address,
            first_names=locked.sender_first_name if is_person else "",
            surname=locked.sender_name if is_person else "",
            name="" if is_person else locked.sender_name,
        )
        received_at = locked.submitted_at or locked.received_at
        stated = " ".join(p for p in (locked.sender_first_name, locked.sender_name) if p) or locked.sender_identifier
        entry = _create_entry(
            actor=SYSTEM_ACTOR,
            channel=_inbound_channel(locked),
            received_at=received_at,
            sender=sender,
            title=locked.title or locked.file_name or _("ePUAP document"),
            form_code=locked.form_code,
            inbound_document=locked,
            external_id=(locked.platform_document_id or "")[:300],
            sender_as_stated=stated[:500],
            remarks=(_("UPP: %(ref)s") % {"ref": locked.upp_reference})
            if locked.upp_reference and not electronic_delivery
            else "",
        )
        content = bytes(locked.content)
        rendered = inbound_render(locked)
        original = file_service.file_store(
            entry=entry,
            role=StoredFile.Role.ORIGINAL,
            file_name=locked.file_name or f"dokument-{locked.pk}.xml",
            content=content,
            mime_type=locked.mime_type or "application/xml",
            signature_verdict=locked.signature_verdict
            if locked.signature_verdict in SignatureVerdict.values
            else SignatureVerdict.NOT_CHECKED,
            signer=locked.signer_subject,
            signature_detail=locked.signature_reason,
            extracted_text="\n".join([rendered.title, *rendered.paragraphs]) if rendered.ok else "",
        )
        attachments = []
        if rendered.ok:
            try:
                parsed = crd.parse_document(content)
            except Exception:  # rendered.ok says it parses; keep registration robust anyway
                parsed = None
            for index, attachment in enumerate(parsed.attachments if parsed else [], start=1):
                if attachment.content is None:
                    continue
                attachments.append(
                    file_service.file_store(
                        entry=entry,
                        role=StoredFile.Role.ATTACHMENT,
                        file_name=attachment.file_name or f"zalacznik-{index}",
                        content=attachment.content,
                        derived_from=original,
                    )
                )
        for extra in locked.attachments.all():  # e-Doręczenia: the message's further files, byte-exact
            attachments.append(
                file_service.file_store(
                    entry=entry,
                    role=StoredFile.Role.ATTACHMENT,
                    file_name=extra.file_name,
                    content=bytes(extra.content),
                    mime_type=extra.mime_type,
                )
            )
        if locked.receipt_evidence:  # the platform's signed proof of receipt (JWS), as received
            attachments.append(
                file_service.file_store(
                    entry=entry,
                    role=StoredFile.Role.EVIDENCE,
                    file_name=f"dowod-otrzymania-{locked.upp_reference or locked.pk}.jws",
                    content=locked.receipt_evidence.encode("ascii"),
                    mime_type="application/jose",
                )
            )
        preview = file_service.file_store(
            entry=entry,
            role=StoredFile.Role.PREVIEW,
            file_name=f"podglad-{locked.pk}.html",
            content=file_service.preview_html(title=entry.title, rendered=rendered),
            mime_type="text/html",
            derived_from=original,
        )
        audit_log(
            actor=SYSTEM_ACTOR,
            action="documents.entry.registered",
            obj=entry,
            details={
                "rpw": entry.rpw_number,
                "channel": entry.channel,
                "sender_id": sender.pk,
                "inbound_document": locked.pk,
                "upp": locked.upp_reference,
                "files": [
                    {"id": f.pk, "name": f.file_name, "sha256": f.sha256, "role": f.role}
                    for f in (original, *attachments, preview)
                ],
            },
        )
    return _after_registration(entry)


def inbound_to_register():
    """Inbound documents eligible for the RPW and not registered yet (ids only)."""
    from epuap.models import InboundDocument

    return (
        InboundDocument.objects.filter(status__in=REGISTERABLE_INBOUND, incoming_entry__isnull=True)
        .exclude(form_code__in=RECEIPT_FORMS)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)
    )


def register_pending_inbound() -> int:
    """Register every eligible unregistered inbound document; returns how many entries were created."""
    from epuap.models import InboundDocument

    count = 0
    for pk in list(inbound_to_register()):
        inbound = InboundDocument.objects.filter(pk=pk).first()
        if inbound is None:
            continue
        try:
            before = IncomingEntry.objects.filter(inbound_document_id=pk).exists()
            entry_register_inbound(inbound=inbound)
            count += 0 if before else 1
        except ApplicationError as exc:
            logger.warning("documents.intake.inbound_skipped", extra={"inbound": pk, "code": exc.code})
    return count
