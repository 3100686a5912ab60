"""Files of the incoming register: screening uploads by content, storing them byte-exact, derived previews.

A file's type is decided by its content (magic bytes, the inside of ZIP containers), never by its name alone:
an executable renamed ``.pdf`` is still an executable. Screening returns problems as ``{"code", "message"}``
(the message in Polish through gettext); the caller refuses an upload or quarantines an e-mail with them.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from documents.models import IncomingEntry, SignatureVerdict, StoredFile

DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
DEFAULT_ALLOWED_TYPES = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/gif",
    "application/xml",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
    "message/rfc822",
)
MACRO_EXTENSIONS = (".docm", ".xlsm", ".pptm", ".dotm", ".xltm", ".potm", ".ppsm", ".xlam", ".ppam")
SCRIPT_EXTENSIONS = (".js", ".jse", ".vbs", ".vbe", ".bat", ".cmd", ".ps1", ".sh", ".hta", ".wsf", ".scr", ".lnk")
EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xce",
    b"\xca\xfe\xba\xbe",
)
UNINSPECTABLE_MAGIC = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"MSCF")
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_DEPTH = 2


def max_file_bytes() -> int:
    return int(getattr(settings, "DOCUMENTS_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def allowed_types() -> tuple[str, ...]:
    return tuple(getattr(settings, "DOCUMENTS_ALLOWED_TYPES", None) or DEFAULT_ALLOWED_TYPES)


@dataclass
class Screening:
    file_name: str
    mime_type: str
    size: int
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def _zip_type(data: bytes, file_name: str, depth: int) -> tuple[str, list[dict]]:
    """The type of a ZIP container (OOXML, ODF or a plain archive) and the problems found inside it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "application/zip", [
            _problem("archive_unreadable", _("The archive %(name)s cannot be read.") % {"name": file_name})
        ]
    if len(infos) > MAX_ZIP_MEMBERS:
        return "application/zip", [
            _problem("archive_too_large", _("The archive %(name)s has too many files.") % {"name": file_name})
        ]
    names = [i.filename for i in infos]
    if any(i.flag_bits & 0x1 for i in infos):
        return "application/zip", [
            _problem(
                "archive_encrypted",
                _("The archive %(name)s is encrypted and cannot be inspected.") % {"name": file_name},
            )
        ]
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "application/vnd.ms-office.macroenabled", [
            _problem("macro", _("The document %(name)s contains macros.") % {"name": file_name})
        ]
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []
        if any(n.startswith("xl/") for n in names):
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []
        return "application/vnd.openxmlformats-officedocument", []
    if "mimetype" in names:
        try:
            declared = archive.read("mimetype")[:100].decode("ascii").strip()
        except (UnicodeDecodeError, KeyError, zipfile.BadZipFile, OSError):
            declared = ""
        if declared.startswith("application/vnd.oasis.opendocument."):
            if any(n.lower().startswith("basic/") and n.lower().endswith(".xml") for n in names):
                return declared, [_problem("macro", _("The document %(name)s contains macros.") % {"name": file_name})]
            return declared, []
    if depth >= MAX_ZIP_DEPTH:
        return "application/zip", [
            _problem("archive_nested", _("The archive %(name)s is nested too deep to inspect.") % {"name": file_name})
        ]
    problems = []
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        total += info.file_size
        if total > max_file_bytes():
            return "application/zip", [
                _problem("archive_too_large", _("The archive %(name)s unpacks to too much data.") % {"name": file_name})
            ]
        try:
            member = archive.read(info)
        except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError):
            return "application/zip", [
                _problem("archive_unreadable", _("The archive %(name)s cannot be read.") % {"name": file_name})
            ]
        inner = screen_file(f"{file_name}/{info.filename}", member, _depth=depth + 1, _check_size=False)
        problems.extend(inner.problems)
    return "application/zip", problems


def sniff(data: bytes, file_name: str = "", *, _depth: int = 0) -> tuple[str, list[dict]]:
    """(MIME type by content, problems). Executables, scripts, macros and uninspectable archives are problems."""
    name = (file_name or "").lower()
    head = data[:8]
    if any(head.startswith(m) for m in EXECUTABLE_MAGIC):
        return "application/x-executable", [
            _problem("executable", _("The file %(name)s is a program (executable).") % {"name": file_name})
        ]
    if head.startswith(b"#!"):
        return "text/x-script", [_problem("script", _("The file %(name)s is a script.") % {"name": file_name})]
    if any(head.startswith(m) for m in UNINSPECTABLE_MAGIC):
        return "application/octet-stream", [
            _problem("archive_uninspectable", _("The archive %(name)s cannot be inspected.") % {"name": file_name})
        ]
    if head.startswith(b"%PDF-"):
        mime, problems = "application/pdf", []
        if b"/JavaScript" in data or b"/Launch" in data:
            problems.append(
                _problem("pdf_active", _("The PDF %(name)s contains active content.") % {"name": file_name})
            )
        return mime, problems
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", []
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", []
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff", []
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif", []
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"_VBA_PROJECT" in data or b"V\x00B\x00A\x00" in data or b"Macros" in data:
            return "application/vnd.ms-office.macroenabled", [
                _problem("macro", _("The document %(name)s contains macros.") % {"name": file_name})
            ]
        return "application/x-ole-storage", []
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        mime, problems = _zip_type(data, file_name, _depth)
        if name.endswith(MACRO_EXTENSIONS) and not any(p["code"] == "macro" for p in problems):
            problems.append(
                _problem("macro", _("The document %(name)s is a macro-enabled type.") % {"name": file_name})
            )
        return mime, problems
    if b"\x00" in data[:4096]:
        return "application/octet-stream", []
    try:
        text = data[:65536].decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data[:65536].decode("cp1250")
        except UnicodeDecodeError:
            return "application/octet-stream", []
    if name.endswith(SCRIPT_EXTENSIONS):
        return "text/x-script", [_problem("script", _("The file %(name)s is a script.") % {"name": file_name})]
    stripped = text.lstrip()
    if stripped.startswith("<?xml") or (
        stripped.startswith("<") and not stripped[:15].lower().startswith(("<!doctype html", "<html"))
    ):
        return "application/xml", []
    if stripped[:15].lower().startswith(("<!doctype html", "<html")):
        return "text/html", []
    return "text/plain", []


def screen_file(file_name: str, data: bytes, *, _depth: int = 0, _check_size: bool = True) -> Screening:
    """Check one file: size limit, type by content, type allowed by ``DOCUMENTS_ALLOWED_TYPES``."""
    mime, problems = sniff(data, file_name, _depth=_depth)
    result = Screening(file_name=file_name, mime_type=mime, size=len(data), problems=list(problems))
    if _check_size and len(data) > max_file_bytes():
        result.problems.insert(
            0,
            _problem(
                "too_large",
                _("The file %(name)s is too large (%(size)s MB; the limit is %(limit)s MB).")
                % {"name": file_name, "size": _mb(len(data)), "limit": _mb(max_file_bytes())},
            ),
        )
    if not result.problems and mime not in allowed_types():
        result.problems.append(
            _problem(
                "type_not_allowed",
                _("The file %(name)s has a type that is not accepted (%(type)s).") % {"name": file_name, "type": mime},
            )
        )
    if _check_size and not data:
        result.problems.append(_problem("empty", _("The file %(name)s is empty.") % {"name": file_name}))
    return result


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",")


def file_store(
    *,
    entry: IncomingEntry,
    role: str,
    file_name: str,
    content: bytes,
    mime_type: str = "",
    derived_from: StoredFile | None = None,
    signature_verdict: str = SignatureVerdict.NOT_CHECKED,
    signer: str = "",
    signature_detail: str = "",
    extracted_text: str = "",
) -> StoredFile:
    """Keep ``content`` byte-exact (with its SHA-256) as a file of ``entry``; call inside the caller's transaction."""
    content = bytes(content)
    if not mime_type:
        mime_type, _problems = sniff(content, file_name)
    return StoredFile.objects.create(
        entry=entry,
        role=role,
        file_name=(file_name or "plik")[:255],
        mime_type=mime_type[:100],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        derived_from=derived_from,
        signature_verdict=signature_verdict,
        signer=signer[:500],
        signature_detail=signature_detail,
        extracted_text=extracted_text,
    )


def preview_html(*, title: str, rendered) -> bytes:
    """A human-readable HTML rendering of an ePUAP document (``epuap.selectors.RenderedDocument``)."""
    return render_to_string("documents/intake/preview.html", {"title": title, "doc": rendered}).encode("utf-8")
