"""The resident's earlier submissions: the documents the resident's ePUAP account sent (read through the simulated
platform's ``resident_sent_documents``, newest first) with their UPPs. Read only — listing never opens an account.
A document id from a URL is looked up among the resident's own documents only (None otherwise: the view's 404)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _

from epuap.platform import services as platform
from portal.eforms import sending
from portal.eforms.documents import KIND_OF_FILE_NAME

FORM_LABELS = {
    "in1": _("Information on real estate (IN-1)"),
    "do1": _("Waste fee declaration (DO-1)"),
    "certificate": _("Request for a certificate of no arrears"),
    "letter": _("General letter"),
}
LIST_LIMIT = 100


@dataclass
class Submission:
    document_id: str
    kind: str
    label: str
    file_name: str
    sent_at: datetime.datetime
    upp_identifier: str
    upp_created_at: datetime.datetime | None


@dataclass
class SubmissionDetail(Submission):
    upp_content: bytes = b""
    upp: dict | None = None
    content: bytes = b""

    @property
    def size(self) -> int:
        return len(self.content)


def _account_identifiers(party) -> list[str]:
    """The identifiers of the resident's ePUAP accounts (the test account with the PESEL, the profil zaufany one)."""
    if not party.pesel:
        return []
    identifiers = [sending.pz_identifier(party.pesel)]
    test = sending._test_account(party.pesel)
    if test is not None:
        identifiers.insert(0, test.identifier)
    return identifiers


def _row(document, cls=Submission, **extra):
    upp = getattr(document, "upp", None) if _has_upp(document) else None
    kind = KIND_OF_FILE_NAME.get(document.file_name, "")
    return cls(
        document_id=document.document_id, kind=kind, label=str(FORM_LABELS.get(kind, document.file_name)),
        file_name=document.file_name, sent_at=document.sent_at, upp_identifier=upp.identifier if upp else "",
        upp_created_at=upp.created_at if upp else None, **extra,
    )  # fmt: skip


def _has_upp(document) -> bool:
    try:
        return document.upp is not None
    except Exception:  # RelatedObjectDoesNotExist: a box without UPP mode
        return False


def submissions_for(party) -> list[Submission]:
    """The resident's submissions, newest first (at most :data:`LIST_LIMIT`)."""
    rows = []
    for identifier in _account_identifiers(party):
        queryset = platform.resident_sent_documents(SimpleNamespace(identifier=identifier)).defer("content")
        rows += [_row(document) for document in queryset[:LIST_LIMIT]]
    rows.sort(key=lambda row: row.sent_at, reverse=True)
    return rows[:LIST_LIMIT]


def submission_for(party, document_id: str) -> SubmissionDetail | None:
    """One of the resident's own submissions with its UPP; None for another resident's or an unknown id."""
    for identifier in _account_identifiers(party):
        document = (
            platform.resident_sent_documents(SimpleNamespace(identifier=identifier))
            .filter(document_id=document_id)
            .first()
        )
        if document is not None:
            upp = document.upp if _has_upp(document) else None
            upp_content = bytes(upp.content) if upp else b""
            return _row(
                document, SubmissionDetail, upp_content=upp_content,
                upp=sending.upp_summary(upp_content) if upp_content else {}, content=bytes(document.content),
            )  # fmt: skip
    return None
