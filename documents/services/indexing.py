"""The folded ``search_text`` of cases and incoming entries (lower case, no Polish accents: ``core.domain.text.fold``).

Every service that changes what a case or an entry is found by (title, mark, parties, sender, reference) calls
``case_reindex`` / ``entry_reindex`` in its transaction. Full-text search (documents.services.search) runs over
this column: ``to_tsvector('simple', search_text)`` with a GIN index on PostgreSQL, substring match on SQLite.
"""

from __future__ import annotations

from core.domain.text import fold
from documents.models import Case, IncomingEntry


def _party_label(party) -> str:
    return " ".join(
        filter(None, [party.first_names, party.surname, party.name, party.pesel or "", party.nip or "", party.regon])
    )


def case_search_text(case: Case) -> str:
    parts = [case.mark, *case.previous_marks, case.title, case.description]
    if case.pk:
        parts += [_party_label(p) for p in case.parties.all()]
        parts += list(case.entries.values_list("title", flat=True)[:50])
    return fold(" ".join(p for p in parts if p))


def entry_search_text(entry: IncomingEntry) -> str:
    parts = [
        entry.rpw_number,
        entry.title,
        entry.sender_as_stated,
        _party_label(entry.sender) if entry.sender_id else "",
        entry.letter_reference,
        entry.form_code,
    ]
    if entry.pk:
        parts += [t[:2000] for t in entry.files.exclude(extracted_text="").values_list("extracted_text", flat=True)]
    return fold(" ".join(p for p in parts if p))


def case_reindex(case: Case) -> None:
    text = case_search_text(case)
    if text != case.search_text:
        Case.objects.filter(pk=case.pk).update(search_text=text)
        case.search_text = text


def entry_reindex(entry: IncomingEntry) -> None:
    text = entry_search_text(entry)
    if text != entry.search_text:
        IncomingEntry.objects.filter(pk=entry.pk).update(search_text=text)
        entry.search_text = text
