"""Import of the TERYT registers (TERC, SIMC, ULIC) from the official GUS CSV files.

All or nothing: every row of every given file is parsed and checked first (formats, the number of
fields, decoding, references to parent units, localities and gminas, which may come from the same
import or from the database). Any problem raises ``TerytImportError`` listing them all and nothing is
written. Otherwise all rows are written in one transaction, keyed on the natural keys (TERC code,
SIMC SYM, ULIC (SYM, SYM_UL)): a row that is already there with the same values is left alone, so
importing the same files again changes nothing. Rows missing from a file are kept (addresses point
at them). The work is done with in-memory maps and bulk queries, so the national SIMC (about 100,000
rows) and ULIC files load in one go.
"""

import codecs
import csv
import datetime
import re
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from core.models import Locality, Street, TercUnit
from core.services.audit import audit_log

TERC = "TERC"
SIMC = "SIMC"
ULIC = "ULIC"

COLUMNS: dict[str, tuple[str, ...]] = {
    TERC: ("WOJ", "POW", "GMI", "RODZ", "NAZWA", "NAZWA_DOD", "STAN_NA"),
    SIMC: ("WOJ", "POW", "GMI", "RODZ_GMI", "RM", "MZ", "NAZWA", "SYM", "SYMPOD", "STAN_NA"),
    ULIC: ("WOJ", "POW", "GMI", "RODZ_GMI", "SYM", "SYM_UL", "CECHA", "NAZWA_1", "NAZWA_2", "STAN_NA"),
}
COLUMN_ALIASES = {"NAZDOD": "NAZWA_DOD"}
GMINA_KINDS = ("1", "2", "3", "4", "5", "8", "9")
MAX_MESSAGES = 200
_BATCH = 1000

_DIGITS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (1, 2, 5, 7)}
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class TerytImportError(Exception):
    """The files contain errors; nothing was imported.

    ``messages`` name the file, the line and the problem (at most MAX_MESSAGES of them, then a line
    saying how many more there are); ``total`` is the number of errors found.
    """

    def __init__(self, messages: list[str], *, total: int | None = None):
        super().__init__("\n".join(messages))
        self.messages = messages
        self.total = len(messages) if total is None else total


@dataclass
class FileCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class TerytImportResult:
    """Counts per file; ``None`` for a file that was not given."""

    terc: FileCounts | None = None
    simc: FileCounts | None = None
    ulic: FileCounts | None = None

    def as_dict(self) -> dict:
        return {
            "terc": asdict(self.terc) if self.terc else None,
            "simc": asdict(self.simc) if self.simc else None,
            "ulic": asdict(self.ulic) if self.ulic else None,
        }


@dataclass(slots=True)
class _TercRow:
    line: int
    code: str
    level: str
    parent_code: str | None
    kind: str
    name: str
    extra_name: str
    state_date: datetime.date


@dataclass(slots=True)
class _SimcRow:
    line: int
    sym: str
    name: str
    kind: str
    has_customary_name: bool
    gmina_code: str
    parent_sym: str | None
    state_date: datetime.date


@dataclass(slots=True)
class _UlicRow:
    line: int
    sym: str
    sym_ul: str
    feature: str
    name_1: str
    name_2: str
    gmina_code: str
    state_date: datetime.date


class _Errors:
    def __init__(self):
        self.messages: list[str] = []
        self.total = 0

    def add(self, file: str, line: int | None, problem: str) -> None:
        self.total += 1
        if len(self.messages) >= MAX_MESSAGES:
            return
        if line is None:
            self.messages.append(_("%(file)s: %(problem)s") % {"file": file, "problem": problem})
        else:
            self.messages.append(
                _("%(file)s, line %(line)d: %(problem)s") % {"file": file, "line": line, "problem": problem}
            )

    def raise_if_any(self) -> None:
        if not self.total:
            return
        messages = list(self.messages)
        if self.total > len(messages):
            messages.append(
                _("… and %(count)d more errors not shown.") % {"count": self.total - len(messages)},
            )
        raise TerytImportError(messages, total=self.total)


class _RowChecker:
    """Field checks for one row; each failed check is reported as a separate error."""

    def __init__(self, errors: _Errors, file: str, line: int, row: dict[str, str]):
        self.errors, self.file, self.line, self.row = errors, file, line, row
        self.ok = True

    def fail(self, problem: str) -> None:
        self.ok = False
        self.errors.add(self.file, self.line, problem)

    def digits(self, column: str, count: int, *, optional: bool = False) -> str:
        value = self.row[column]
        if optional and not value:
            return value
        if not _DIGITS[count].fullmatch(value):
            self.fail(
                _('%(column)s must be %(count)d digits, got "%(value)s".')
                % {"column": column, "count": count, "value": value}
            )
        return value

    def gmina_kind(self, column: str, *, optional: bool = False) -> str:
        value = self.row[column]
        if optional and not value:
            return value
        if value not in GMINA_KINDS:
            self.fail(
                _('%(column)s must be one of %(allowed)s, got "%(value)s".')
                % {"column": column, "allowed": ", ".join(GMINA_KINDS), "value": value}
            )
        return value

    def text(self, column: str, max_length: int, *, required: bool = True) -> str:
        value = self.row[column]
        if required and not value:
            self.fail(_("%(column)s must not be empty.") % {"column": column})
        elif len(value) > max_length:
            self.fail(
                _("%(column)s is longer than %(max)d characters.") % {"column": column, "max": max_length},
            )
        return value

    def date(self, column: str = "STAN_NA") -> datetime.date | None:
        value = self.row[column]
        if _DATE.fullmatch(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(_('%(column)s must be a date YYYY-MM-DD, got "%(value)s".') % {"column": column, "value": value})
        return None


def _check_encoding(encoding: str, errors: _Errors) -> bool:
    try:
        codecs.lookup(encoding)
    except LookupError:
        errors.add(_("encoding"), None, _("Unknown encoding %(encoding)s.") % {"encoding": encoding})
        return False
    if ";\r\n".encode(encoding) != b";\r\n":
        errors.add(
            _("encoding"),
            None,
            _("Encoding %(encoding)s is not supported: use an ASCII-compatible one (UTF-8, Windows-1250).")
            % {"encoding": encoding},
        )
        return False
    return True


def _decode(raw: bytes, encoding: str, errors: _Errors, file: str, line: int) -> str | None:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        errors.add(
            file,
            line,
            _("the line cannot be decoded as %(encoding)s (byte 0x%(byte)02x at position %(position)d).")
            % {"encoding": encoding, "byte": raw[exc.start], "position": exc.start + 1},
        )
        return None


def _split(text: str) -> list[str]:
    return next(csv.reader([text], delimiter=";"))


def _read_csv(file: str, data: bytes, encoding: str, errors: _Errors) -> list[tuple[int, dict[str, str]]] | None:
    """The rows as (line number, {column: stripped value}); None when the header row is unusable."""
    if data.startswith(codecs.BOM_UTF8) and codecs.lookup(encoding).name == "utf-8":
        data = data[len(codecs.BOM_UTF8) :]
    lines = data.splitlines()
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        text = _decode(raw, encoding, errors, file, number)
        if header is None:
            if text is None:
                return None
            header = _check_header(file, number, text.lstrip("\ufeff"), errors)
            if header is None:
                return None
            continue
        if text is None:
            continue
        fields = _split(text)
        if len(fields) != len(header):
            errors.add(
                file,
                number,
                _("expected %(expected)d fields separated by ';', found %(found)d.")
                % {"expected": len(header), "found": len(fields)},
            )
            continue
        rows.append((number, dict(zip(header, (value.strip() for value in fields), strict=True))))
    if header is None:
        errors.add(file, None, _("the file is empty: there is no header row."))
        return None
    return rows


def _check_header(file: str, line: int, text: str, errors: _Errors) -> list[str] | None:
    names = [COLUMN_ALIASES.get(name.strip().upper(), name.strip().upper()) for name in _split(text)]
    expected = COLUMNS[file]
    problems = []
    missing = [name for name in expected if name not in names]
    unknown = [name for name in names if name not in expected]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if missing:
        problems.append(_("the header lacks the column(s) %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("the header has unknown column(s) %(columns)s.") % {"columns": ", ".join(unknown)})
    if duplicated:
        problems.append(_("the header repeats the column(s) %(columns)s.") % {"columns": ", ".join(duplicated)})
    for problem in problems:
        errors.add(file, line, problem + " " + _("Expected: %(columns)s.") % {"columns": ";".join(expected)})
    return None if problems else names


# --- Parsing each file (formats only; references are checked against the database later) ----------


def _parse_terc(rows, errors: _Errors) -> tuple[list[_TercRow], dict[str, int]]:
    """Valid rows, and the line of every code seen (also of rows that failed other checks)."""
    parsed: list[_TercRow] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        check = _RowChecker(errors, TERC, line, row)
        woj = check.digits("WOJ", 2)
        pow_ = check.digits("POW", 2, optional=True)
        gmi = check.digits("GMI", 2, optional=True)
        rodz = check.gmina_kind("RODZ", optional=True)
        if gmi and not pow_:
            check.fail(_("GMI is given but POW is empty."))
        if gmi and not rodz:
            check.fail(_("RODZ is required in a gmina row (GMI given)."))
        if rodz and not gmi:
            check.fail(_("RODZ must be empty in a voivodeship or powiat row (GMI empty)."))
        codes_ok = check.ok
        name = check.text("NAZWA", 100)
        extra_name = check.text("NAZWA_DOD", 100, required=False)
        state_date = check.date()
        if not codes_ok:
            continue
        if gmi:
            code, level, parent = woj + pow_ + gmi + rodz, TercUnit.Level.GMINA, woj + pow_
        elif pow_:
            code, level, parent = woj + pow_, TercUnit.Level.POWIAT, woj
        else:
            code, level, parent = woj, TercUnit.Level.VOIVODESHIP, None
        if code in seen:
            check.fail(_("TERC code %(code)s already appears on line %(line)d.") % {"code": code, "line": seen[code]})
            continue
        seen[code] = line
        if check.ok:
            parsed.append(_TercRow(line, code, level, parent, rodz, name, extra_name, state_date))
    return parsed, seen


def _parse_simc(rows, errors: _Errors) -> tuple[list[_SimcRow], dict[str, int]]:
    parsed: list[_SimcRow] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        check = _RowChecker(errors, SIMC, line, row)
        sym = check.digits("SYM", 7)
        sym_ok = check.ok
        gmina_code = (
            check.digits("WOJ", 2) + check.digits("POW", 2) + check.digits("GMI", 2) + check.gmina_kind("RODZ_GMI")
        )
        kind = check.digits("RM", 2)
        mz = row["MZ"]
        if mz not in ("0", "1"):
            check.fail(_('MZ must be 0 or 1, got "%(value)s".') % {"value": mz})
        name = check.text("NAZWA", 100)
        sympod = check.digits("SYMPOD", 7)
        state_date = check.date()
        if not sym_ok:
            continue
        if sym in seen:
            check.fail(_("SYM %(sym)s already appears on line %(line)d.") % {"sym": sym, "line": seen[sym]})
            continue
        seen[sym] = line
        if check.ok:
            parent = None if sympod == sym else sympod
            # MZ: 0 = the name is a customary one (nazwa zwyczajowa), 1 = it is not.
            parsed.append(_SimcRow(line, sym, name, kind, mz == "0", gmina_code, parent, state_date))
    return parsed, seen


def _parse_ulic(rows, errors: _Errors) -> list[_UlicRow]:
    parsed: list[_UlicRow] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        check = _RowChecker(errors, ULIC, line, row)
        gmina_code = (
            check.digits("WOJ", 2) + check.digits("POW", 2) + check.digits("GMI", 2) + check.gmina_kind("RODZ_GMI")
        )
        sym = check.digits("SYM", 7)
        sym_ul = check.digits("SYM_UL", 5)
        keys_ok = check.ok
        feature = check.text("CECHA", 10)
        name_1 = check.text("NAZWA_1", 100)
        name_2 = check.text("NAZWA_2", 100, required=False)
        state_date = check.date()
        if not keys_ok:
            continue
        key = (sym, sym_ul)
        if key in seen:
            check.fail(
                _("street SYM_UL %(sym_ul)s of locality SYM %(sym)s already appears on line %(line)d.")
                % {"sym_ul": sym_ul, "sym": sym, "line": seen[key]}
            )
            continue
        seen[key] = line
        if check.ok:
            parsed.append(_UlicRow(line, sym, sym_ul, feature, name_1, name_2, gmina_code, state_date))
    return parsed


# --- Checking references against the file contents and the database ----------------------------------


def _check_terc_references(parsed: list[_TercRow], seen: dict[str, int], db_codes: set[str], errors: _Errors):
    for row in parsed:
        if row.parent_code is None or row.parent_code in seen or row.parent_code in db_codes:
            continue
        if row.level == TercUnit.Level.POWIAT:
            problem = _("voivodeship %(code)s is neither in the TERC file nor in the database.")
        else:
            problem = _("powiat %(code)s is neither in the TERC file nor in the database.")
        errors.add(TERC, row.line, problem % {"code": row.parent_code})


def _check_simc_references(
    parsed: list[_SimcRow],
    seen: dict[str, int] | None,
    *,
    gmina_codes: set[str] | None,
    db_parent_sym: dict[str, str | None],
    errors: _Errors,
):
    """Gminas and SYMPOD must exist; SYMPOD chains must not loop.

    ``gmina_codes`` (or ``seen``, the SYMs of the file) is None when that file was not read completely:
    the check is skipped.
    """
    for row in parsed:
        if gmina_codes is not None and row.gmina_code not in gmina_codes:
            errors.add(
                SIMC,
                row.line,
                _("gmina %(code)s (WOJ+POW+GMI+RODZ_GMI) is neither in the TERC file nor in the database.")
                % {"code": row.gmina_code},
            )
        if (
            seen is not None
            and row.parent_sym is not None
            and row.parent_sym not in seen
            and row.parent_sym not in db_parent_sym
        ):
            errors.add(
                SIMC,
                row.line,
                _("parent locality SYMPOD %(sym)s is neither in the SIMC file nor in the database.")
                % {"sym": row.parent_sym},
            )
    # The parent of each locality after the import: the file's SYMPOD overrides the database.
    parent_of = {row.sym: row.parent_sym for row in parsed}
    settled: set[str] = set()
    for row in parsed:
        path: list[str] = []
        on_path: set[str] = set()
        sym: str | None = row.sym
        while sym is not None and sym not in settled:
            if sym in on_path:
                errors.add(
                    SIMC,
                    row.line,
                    _("the SYMPOD chain of SYM %(sym)s loops back to %(loop)s.") % {"sym": row.sym, "loop": sym},
                )
                break
            path.append(sym)
            on_path.add(sym)
            sym = parent_of[sym] if sym in parent_of else db_parent_sym.get(sym)
        settled.update(path)


def _check_ulic_references(parsed: list[_UlicRow], locality_gmina: dict[str, str], errors: _Errors) -> None:
    """``locality_gmina`` maps SYM → the code of its gmina (from the SIMC file or the database)."""
    for row in parsed:
        expected = locality_gmina.get(row.sym)
        if expected is None:
            errors.add(
                ULIC,
                row.line,
                _("locality SYM %(sym)s is neither in the SIMC file nor in the database.") % {"sym": row.sym},
            )
        elif expected != row.gmina_code:
            errors.add(
                ULIC,
                row.line,
                _("gmina %(given)s (WOJ+POW+GMI+RODZ_GMI) does not match gmina %(expected)s of locality SYM %(sym)s.")
                % {"given": row.gmina_code, "expected": expected, "sym": row.sym},
            )


# --- Writing --------------------------------------------------------------------------------------

TERC_FIELDS = ("level", "parent_id", "kind", "name", "extra_name", "state_date")
SIMC_FIELDS = ("name", "kind", "has_customary_name", "gmina_id", "parent_id", "state_date")
ULIC_FIELDS = ("feature", "name_1", "name_2", "state_date")


class _Changes:
    """Rows to update, grouped by the identical change (a new GUS release moves every STAN_NA to
    the same date: that is one UPDATE per batch of ids, not a per-row CASE as bulk_update does)."""

    def __init__(self, fields: tuple[str, ...]):
        self.fields = fields
        self.groups: dict[tuple, list[int]] = defaultdict(list)
        self.count = 0

    def compare(self, current: tuple, values: tuple) -> bool:
        """``current`` is (pk, *values in the database); records the change. True if anything differs."""
        diff = tuple(
            (field, new) for field, old, new in zip(self.fields, current[1:], values, strict=True) if old != new
        )
        if diff:
            self.groups[diff].append(current[0])
            self.count += 1
        return bool(diff)

    def apply(self, model) -> None:
        for diff, pks in self.groups.items():
            for start in range(0, len(pks), _BATCH):
                model.objects.filter(pk__in=pks[start : start + _BATCH]).update(**dict(diff))


def _write_terc(parsed: list[_TercRow], existing: dict[str, tuple]) -> FileCounts:
    ids = {code: values[0] for code, values in existing.items()}
    by_level = defaultdict(list)
    for row in parsed:
        by_level[row.level].append(row)
    created = unchanged = 0
    changes = _Changes(TERC_FIELDS)
    for level in (TercUnit.Level.VOIVODESHIP, TercUnit.Level.POWIAT, TercUnit.Level.GMINA):
        to_create = []
        for row in by_level[level]:
            values = (
                row.level,
                ids[row.parent_code] if row.parent_code else None,
                row.kind,
                row.name,
                row.extra_name,
                row.state_date,
            )
            current = existing.get(row.code)
            if current is None:
                to_create.append(TercUnit(code=row.code, **dict(zip(TERC_FIELDS, values, strict=True))))
            elif not changes.compare(current, values):
                unchanged += 1
        TercUnit.objects.bulk_create(to_create, batch_size=_BATCH)
        created += len(to_create)
        if to_create:
            ids = dict(TercUnit.objects.values_list("code", "id"))
    changes.apply(TercUnit)
    return FileCounts(created=created, updated=changes.count, unchanged=unchanged)


def _write_simc(parsed: list[_SimcRow], existing: dict[str, tuple], gmina_ids: dict[str, int]) -> FileCounts:
    ids = {sym: values[0] for sym, values in existing.items()}
    created = unchanged = 0
    # New localities are created parents first (a part may come before its parent in the file).
    pending = [row for row in parsed if row.sym not in existing]
    while pending:
        ready = [row for row in pending if row.parent_sym is None or row.parent_sym in ids]
        if not ready:  # pragma: no cover - loops are refused by the checks
            raise RuntimeError("SIMC parent chain loops")
        Locality.objects.bulk_create(
            [
                Locality(
                    sym=row.sym,
                    name=row.name,
                    kind=row.kind,
                    has_customary_name=row.has_customary_name,
                    gmina_id=gmina_ids[row.gmina_code],
                    parent_id=ids[row.parent_sym] if row.parent_sym else None,
                    state_date=row.state_date,
                )
                for row in ready
            ],
            batch_size=_BATCH,
        )
        created += len(ready)
        ids = dict(Locality.objects.values_list("sym", "id"))
        ready_syms = {row.sym for row in ready}
        pending = [row for row in pending if row.sym not in ready_syms]
    changes = _Changes(SIMC_FIELDS)
    for row in parsed:
        current = existing.get(row.sym)
        if current is None:
            continue
        values = (
            row.name,
            row.kind,
            row.has_customary_name,
            gmina_ids[row.gmina_code],
            ids[row.parent_sym] if row.parent_sym else None,
            row.state_date,
        )
        if not changes.compare(current, values):
            unchanged += 1
    changes.apply(Locality)
    return FileCounts(created=created, updated=changes.count, unchanged=unchanged)


def _write_ulic(parsed: list[_UlicRow], locality_ids: dict[str, int]) -> FileCounts:
    existing = {
        (locality_id, sym_ul): (pk, feature, name_1, name_2, state_date)
        for pk, locality_id, sym_ul, feature, name_1, name_2, state_date in Street.objects.values_list(
            "id", "locality_id", "sym_ul", *ULIC_FIELDS
        )
    }
    unchanged = 0
    to_create = []
    changes = _Changes(ULIC_FIELDS)
    for row in parsed:
        locality_id = locality_ids[row.sym]
        values = (row.feature, row.name_1, row.name_2, row.state_date)
        current = existing.get((locality_id, row.sym_ul))
        if current is None:
            to_create.append(
                Street(locality_id=locality_id, sym_ul=row.sym_ul, **dict(zip(ULIC_FIELDS, values, strict=True)))
            )
        elif not changes.compare(current, values):
            unchanged += 1
    Street.objects.bulk_create(to_create, batch_size=_BATCH)
    changes.apply(Street)
    return FileCounts(created=len(to_create), updated=changes.count, unchanged=unchanged)


def teryt_import(
    *,
    actor,
    terc: bytes | None = None,
    simc: bytes | None = None,
    ulic: bytes | None = None,
    encoding: str = "utf-8",
) -> TerytImportResult:
    """Import the given TERYT files (official GUS CSV layout) all or nothing; see the module docstring.

    Raises ``TerytImportError`` (nothing changed) when any file has an error. Writes one audit event
    ``teryt.imported`` with the counts on success, also when nothing changed.
    """
    errors = _Errors()
    if terc is None and simc is None and ulic is None:
        errors.add(_("import"), None, _("No TERYT file was given."))
        errors.raise_if_any()
    if not _check_encoding(encoding, errors):
        errors.raise_if_any()

    def read(file: str, data: bytes | None) -> tuple[list | None, bool]:
        """The rows, and whether every line was read (an unread line may hold a code others use)."""
        if data is None:
            return None, True
        before = errors.total
        rows = _read_csv(file, data, encoding, errors)
        return rows, errors.total == before

    terc_rows, terc_complete = read(TERC, terc)
    simc_rows, simc_complete = read(SIMC, simc)
    ulic_rows, _ulic_complete = read(ULIC, ulic)
    terc_parsed, terc_seen = _parse_terc(terc_rows, errors) if terc_rows is not None else ([], {})
    simc_parsed, simc_seen = _parse_simc(simc_rows, errors) if simc_rows is not None else ([], {})
    ulic_parsed = _parse_ulic(ulic_rows, errors) if ulic_rows is not None else []

    with transaction.atomic():
        terc_db = {
            code: (pk, level, parent_id, kind, name, extra_name, state_date)
            for pk, code, level, parent_id, kind, name, extra_name, state_date in TercUnit.objects.values_list(
                "id", "code", "level", "parent_id", "kind", "name", "extra_name", "state_date"
            )
        }
        # References into a file that could not be read completely are not checked: the missing
        # lines may hold the codes, and the problems already reported must be fixed first.
        if terc_rows is not None and terc_complete:
            _check_terc_references(terc_parsed, terc_seen, set(terc_db), errors)

        locality_db: dict[str, tuple] = {}
        if simc is not None or ulic is not None:
            locality_db = {
                sym: (pk, name, kind, customary, gmina_id, parent_id, state_date)
                for pk, sym, name, kind, customary, gmina_id, parent_id, state_date in Locality.objects.values_list(
                    "id", "sym", "name", "kind", "has_customary_name", "gmina_id", "parent_id", "state_date"
                )
            }
        if simc_rows is not None:
            gmina_codes = None
            if terc_complete:
                gmina_codes = {code for code in terc_seen if len(code) == 7}
                gmina_codes.update(code for code in terc_db if len(code) == 7)
            sym_by_id = {values[0]: sym for sym, values in locality_db.items()}
            db_parent_sym = {sym: sym_by_id.get(values[5]) for sym, values in locality_db.items()}
            _check_simc_references(
                simc_parsed,
                simc_seen if simc_complete else None,
                gmina_codes=gmina_codes,
                db_parent_sym=db_parent_sym,
                errors=errors,
            )
        if ulic_rows is not None and simc_complete:
            code_by_id = {values[0]: code for code, values in terc_db.items()}
            locality_gmina = {sym: code_by_id[values[4]] for sym, values in locality_db.items()}
            locality_gmina.update((row.sym, row.gmina_code) for row in simc_parsed)
            # A SIMC row that failed its own checks is reported there; its streets are not reported again.
            failed_syms = set(simc_seen) - {row.sym for row in simc_parsed}
            _check_ulic_references([row for row in ulic_parsed if row.sym not in failed_syms], locality_gmina, errors)
        errors.raise_if_any()

        result = TerytImportResult()
        if terc is not None:
            result.terc = _write_terc(terc_parsed, terc_db)
        if simc is not None:
            gmina_ids = dict(TercUnit.objects.filter(level=TercUnit.Level.GMINA).values_list("code", "id"))
            result.simc = _write_simc(simc_parsed, locality_db, gmina_ids)
        if ulic is not None:
            if simc is not None:
                locality_ids = dict(Locality.objects.values_list("sym", "id"))
            else:
                locality_ids = {sym: values[0] for sym, values in locality_db.items()}
            result.ulic = _write_ulic(ulic_parsed, locality_ids)
        audit_log(actor=actor, action="teryt.imported", object_type="core.teryt", details=result.as_dict())
    return result
