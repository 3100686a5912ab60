"""Read-only selectors for the residents' portal: the resident's cases, the letters sent to them, and the PDF of an
entry they sent (:func:`sent_entry_pdf`, e.g. a declaration shown in "my taxes").

Every function takes the resident's party (never an id from a request alone) and returns plain dataclasses; a case
or a letter that is not the party's is answered exactly like one that does not exist (``None``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from documents.models import Case, DocumentVersion, IncomingEntry, OutgoingDocument, Shipment, StoredFile
from documents.services.outgoing import PDF_MAGIC

SS = Shipment.Status
SC = Shipment.Channel
ELECTRONIC = frozenset({SC.EPUAP, SC.EDORECZENIA})
# Shipments that left the office (the resident can see them); pending / failed ones are still the office's business.
VISIBLE = (SS.SENT, SS.DELIVERED, SS.DEEMED_DELIVERED, SS.RETURNED)
OPENABLE = frozenset({SS.SENT, SS.DELIVERED, SS.DEEMED_DELIVERED})


@dataclass(frozen=True)
class CaseRow:
    id: int
    mark: str
    title: str
    status: str
    status_label: str
    unit_symbol: str
    unit_name: str
    opened_on: datetime.date
    due_date: datetime.date | None
    closed_on: datetime.date | None


@dataclass(frozen=True)
class LetterRow:
    id: int  # the shipment (one recipient of one outgoing document)
    case_id: int
    case_mark: str
    title: str
    kind_label: str
    sent_on: datetime.date | None
    channel: str
    channel_label: str
    status: str
    status_label: str
    delivered_on: datetime.date | None

    @property
    def electronic(self) -> bool:
        return self.channel in ELECTRONIC

    @property
    def can_open(self) -> bool:
        """Delivered electronically, or waiting in the resident's electronic box: the portal may show it."""
        return self.electronic and self.status in OPENABLE

    @property
    def awaiting_collection(self) -> bool:
        return self.electronic and self.status == SS.SENT


@dataclass(frozen=True)
class LetterFile:
    file_name: str
    mime_type: str
    content: bytes


def _case_row(case: Case) -> CaseRow:
    return CaseRow(
        id=case.pk,
        mark=case.mark,
        title=case.title,
        status=case.status,
        status_label=str(case.get_status_display()),
        unit_symbol=case.unit.symbol,
        unit_name=case.unit.name,
        opened_on=case.opened_on,
        due_date=case.due_date,
        closed_on=case.closed_on,
    )


def _letter_row(shipment: Shipment) -> LetterRow:
    document = shipment.document
    return LetterRow(
        id=shipment.pk,
        case_id=document.case_id,
        case_mark=document.case.mark,
        title=document.title,
        kind_label=str(document.get_kind_display()),
        sent_on=shipment.sent_on,
        channel=shipment.channel,
        channel_label=str(shipment.get_channel_display()) if shipment.channel else "",
        status=shipment.status,
        status_label=str(shipment.get_status_display()),
        delivered_on=shipment.delivered_on,
    )


def _cases(party):
    return Case.objects.filter(parties=party).select_related("unit")


def party_cases(party) -> list[CaseRow]:
    """The cases in which ``party`` is a party, newest first."""
    return [_case_row(c) for c in _cases(party).order_by("-opened_on", "-id")]


def party_case(party, case_id: int) -> CaseRow | None:
    """One case of ``party``; None if it does not exist or the party is not a party to it."""
    case = _cases(party).filter(pk=case_id).first()
    return _case_row(case) if case else None


def _letters(party):
    return (
        Shipment.objects.filter(party=party, status__in=VISIBLE)
        .select_related("document__case")
        .order_by("-sent_on", "-id")
    )


def party_letters(party, *, case_id: int | None = None) -> list[LetterRow]:
    """Letters the office sent to ``party`` (optionally in one case), newest first."""
    qs = _letters(party)
    if case_id is not None:
        qs = qs.filter(document__case_id=case_id)
    return [_letter_row(s) for s in qs]


def party_letter(party, letter_id: int) -> LetterRow | None:
    """One letter addressed to ``party``; None if it does not exist or is addressed to someone else."""
    shipment = _letters(party).filter(pk=letter_id).first()
    return _letter_row(shipment) if shipment else None


def party_letter_file(party, letter_id: int) -> LetterFile | None:
    """The content of a letter addressed to ``party`` that the portal may show: the PDF of the document's last
    version, or (a document signed as XML only) the signed XML. None otherwise."""
    row = party_letter(party, letter_id)
    if row is None or not row.can_open:
        return None
    shipment = Shipment.objects.select_related("document").get(pk=row.id)
    document: OutgoingDocument = shipment.document
    version = DocumentVersion.objects.filter(document=document).order_by("-number").first()
    base = f"pismo-{shipment.number}-{shipment.year}"
    if version is not None and version.pdf:
        return LetterFile(f"{base}.pdf", "application/pdf", bytes(version.pdf))
    if document.signed_xml:
        return LetterFile(f"{base}.xml", "text/xml", bytes(document.signed_xml))
    return None


def letters_sent_to(party_ids, *, since: datetime.date) -> list[tuple[int, LetterRow]]:
    """(party id, letter) for the letters sent to any of ``party_ids`` on or after ``since`` (for notifications)."""
    qs = (
        Shipment.objects.filter(party_id__in=list(party_ids), status__in=VISIBLE, sent_on__gte=since)
        .select_related("document__case")
        .order_by("id")
    )
    return [(s.party_id, _letter_row(s)) for s in qs]


def case_statuses(party) -> list[CaseRow]:
    """Every case of ``party`` with its current status (for the case-status notifications), by id."""
    return [_case_row(c) for c in _cases(party).order_by("id")]


#: the files of an RPW entry that are the document itself, best first (an e-form's PDF attachments are its annexes)
ENTRY_PDF_ROLES = (StoredFile.Role.ORIGINAL, StoredFile.Role.SCAN, StoredFile.Role.PREVIEW)


def sent_entry_pdf(*, party_id: int, entry: IncomingEntry | None) -> bytes | None:
    """The PDF of an incoming entry as received, for the party that sent it (e.g. a declaration in the portal), or
    None: only an entry ``party_id`` sent themselves (a record made for them from another sender's entry — a
    mistyped PESEL, a proxy — never exposes that entry's files); its original when it has one (served only when it
    is a PDF), else its scan or PDF preview. Attachments (powers of attorney, deeds, others' documents) are never
    served as the document; files above ``DOCUMENTS_MAX_FILE_BYTES`` neither. Two queries at most."""
    if entry is None or entry.sender_id != party_id:
        return None
    files = list(
        StoredFile.objects.filter(entry_id=entry.pk, role__in=ENTRY_PDF_ROLES)
        .order_by("id")
        .values_list("pk", "role", "mime_type", "size")
    )
    if any(role == StoredFile.Role.ORIGINAL for _pk, role, _mime, _size in files):
        files = [f for f in files if f[1] == StoredFile.Role.ORIGINAL]
    limit = settings.DOCUMENTS_MAX_FILE_BYTES
    candidates = sorted(
        (ENTRY_PDF_ROLES.index(role), pk)
        for pk, role, mime, size in files
        if mime == "application/pdf" and size <= limit
    )
    for _rank, pk in candidates:
        content = bytes(StoredFile.objects.filter(pk=pk).values_list("content", flat=True).get())
        if content.startswith(PDF_MAGIC):
            return content
    return None
