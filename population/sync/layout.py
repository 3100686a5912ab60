"""The CSV layout of the central PESEL register's export for the gmina, and its parser.

The layout is documented in docs/formats/pesel-export.md. ``parse_export`` turns the bytes of a file into
``CentralPerson`` records (one per PESEL, with at most one permanent and one temporary registration),
quarantined rows (line number and reason) and file-level errors (a file with file-level errors is
rejected as a whole). It reads the TERYT register to resolve the address codes and never writes.
"""

import codecs
import contextlib
import csv
import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from core.domain.identifiers import IdentifierError, validate_pesel, validate_postal_code
from core.models import Locality, Street
from population.models import Registration, Resident

COLUMNS: tuple[str, ...] = (
    "PESEL",
    "NAZWISKO",
    "IMIONA",
    "NAZWISKO_RODOWE",
    "DATA_URODZENIA",
    "PLEC",
    "OBYWATELSTWO",
    "STATUS",
    "DATA_ZGONU",
    "RODZAJ_POBYTU",
    "TERC",
    "SIMC",
    "ULIC",
    "NR_DOMU",
    "NR_LOKALU",
    "KOD_POCZTOWY",
    "DATA_OD",
    "DATA_DO",
    "DATA_EKSPORTU",
)
ADDRESS_COLUMNS = ("TERC", "SIMC", "ULIC", "NR_DOMU", "NR_LOKALU", "KOD_POCZTOWY", "DATA_OD")
PERSON_COLUMNS = (
    "NAZWISKO",
    "IMIONA",
    "NAZWISKO_RODOWE",
    "DATA_URODZENIA",
    "PLEC",
    "OBYWATELSTWO",
    "STATUS",
    "DATA_ZGONU",
)
STATUSES = {"A": Resident.Status.ACTIVE, "Z": Resident.Status.DECEASED, "W": Resident.Status.EMIGRATED}
KINDS = {"S": Registration.Kind.PERMANENT, "C": Registration.Kind.TEMPORARY}
SEXES = {"K": "F", "M": "M"}
SEPARATOR = ";"

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DIGITS = {n: re.compile(rf"[0-9]{{{n}}}") for n in (5, 7)}
_COUNTRY = re.compile(r"[A-Z]{2}")


def fmt_date(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def from_iso(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def normalise_name(value: str) -> str:
    """Names as compared: surrounding and repeated spaces removed."""
    return " ".join((value or "").split())


def address_label(locality: Locality, street: Street | None, building_number: str, flat_number: str) -> str:
    """'ul. Kościuszki 5/2, Magistrowo' or, in a locality without streets, 'Zalesie Magistrackie 12'."""
    number = building_number + (f"/{flat_number}" if flat_number else "")
    if street is not None:
        return f"{street.full_name} {number}, {locality.name}"
    return f"{locality.name} {number}"


@dataclass
class CentralRegistration:
    """A registration of stay in the gmina as the central register has it."""

    kind: str
    line: int
    terc: str
    simc: str
    ulic: str
    locality_id: int
    street_id: int | None
    building_number: str
    flat_number: str
    postal_code: str
    start_date: datetime.date
    planned_end_date: datetime.date | None
    address: str

    @property
    def address_key(self) -> tuple:
        return (self.locality_id, self.street_id, self.building_number, self.flat_number)

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "line": self.line,
            "terc": self.terc,
            "simc": self.simc,
            "ulic": self.ulic,
            "locality_id": self.locality_id,
            "street_id": self.street_id,
            "building_number": self.building_number,
            "flat_number": self.flat_number,
            "postal_code": self.postal_code,
            "start_date": iso(self.start_date),
            "planned_end_date": iso(self.planned_end_date),
            "address": self.address,
        }

    @classmethod
    def from_json(cls, data: dict) -> "CentralRegistration":
        values = dict(data)
        values["start_date"] = from_iso(values["start_date"])
        values["planned_end_date"] = from_iso(values.get("planned_end_date"))
        return cls(**values)


@dataclass
class CentralPerson:
    """One person of the export (all their rows merged)."""

    pesel: str
    surname: str
    first_names: str
    family_name: str
    birth_date: datetime.date
    sex: str
    citizenship: str
    status: str
    # The date of death (Z) or of the departure abroad (W); None for an active person.
    status_date: datetime.date | None
    # For an active person without a registration in the gmina: the day their registration here ended.
    left_on: datetime.date | None
    lines: list[int] = field(default_factory=list)
    registrations: dict[str, CentralRegistration] = field(default_factory=dict)

    @property
    def first_line(self) -> int:
        return min(self.lines)

    def to_json(self) -> dict:
        return {
            "pesel": self.pesel,
            "surname": self.surname,
            "first_names": self.first_names,
            "family_name": self.family_name,
            "birth_date": iso(self.birth_date),
            "sex": self.sex,
            "citizenship": self.citizenship,
            "status": self.status,
            "status_date": iso(self.status_date),
            "left_on": iso(self.left_on),
            "lines": sorted(self.lines),
            "registrations": {kind: reg.to_json() for kind, reg in sorted(self.registrations.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> "CentralPerson":
        return cls(
            pesel=data["pesel"],
            surname=data["surname"],
            first_names=data["first_names"],
            family_name=data["family_name"],
            birth_date=from_iso(data["birth_date"]),
            sex=data["sex"],
            citizenship=data["citizenship"],
            status=data["status"],
            status_date=from_iso(data.get("status_date")),
            left_on=from_iso(data.get("left_on")),
            lines=list(data.get("lines", [])),
            registrations={
                kind: CentralRegistration.from_json(reg) for kind, reg in data.get("registrations", {}).items()
            },
        )


@dataclass
class QuarantinedRow:
    line: int
    reason: str
    raw: str


@dataclass
class ParsedExport:
    """What a file holds. A non-empty ``errors`` means the whole file is rejected."""

    errors: list[dict] = field(default_factory=list)
    export_date: datetime.date | None = None
    rows_total: int = 0
    persons: dict[str, CentralPerson] = field(default_factory=dict)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    # Valid PESELs whose rows were quarantined: nothing is concluded about these persons.
    quarantined_pesels: set[str] = field(default_factory=set)


def _file_error(line: int | None, message: str) -> ParsedExport:
    return ParsedExport(errors=[{"line": line, "message": message}])


@dataclass
class _Row:
    line: int
    raw: str
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    pesel: str = ""
    person: dict | None = None
    registration: CentralRegistration | None = None
    left_on: datetime.date | None = None

    def fail(self, column: str, message: str) -> None:
        self.problems.append(f"{column}: {message}")


class _Teryt:
    """The TERYT rows the file refers to, read in two queries."""

    def __init__(self, rows: list[_Row]):
        syms = {row.values["SIMC"] for row in rows if _DIGITS[7].fullmatch(row.values["SIMC"])}
        self.localities = {
            loc.sym: loc for loc in Locality.objects.filter(sym__in=syms).select_related("gmina").order_by()
        }
        ids = [loc.pk for loc in self.localities.values()]
        self.streets = {
            (street.locality_id, street.sym_ul): street for street in Street.objects.filter(locality_id__in=ids)
        }
        self.with_streets = {locality_id for locality_id, _sym in self.streets}


def _split(text: str) -> list[str]:
    return next(csv.reader([text], delimiter=SEPARATOR))


def _decode_lines(content: bytes) -> list[tuple[int, str]] | ParsedExport:
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    lines = []
    for number, raw in enumerate(content.splitlines(), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _file_error(
                number,
                _(
                    "the file is not in UTF-8 — save it as UTF-8 (byte 0x%(byte)02X at position %(position)d "
                    "cannot be read; the file is probably in Windows-1250)."
                )
                % {"byte": raw[exc.start], "position": exc.start + 1},
            )
        if text.strip():
            lines.append((number, text))
    return lines


def _check_header(number: int, text: str) -> list[str] | ParsedExport:
    names = [name.strip().upper() for name in _split(text.lstrip("\ufeff"))]
    if len(names) == 1 and "," in text:
        return _file_error(number, _("wrong header: the columns must be separated by ';' (semicolon), not ','."))
    missing = [c for c in COLUMNS if c not in names]
    unknown = [n for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if not (missing or unknown or repeated):
        return names
    problems = []
    if missing:
        problems.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown or ["?"])})
    if repeated:
        problems.append(_("repeated columns: %(columns)s") % {"columns": ", ".join(repeated)})
    return _file_error(
        number,
        _("wrong header (%(problems)s). The first row must name the columns: %(expected)s.")
        % {"problems": "; ".join(problems), "expected": SEPARATOR.join(COLUMNS)},
    )


def _parse_date(row: _Row, column: str, *, required: bool) -> datetime.date | None:
    value = row.values[column]
    if not value:
        if required:
            row.fail(column, _("must not be empty."))
        return None
    if not _DATE.fullmatch(value):
        row.fail(column, _('must be a date YYYY-MM-DD, got "%(value)s".') % {"value": value})
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        row.fail(column, _("impossible date %(value)s.") % {"value": value})
        return None


def _text(row: _Row, column: str, max_length: int, *, required: bool = True) -> str:
    value = normalise_name(row.values[column])
    if required and not value:
        row.fail(column, _("must not be empty."))
    elif len(value) > max_length:
        row.fail(column, _("is longer than %(max)d characters.") % {"max": max_length})
    return value


def _choice(row: _Row, column: str, allowed: dict, *, optional: bool = False) -> str | None:
    value = row.values[column].upper()
    if optional and not value:
        return ""
    if value not in allowed:
        row.fail(
            column,
            _('must be one of %(allowed)s, got "%(value)s".') % {"allowed": ", ".join(allowed), "value": value},
        )
        return None
    return allowed[value]


def _must_be_empty(row: _Row, columns: tuple[str, ...], message: str) -> None:
    for column in columns:
        if row.values[column]:
            row.fail(column, message)


def _check_person(row: _Row, export_date: datetime.date) -> None:
    values = row.values
    pesel = None
    try:
        pesel = validate_pesel(values["PESEL"])
    except IdentifierError as exc:
        row.fail("PESEL", exc.message)
    else:
        row.pesel = pesel.number
    surname = _text(row, "NAZWISKO", 150)
    first_names = _text(row, "IMIONA", 150)
    family_name = _text(row, "NAZWISKO_RODOWE", 150, required=False)
    birth_date = _parse_date(row, "DATA_URODZENIA", required=True)
    if pesel and birth_date and birth_date != pesel.birth_date:
        row.fail(
            "DATA_URODZENIA",
            _("%(given)s does not match PESEL, which encodes %(expected)s.")
            % {"given": fmt_date(birth_date), "expected": fmt_date(pesel.birth_date)},
        )
    sex = _choice(row, "PLEC", SEXES)
    if pesel and sex and sex != pesel.sex:
        row.fail("PLEC", _("%(given)s does not match PESEL (its 10th digit).") % {"given": values["PLEC"].upper()})
    citizenship = values["OBYWATELSTWO"].upper()
    if not _COUNTRY.fullmatch(citizenship):
        row.fail(
            "OBYWATELSTWO",
            _('must be a two-letter country code (PL, UA, DE…; XX = stateless), got "%(value)s".')
            % {"value": values["OBYWATELSTWO"]},
        )
    status = _choice(row, "STATUS", STATUSES)
    death_date = None
    if status == Resident.Status.DECEASED:
        death_date = _parse_date(row, "DATA_ZGONU", required=True)
        _check_span(row, "DATA_ZGONU", death_date, birth_date, export_date)
    elif status is not None and values["DATA_ZGONU"]:
        row.fail("DATA_ZGONU", _("must be empty unless STATUS is Z (deceased)."))
    row.person = {
        "surname": surname,
        "first_names": first_names,
        "family_name": family_name,
        "birth_date": birth_date,
        "sex": sex,
        "citizenship": citizenship,
        "status": status,
        "death_date": death_date,
    }


def _check_span(
    row: _Row, column: str, day: datetime.date | None, birth: datetime.date | None, export_date: datetime.date
) -> None:
    if day is None:
        return
    if birth and day < birth:
        row.fail(column, _("%(date)s is before the date of birth.") % {"date": fmt_date(day)})
    if day > export_date:
        row.fail(
            column,
            _("%(date)s is after the export date %(export)s.")
            % {"date": fmt_date(day), "export": fmt_date(export_date)},
        )


def _check_registration(row: _Row, export_date: datetime.date, teryt: _Teryt) -> None:
    values, person = row.values, row.person
    status, birth = person["status"], person["birth_date"]
    kind = _choice(row, "RODZAJ_POBYTU", KINDS, optional=True)
    if kind is None:
        return
    if not kind:
        _must_be_empty(row, ADDRESS_COLUMNS, _("must be empty when RODZAJ_POBYTU is empty."))
        if status == Resident.Status.DECEASED:
            if values["DATA_DO"]:
                row.fail("DATA_DO", _("must be empty for a deceased person (DATA_ZGONU ends the registrations)."))
        elif status is not None and not values["DATA_DO"]:
            if status == Resident.Status.EMIGRATED:
                row.fail("DATA_DO", _("required for an emigrated person: the day of the departure abroad."))
            else:
                row.fail(
                    "DATA_DO",
                    _("required for a person not registered in the gmina: the day their registration here ended."),
                )
        elif status is not None:
            row.left_on = _parse_date(row, "DATA_DO", required=True)
            _check_span(row, "DATA_DO", row.left_on, birth, export_date)
        return
    if status in (Resident.Status.DECEASED, Resident.Status.EMIGRATED):
        row.fail(
            "RODZAJ_POBYTU",
            _("must be empty for a deceased or emigrated person (no registration of theirs is in force)."),
        )
        return
    locality = street = None
    terc, simc, ulic = values["TERC"], values["SIMC"], values["ULIC"]
    if not _DIGITS[7].fullmatch(terc):
        row.fail("TERC", _('must be 7 digits, got "%(value)s".') % {"value": terc})
    if not _DIGITS[7].fullmatch(simc):
        row.fail("SIMC", _('must be 7 digits, got "%(value)s".') % {"value": simc})
    else:
        locality = teryt.localities.get(simc)
        if locality is None:
            row.fail("SIMC", _("unknown locality code %(code)s (not in the TERYT register).") % {"code": simc})
    if ulic and not _DIGITS[5].fullmatch(ulic):
        row.fail("ULIC", _('must be 5 digits or empty, got "%(value)s".') % {"value": ulic})
    elif locality is not None:
        if locality.gmina.code[:6] != settings.MAGISTRAT_GMINA_TERC[:6]:
            row.fail(
                "SIMC",
                _("locality %(name)s (%(code)s) is outside this gmina.") % {"name": locality.name, "code": simc},
            )
        if _DIGITS[7].fullmatch(terc) and terc != locality.gmina.code:
            row.fail(
                "TERC",
                _("%(code)s does not match the gmina of locality %(name)s (TERC %(expected)s).")
                % {"code": terc, "name": locality.name, "expected": locality.gmina.code},
            )
        if ulic:
            street = teryt.streets.get((locality.pk, ulic))
            if street is None:
                row.fail(
                    "ULIC",
                    _("unknown street code %(code)s in locality %(name)s (not in the TERYT register).")
                    % {"code": ulic, "name": locality.name},
                )
        elif locality.pk in teryt.with_streets:
            row.fail("ULIC", _("must not be empty: locality %(name)s has streets in TERYT.") % {"name": locality.name})
    building = _text(row, "NR_DOMU", 20).upper()
    flat = _text(row, "NR_LOKALU", 20, required=False).upper()
    postal_code = ""
    try:
        postal_code = validate_postal_code(values["KOD_POCZTOWY"])
    except IdentifierError as exc:
        row.fail("KOD_POCZTOWY", exc.message)
    start = _parse_date(row, "DATA_OD", required=True)
    _check_span(row, "DATA_OD", start, birth, export_date)
    planned_end = None
    if kind == Registration.Kind.TEMPORARY:
        if not values["DATA_DO"]:
            row.fail("DATA_DO", _("required for a temporary stay (C): the planned end of the stay."))
        planned_end = _parse_date(row, "DATA_DO", required=False)
        if planned_end and start and planned_end <= start:
            row.fail("DATA_DO", _("the end of a temporary stay must be after DATA_OD."))
        elif planned_end and planned_end <= export_date:
            row.fail(
                "DATA_DO",
                _("the temporary stay ended on %(date)s, not after the export date %(export)s.")
                % {"date": fmt_date(planned_end), "export": fmt_date(export_date)},
            )
    elif values["DATA_DO"]:
        row.fail("DATA_DO", _("must be empty for a permanent stay (S)."))
    if row.problems or locality is None or start is None:
        return
    row.registration = CentralRegistration(
        kind=kind,
        line=row.line,
        terc=terc,
        simc=simc,
        ulic=ulic,
        locality_id=locality.pk,
        street_id=street.pk if street else None,
        building_number=building,
        flat_number=flat,
        postal_code=postal_code,
        start_date=start,
        planned_end_date=planned_end,
        address=address_label(locality, street, building, flat),
    )


def _export_date(rows: list[_Row], today: datetime.date) -> datetime.date | ParsedExport:
    first = rows[0]
    value = first.values["DATA_EKSPORTU"]
    try:
        export_date = datetime.date.fromisoformat(value) if _DATE.fullmatch(value) else None
    except ValueError:
        export_date = None
    if export_date is None:
        return _file_error(
            first.line, _('DATA_EKSPORTU must be a date YYYY-MM-DD, got "%(value)s".') % {"value": value}
        )
    if export_date > today:
        return _file_error(first.line, _("DATA_EKSPORTU %(date)s is in the future.") % {"date": fmt_date(export_date)})
    for row in rows[1:]:
        if row.values["DATA_EKSPORTU"] != value:
            return _file_error(
                row.line,
                _('DATA_EKSPORTU must be the same on every row: "%(value)s" here, "%(first)s" on line %(line)d.')
                % {"value": row.values["DATA_EKSPORTU"], "first": value, "line": first.line},
            )
    return export_date


def _merge(result: ParsedExport, rows: list[_Row], broken: dict[str, list[int]]) -> None:
    """Group the valid rows by PESEL: one S and one C row at most, the same person data on each.

    ``broken``: PESEL → lines of that person's rows that could not even be split into fields.
    """
    by_pesel: dict[str, list[_Row]] = {}
    for row in rows:
        if row.pesel:
            by_pesel.setdefault(row.pesel, []).append(row)
    for pesel, group in by_pesel.items():
        good = [row for row in group if not row.problems]
        first = good[0] if good else None
        for row in good[1:]:
            if row.person != first.person:
                differing = [
                    column
                    for column in PERSON_COLUMNS
                    if normalise_name(row.values[column]).upper() != normalise_name(first.values[column]).upper()
                ]
                row.problems.append(
                    _("the person's data differ from line %(line)d (%(columns)s).")
                    % {"line": first.line, "columns": ", ".join(differing)}
                )
        seen: dict[str, _Row] = {}
        for row in [row for row in good if not row.problems]:
            kind = row.registration.kind if row.registration else ""
            if seen and (kind == "" or "" in seen):
                other = seen.get("") or next(iter(seen.values()))
                row.problems.append(
                    _(
                        "a row without RODZAJ_POBYTU must be the only row of the person "
                        "(PESEL %(pesel)s is also on line %(line)d)."
                    )
                    % {"pesel": pesel, "line": other.line}
                )
            elif kind in seen:
                row.problems.append(
                    _("a second row with the same RODZAJ_POBYTU for PESEL %(pesel)s (the first is on line %(line)d).")
                    % {"pesel": pesel, "line": seen[kind].line}
                )
            else:
                seen[kind] = row
        bad_lines = sorted([row.line for row in group if row.problems] + broken.get(pesel, []))
        if bad_lines:
            result.quarantined_pesels.add(pesel)
            for row in group:
                if not row.problems:
                    row.problems.append(
                        _("another row of the same person (line %(line)d) was quarantined.") % {"line": bad_lines[0]}
                    )
            continue
        person = first.person
        central = CentralPerson(
            pesel=pesel,
            surname=person["surname"],
            first_names=person["first_names"],
            family_name=person["family_name"],
            birth_date=person["birth_date"],
            sex=person["sex"],
            citizenship=person["citizenship"],
            status=person["status"],
            status_date=person["death_date"],
            left_on=None,
            lines=[row.line for row in group],
        )
        for row in group:
            if row.registration:
                central.registrations[row.registration.kind] = row.registration
            elif central.status == Resident.Status.EMIGRATED:
                central.status_date = row.left_on
            elif central.status == Resident.Status.ACTIVE:
                central.left_on = row.left_on
        result.persons[pesel] = central


def parse_export(content: bytes, *, today: datetime.date) -> ParsedExport:
    """Read an export file; see the module docstring and docs/formats/pesel-export.md."""
    lines = _decode_lines(content)
    if isinstance(lines, ParsedExport):
        return lines
    if not lines:
        return _file_error(None, _("the file is empty."))
    header_line, header_text = lines[0]
    header = _check_header(header_line, header_text)
    if isinstance(header, ParsedExport):
        return header
    result = ParsedExport(rows_total=len(lines) - 1)
    if not result.rows_total:
        return _file_error(header_line, _("the file has a header but no data rows."))
    rows: list[_Row] = []
    broken: dict[str, list[int]] = {}
    pesel_at = header.index("PESEL")
    for number, text in lines[1:]:
        fields = _split(text)
        if len(fields) != len(header):
            candidate = fields[pesel_at].strip() if len(fields) > pesel_at else ""
            with contextlib.suppress(IdentifierError):
                broken.setdefault(validate_pesel(candidate).number, []).append(number)
            result.quarantined.append(
                QuarantinedRow(
                    number,
                    _("expected %(expected)d fields separated by ';', found %(found)d.")
                    % {"expected": len(header), "found": len(fields)},
                    text,
                )
            )
            continue
        rows.append(_Row(number, text, dict(zip(header, (value.strip() for value in fields), strict=True))))
    if not rows:
        return _file_error(
            lines[1][0], _("no data row has the %(count)d fields of the header.") % {"count": len(header)}
        )
    export_date = _export_date(rows, today)
    if isinstance(export_date, ParsedExport):
        return export_date
    result.export_date = export_date
    for row in rows:
        _check_person(row, export_date)
    teryt = _Teryt(rows)
    for row in rows:
        _check_registration(row, export_date, teryt)
    _merge(result, rows, broken)
    result.quarantined_pesels.update(broken)
    for row in rows:
        if row.problems:
            reason = "; ".join(problem.rstrip(".") for problem in row.problems) + "."
            result.quarantined.append(QuarantinedRow(row.line, reason, row.raw))
    result.quarantined.sort(key=lambda q: q.line)
    return result
