"""The JRWA as versioned data: importing a list from CSV, choosing the current version, the shipped demo list.

CSV: UTF-8 (a BOM is tolerated), ``;``-separated, header ``symbol;title;archival_category;handling_days;procedure``;
lines starting with ``#`` are comments. Rules (domain reference §4.4, instrukcja archiwalna):

* symbol: 1–4 digits, unique in the list; every symbol longer than one digit needs its parent (the symbol without
  its last digit) in the same list;
* a class is a leaf when no other symbol of the list extends it; files (teczki) and cases live only in leaves;
* a leaf must carry an archival category (A, B<n>, BE<n>, Bc); a non-leaf must not (categories are given to
  the final classes only — a category on a parent is refused as an error in the list, not silently dropped);
* handling_days: empty or a positive integer; procedure: empty or the code of a deadline rule.

All or nothing: one bad row and nothing is imported, every error listed with its line number. Importing again
under the same code updates that version in place (same result for the same file); a class that has disappeared
from the list is refused (cases may point at it) — import such a list as a new version.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import ServiceValidationError
from core.services.audit import audit_log
from documents.models import DeadlineRule, JrwaClass, JrwaVersion
from documents.models.jrwa import ARCHIVAL_CATEGORY_RE

COLUMNS = ["symbol", "title", "archival_category", "handling_days", "procedure"]
DEMO_CSV = Path(__file__).resolve().parent.parent / "data" / "jrwa_demo.csv"
DEMO_CODE = "gmina-2011-demo"
MAX_FILE_SIZE = 5 * 1024 * 1024
_SYMBOL_RE = re.compile(r"^[0-9]{1,4}$")
_CATEGORY_RE = re.compile(ARCHIVAL_CATEGORY_RE)


@dataclass
class _Row:
    line: int
    symbol: str
    title: str
    archival_category: str
    handling_days: int | None
    procedure: str
    is_leaf: bool = False


def _read_text(file) -> str:
    data = Path(file).read_bytes() if isinstance(file, str | Path) else file.read(MAX_FILE_SIZE + 1)
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_FILE_SIZE:
            raise ServiceValidationError(
                _("The data contain errors."), errors={"file": [_("The file is too large (at most 5 MB).")]}
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ServiceValidationError(
                _("The data contain errors."), errors={"file": [_("The file is not UTF-8 text.")]}
            ) from None
    return text.lstrip("\ufeff")


def parse_jrwa_csv(file) -> list[_Row]:
    """Parse and check a whole list; raise ServiceValidationError with every error (field ``file``)."""
    text = _read_text(file)
    errors: list[str] = []
    rows: list[_Row] = []
    header_seen = False
    known_procedures = set(DeadlineRule.objects.values_list("code", flat=True))
    for line_no, record in enumerate(csv.reader(io.StringIO(text), delimiter=";"), start=1):
        if not record or all(not c.strip() for c in record) or record[0].lstrip().startswith("#"):
            continue
        cells = [c.strip() for c in record]
        if not header_seen:
            header_seen = True
            if [c.lower() for c in cells] != COLUMNS:
                errors.append(
                    _("Line %(line)s: the header must be %(header)s.") % {"line": line_no, "header": ";".join(COLUMNS)}
                )
                break
            continue
        if len(cells) != len(COLUMNS):
            errors.append(
                _("Line %(line)s: expected %(expected)s columns, found %(found)s.")
                % {"line": line_no, "expected": len(COLUMNS), "found": len(cells)}
            )
            continue
        symbol, title, category, days, procedure = cells
        row_errors = []
        if not _SYMBOL_RE.match(symbol):
            row_errors.append(_("Line %(line)s: the symbol %(symbol)s is not 1 to 4 digits."))
        if not title:
            row_errors.append(_("Line %(line)s: the title is empty."))
        elif len(title) > 500:
            row_errors.append(_("Line %(line)s: the title is longer than 500 characters."))
        if category and not _CATEGORY_RE.match(category):
            row_errors.append(
                _("Line %(line)s: the archival category %(category)s is not one of A, B<years>, BE<years>, Bc.")
            )
        handling_days = None
        if days:
            if days.isdigit() and int(days) > 0:
                handling_days = int(days)
            else:
                row_errors.append(_("Line %(line)s: the handling days %(days)s are not a positive whole number."))
        if procedure and procedure not in known_procedures:
            row_errors.append(_("Line %(line)s: unknown procedure %(procedure)s."))
        params = {"line": line_no, "symbol": symbol, "category": category, "days": days, "procedure": procedure}
        errors += [e % params for e in row_errors]
        if not row_errors:
            rows.append(_Row(line_no, symbol, title, category, handling_days, procedure))
    if not header_seen:
        errors.append(_("The file contains no header row."))
    by_symbol: dict[str, _Row] = {}
    for row in rows:
        if row.symbol in by_symbol:
            errors.append(
                _("Line %(line)s: the symbol %(symbol)s repeats line %(first)s.")
                % {"line": row.line, "symbol": row.symbol, "first": by_symbol[row.symbol].line}
            )
        else:
            by_symbol[row.symbol] = row
    parents = {s[:-1] for s in by_symbol if len(s) > 1}
    for row in by_symbol.values():
        if len(row.symbol) > 1 and row.symbol[:-1] not in by_symbol:
            errors.append(
                _("Line %(line)s: the parent class %(parent)s of %(symbol)s is missing.")
                % {"line": row.line, "parent": row.symbol[:-1], "symbol": row.symbol}
            )
        row.is_leaf = row.symbol not in parents
        if row.is_leaf and not row.archival_category:
            errors.append(
                _("Line %(line)s: the final class %(symbol)s has no archival category.")
                % {"line": row.line, "symbol": row.symbol}
            )
        if not row.is_leaf and row.archival_category:
            errors.append(
                _("Line %(line)s: the class %(symbol)s has subclasses and must not have an archival category.")
                % {"line": row.line, "symbol": row.symbol}
            )
    if header_seen and not by_symbol and not errors:
        errors.append(_("The file contains no classes."))
    if errors:
        raise ServiceValidationError(
            _("The JRWA list was not imported: %(count)s errors.") % {"count": len(errors)}, errors={"file": errors}
        )
    return list(by_symbol.values())


def jrwa_import(
    *, file, code: str, name: str, valid_from: datetime.date, make_current: bool = False, actor=None, audit=True
) -> JrwaVersion:
    """Import a JRWA list as version ``code`` (all or nothing; idempotent for the same code and file)."""
    code, name = (code or "").strip(), (name or "").strip()
    field_errors = {}
    if not code or len(code) > 50:
        field_errors["code"] = [_("Give a code of at most 50 characters.")]
    if not name or len(name) > 300:
        field_errors["name"] = [_("Give a name of at most 300 characters.")]
    if field_errors:
        raise ServiceValidationError(_("The data contain errors."), errors=field_errors)
    rows = parse_jrwa_csv(file)
    with transaction.atomic():
        version = JrwaVersion.objects.select_for_update().filter(code=code).first()
        if version is None:
            version = JrwaVersion.objects.create(code=code, name=name, valid_from=valid_from)
        else:
            version.name, version.valid_from = name, valid_from
            version.save(update_fields=["name", "valid_from"])
        existing = {c.symbol: c for c in version.classes.select_for_update()}
        gone = sorted(set(existing) - {r.symbol for r in rows})
        if gone:
            raise ServiceValidationError(
                _("The JRWA list was not imported: %(count)s errors.") % {"count": 1},
                errors={
                    "file": [
                        _(
                            "Version %(code)s already has classes missing from this file (%(symbols)s); "
                            "import it as a new version."
                        )
                        % {"code": code, "symbols": ", ".join(gone)}
                    ]
                },
            )
        created = updated = 0
        for row in rows:
            values = {
                "title": row.title,
                "archival_category": row.archival_category,
                "handling_days": row.handling_days,
                "procedure": row.procedure,
                "is_leaf": row.is_leaf,
            }
            current = existing.get(row.symbol)
            if current is None:
                JrwaClass.objects.create(version=version, symbol=row.symbol, **values)
                created += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(current, k, v)
                current.save(update_fields=list(values))
                updated += 1
        if make_current and not version.is_current:
            JrwaVersion.objects.filter(is_current=True).update(is_current=False)
            version.is_current = True
            version.save(update_fields=["is_current"])
        if audit:
            audit_log(
                actor=actor or "system",
                action="documents.jrwa.imported",
                obj=version,
                details={
                    "code": code,
                    "classes": len(rows),
                    "created": created,
                    "updated": updated,
                    "current": version.is_current,
                },
            )
    return version


def jrwa_sync_demo() -> JrwaVersion | None:
    """At migrate: load the shipped demo list as the current version, only if no JRWA version exists at all.

    Reference data like the public holidays, so no audit event (a fresh database has no actor yet).
    """
    if JrwaVersion.objects.exists():
        return None
    return jrwa_import(
        file=DEMO_CSV,
        code=DEMO_CODE,
        name="JRWA gminy (załącznik nr 2, 2011) – wyciąg demonstracyjny",
        valid_from=datetime.date(2011, 1, 20),
        make_current=True,
        audit=False,
    )


def current_version() -> JrwaVersion | None:
    return JrwaVersion.objects.filter(is_current=True).first()


def current_classes():
    return JrwaClass.objects.filter(version__is_current=True).order_by("symbol")
