"""Paczka archiwalna: category A cases exported as a ZIP for the state archive (issue point 11).

Layout (one folder per case, named by its mark with ``/`` and unsafe characters replaced)::

    manifest-sha256.txt                 "<sha256>  <path>" for every other file of the package
    <MARK>/metadata.xml                 case mark, title, class, category, dates, parties, documents (sha256,
                                        signatures), the metryka rows (from the audit log)
    <MARK>/incoming/<RPW-n-year>/<nn>-<file name>     every stored file of the case's entries, byte-exact
                                                      (derived previews are not archived)
    <MARK>/outgoing/<id>/v<n>.pdf, v<n>.xml, signed.xml   every version of every outgoing document
    <MARK>/receipts/<id>/<nn>-<file name>                 the receipts (ZPO scans, UPD, evidences)

XML is built with lxml (no entities, nothing parsed). Only cases of category A, only for
``documents.manage_archive``; each exported case gets an audit event (metryka).
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from core.exceptions import ServiceValidationError
from core.services.audit import audit_log
from documents.models import Case, Receipt, StoredFile
from documents.services.archive import _require

MAX_CASES = 200
NAMESPACE = "urn:magistrat:documents:archival-package:1"
_EXTRA = str.maketrans({"ł": "l", "Ł": "L"})
_UNSAFE = re.compile(r"[^0-9A-Za-z._-]+")


def safe_name(name: str, fallback: str = "file") -> str:
    """A file name that cannot leave its folder (no separators, no '..', ASCII)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].translate(_EXTRA)
    base = "".join(ch for ch in unicodedata.normalize("NFKD", base) if not unicodedata.combining(ch))
    cleaned = _UNSAFE.sub("_", base).strip("._") or fallback
    return cleaned[:120]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sub(parent, tag: str, text=None, **attrs):
    element = etree.SubElement(
        parent, f"{{{NAMESPACE}}}{tag}", {k: str(v) for k, v in attrs.items() if v not in (None, "")}
    )
    if text not in (None, ""):
        element.text = str(text)
    return element


def _date(value) -> str:
    return value.isoformat() if value else ""


def metryka_events(case: Case):
    """The audit events of a case, as in the metryka sprawy (``case_reports.case_events``: about the case, its
    letters, or carrying ``details.case_id``)."""
    from documents.services.case_reports import case_events

    return case_events(case)[0]


def _case_files(case: Case, folder: str):
    """(path, bytes, description dict) of every file of the case."""
    for entry in case.entries.order_by("year", "number"):
        for n, stored in enumerate(entry.files.filter(derived_from__isnull=True).order_by("id"), start=1):
            path = f"{folder}/incoming/RPW-{entry.number}-{entry.year}/{n:02d}-{safe_name(stored.file_name)}"
            yield (
                path,
                bytes(stored.content),
                {
                    "kind": "incoming",
                    "reference": entry.rpw_number,
                    "title": entry.title,
                    "role": stored.role,
                    "signature": stored.signature_verdict,
                    "signer": stored.signer,
                },
            )
    for document in case.outgoing_documents.order_by("id"):
        base = f"{folder}/outgoing/{document.pk}"
        for version in document.versions.order_by("number"):
            info = {"kind": "outgoing", "reference": str(document.pk), "title": document.title}
            if version.pdf:
                yield f"{base}/v{version.number}.pdf", bytes(version.pdf), {**info, "role": "version-pdf"}
            if version.xml:
                yield f"{base}/v{version.number}.xml", bytes(version.xml), {**info, "role": "version-xml"}
        if document.signed_xml:
            yield (
                f"{base}/signed.xml",
                bytes(document.signed_xml),
                {
                    "kind": "outgoing",
                    "reference": str(document.pk),
                    "title": document.title,
                    "role": "signed",
                    "signature": document.signature_kind,
                    "signer": str(document.signed_by or ""),
                },
            )
    receipts = Receipt.objects.filter(shipment__document__case=case).order_by("id")
    for receipt in receipts:
        for n, stored in enumerate(StoredFile.objects.filter(receipt=receipt).order_by("id"), start=1):
            yield (
                f"{folder}/receipts/{receipt.pk}/{n:02d}-{safe_name(stored.file_name)}",
                bytes(stored.content),
                {
                    "kind": "receipt",
                    "reference": receipt.reference,
                    "title": receipt.get_kind_display(),
                    "role": stored.role,
                    "delivered_on": _date(receipt.delivered_on),
                },
            )


def case_metadata(case: Case, files: list[tuple[str, bytes, dict]]) -> bytes:
    root = etree.Element(f"{{{NAMESPACE}}}case", nsmap={None: NAMESPACE})
    _sub(root, "mark", case.mark)
    for mark in case.previous_marks:
        _sub(root, "previousMark", mark)
    _sub(root, "title", case.title)
    _sub(root, "unit", case.unit.name, symbol=case.unit.symbol)
    _sub(root, "jrwaClass", case.jrwa.title, symbol=case.jrwa.symbol)
    _sub(root, "archivalCategory", case.jrwa.archival_category)
    dates = _sub(root, "dates")
    _sub(dates, "opened", _date(case.opened_on))
    _sub(dates, "closed", _date(case.closed_on))
    _sub(dates, "archived", _date(case.archived_on))
    _sub(root, "closingManner", case.closing_manner)
    parties = _sub(root, "parties")
    for party in case.parties.order_by("id"):
        _sub(parties, "party", party.display_name, kind=party.kind, pesel=party.pesel or "", nip=party.nip or "")
    documents = _sub(root, "documents")
    folder_len = len(files[0][0].split("/", 1)[0]) + 1 if files else 0
    for path, data, info in files:
        doc = _sub(documents, "document", kind=info.get("kind"), role=info.get("role"))
        _sub(doc, "file", path[folder_len:])
        _sub(doc, "sha256", _sha(data))
        _sub(doc, "size", len(data))
        _sub(doc, "reference", info.get("reference"))
        _sub(doc, "title", info.get("title"))
        if info.get("signature"):
            _sub(doc, "signature", info.get("signature"), signer=info.get("signer", ""))
        if info.get("delivered_on"):
            _sub(doc, "deliveredOn", info["delivered_on"])
    metryka = _sub(root, "metryka")
    for lp, event in enumerate(metryka_events(case), start=1):
        _sub(
            metryka,
            "row",
            lp=lp,
            who=event.actor_label,
            when=event.occurred_at.isoformat(),
            action=event.action,
            document=(event.details or {}).get("document", ""),
        )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def archival_package(*, user, case_ids) -> bytes:
    """The ZIP of the given category A cases; refuses other categories, unknown ids, too many cases."""
    _require(user)
    ids = sorted({int(i) for i in case_ids})
    if not ids or len(ids) > MAX_CASES:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"case": [_("Give from 1 to %(max)s cases.") % {"max": MAX_CASES}]}
        )
    cases = list(Case.objects.filter(pk__in=ids).select_related("unit", "jrwa").order_by("unit__symbol", "mark"))
    missing = sorted(set(ids) - {c.pk for c in cases})
    not_a = [c.mark for c in cases if c.jrwa.archival_category != "A"]
    if missing or not_a:
        errors = []
        if missing:
            errors.append(_("Unknown cases: %(ids)s.") % {"ids": missing})
        if not_a:
            errors.append(_("Only category A cases go to the state archive: %(marks)s.") % {"marks": ", ".join(not_a)})
        raise ServiceValidationError(_("The data contain errors."), errors={"case": errors})
    buffer = io.BytesIO()
    manifest: list[str] = []
    with transaction.atomic(), zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for case in cases:
            folder = safe_name(case.mark, f"case-{case.pk}")
            files = list(_case_files(case, folder))
            files.append((f"{folder}/metadata.xml", case_metadata(case, files), {}))
            for path, data, _info in files:
                archive.writestr(path, data)
                manifest.append(f"{_sha(data)}  {path}")
            audit_log(
                actor=user,
                action="documents.case.package_exported",
                obj=case,
                details={"case_id": case.pk, "files": len(files), "at": timezone.now().isoformat()},
            )
        archive.writestr("manifest-sha256.txt", "\n".join(manifest) + "\n")
    return buffer.getvalue()
