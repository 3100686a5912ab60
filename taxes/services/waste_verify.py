"""Verification of the waste fee declarations (ucpg art. 6o) against evidence: the water utility's monthly readings
and the collector's contracts (CSV imports, layouts in docs/integrations/waste-water-csv.md) and the population
register; the nightly run records findings which a clerk dismisses (with a reason) or turns into a case in EZD.

Imports check ``taxes.manage_register``, own their transaction and write an audit event; a refused file writes
nothing. A file is identified by its SHA-256: the same file again returns the earlier import. A row already imported
with the same value is skipped; with another value it is rejected (kept in the import's ``errors`` with its line).

Address matching: the address of a row and of each property are normalised — the part before the first comma,
case-folded, the street prefixes "ul." / "al." / "pl." / "os." dropped, " m. " read as "/", whitespace collapsed —
and compared; the property's side is its street (or, without a street, its locality) and building number with
"/flat". A row matching no property or more than one is kept without a property and counted as unmatched.

Thresholds (settings): ``WASTE_VERIFY_RESIDENTS_MIN`` (default 1: registered − declared at least this),
``WASTE_VERIFY_M3_PER_PERSON`` (default 4.0 m³ per declared resident per month: above it, a water finding with the
implied number of residents, m³ ÷ threshold rounded up)."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections import defaultdict
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from taxes.models import (
    CollectionContract,
    ContractImport,
    VerificationFinding,
    WasteMethod,
    WasteProperty,
    WaterImport,
    WaterReading,
)
from taxes.models.waste_verify import ImportStatus
from taxes.selectors_waste import in_force_rows, registered_by_address

PERM = "taxes.manage_register"
JRWA_VERIFY = "3120"
MAX_BYTES_DEFAULT = 5 * 1024 * 1024
WATER_HEADER = ["meter_point", "address", "period", "m3"]
CONTRACT_HEADER = ["address", "capacity_l", "frequency", "count", "valid_from", "valid_to"]
F = VerificationFinding
CHUNK = 5000  # rows fetched at a time when streaming a query
WRITE_BATCH = 1000  # findings per INSERT / UPDATE


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not verify waste fee declarations."), code="forbidden")


# --- address matching -------------------------------------------------------------------------------------------

_PREFIX = re.compile(r"^(ul|al|pl|os)\.?\s+")


def normalise_address(text: str) -> str:
    """ "ul. Testowa 1 m. 2, 05-123 Testowo" → "testowa 1/2"."""
    first = (text or "").split(",")[0].casefold()
    first = re.sub(r"\s+m\.\s*", "/", first)
    first = re.sub(r"\s*/\s*", "/", first)
    first = re.sub(r"\s+", " ", first).strip()
    return _PREFIX.sub("", first)


def _property_key(prop: WasteProperty) -> str:
    a = prop.address
    place = a.street.full_name if a.street_id else (a.locality.name if a.locality_id else a.locality_name)
    if not a.street_id and a.street_name:
        place = a.street_name
    number = a.building_number + (f"/{a.flat_number}" if a.flat_number else "")
    return normalise_address(f"{place} {number}")


def _property_index() -> dict[str, int | None]:
    """Normalised address → property id (None when ambiguous)."""
    index: dict[str, int | None] = {}
    for prop in WasteProperty.objects.select_related("address__street", "address__locality"):
        key = _property_key(prop)
        index[key] = None if key in index else prop.pk
    return index


# --- parsing ----------------------------------------------------------------------------------------------------


def _read(content: bytes, file_name: str, header: list[str]) -> tuple[str, list[tuple[int, list[str]]]]:
    limit = getattr(settings, "WASTE_IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT)
    if not content:
        raise ServiceValidationError(_("The file is empty."), errors={"file": [_("The file is empty.")]})
    if len(content) > limit:
        message = _("The file is larger than %(limit)s bytes.") % {"limit": limit}
        raise ServiceValidationError(message, errors={"file": [message]})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = _("The file is not UTF-8 text.")
        raise ServiceValidationError(message, errors={"file": [message]}) from None
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    if not lines or [c.strip().lower() for c in lines[0]] != header:
        message = _("Line 1: the header must be %(header)s.") % {"header": ";".join(header)}
        raise ServiceValidationError(message, errors={"file": [message]})
    rows = [
        (n, [c.strip() for c in cells]) for n, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)
    ]
    return hashlib.sha256(content).hexdigest(), rows


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ServiceValidationError(
            _("The file was not imported: %(problems)s") % {"problems": " ".join(problems[:50])},
            errors={"file": problems},
        )


def _decimal(value: str) -> Decimal | None:
    try:
        result = Decimal(value.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _month(value: str) -> datetime.date | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return datetime.date(int(m.group(1)), int(m.group(2)), 1)


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


def _int(value: str) -> int | None:
    return int(value) if re.fullmatch(r"\d{1,6}", value) else None


def _duplicates(keys: dict, line: int, key, label: str, problems: list[str]) -> None:
    if key in keys:
        problems.append(
            _("Line %(line)s: %(what)s repeats line %(first)s.") % {"line": line, "what": label, "first": keys[key]}
        )
    else:
        keys[key] = line


# --- water ------------------------------------------------------------------------------------------------------


def water_import(*, actor, content: bytes, file_name: str) -> WaterImport:
    """Import the water utility's monthly readings (meter_point;address;period;m3)."""
    _require(actor)
    sha, rows = _read(content, file_name, WATER_HEADER)
    earlier = WaterImport.objects.filter(sha256=sha).first()
    if earlier is not None:
        return earlier
    problems: list[str] = []
    parsed = []
    seen: dict = {}
    for line, cells in rows:
        if len(cells) != 4:
            problems.append(_("Line %(line)s: expected 4 fields, found %(n)s.") % {"line": line, "n": len(cells)})
            continue
        meter, address, period_text, m3_text = cells
        period, m3 = _month(period_text), _decimal(m3_text)
        if not meter or len(meter) > 60:
            problems.append(_("Line %(line)s: the meter point is missing or too long.") % {"line": line})
        if not address or len(address) > 300:
            problems.append(_("Line %(line)s: the address is missing or too long.") % {"line": line})
        if period is None:
            problems.append(_("Line %(line)s: the month must be YYYY-MM.") % {"line": line})
        if m3 is None or m3 < 0 or m3.as_tuple().exponent < -3 or m3 >= Decimal("10000000"):
            problems.append(
                _("Line %(line)s: the m³ must be a non-negative number with at most 3 decimals.") % {"line": line}
            )
        if period is None or m3 is None:
            continue
        _duplicates(seen, line, (meter, period), _("meter point %(m)s in %(p)s") % {"m": meter, "p": period_text},
                    problems)  # fmt: skip
        parsed.append((line, meter, address, period, m3))
    _refuse(problems)
    index = _property_index()
    existing = {
        (r.meter_point, r.period): r.m3
        for r in WaterReading.objects.filter(meter_point__in={p[1] for p in parsed}, period__in={p[3] for p in parsed})
    }
    with transaction.atomic():
        imp = WaterImport.objects.create(file_name=file_name[:255], sha256=sha, imported_by=actor, rows=len(rows))
        new, errors = [], []
        for line, meter, address, period, m3 in parsed:
            if (meter, period) in existing:
                if existing[(meter, period)] == m3:
                    imp.skipped += 1
                else:
                    errors.append({"line": line, "message": _(
                        "Line %(line)s: meter point %(meter)s in %(period)s was imported earlier with %(old)s m³, "
                        "not %(new)s m³."
                    ) % {"line": line, "meter": meter, "period": f"{period:%Y-%m}", "old": existing[(meter, period)],
                         "new": m3}})  # fmt: skip
                continue
            prop_id = index.get(normalise_address(address))
            imp.unmatched += prop_id is None
            new.append(WaterReading(meter_point=meter, address=address, property_id=prop_id, period=period, m3=m3,
                                    water_import=imp))  # fmt: skip
        WaterReading.objects.bulk_create(new)
        imp.created, imp.errors = len(new), errors
        imp.status = ImportStatus.WITH_ERRORS if errors else ImportStatus.IMPORTED
        imp.save(update_fields=["created", "skipped", "unmatched", "errors", "status"])
        audit_log(actor=actor, action="taxes.waste_water_import", obj=imp,
                  details={"rows": imp.rows, "created": imp.created, "skipped": imp.skipped,
                           "unmatched": imp.unmatched, "errors": len(errors), "sha256": sha})  # fmt: skip
    return imp


# --- contracts --------------------------------------------------------------------------------------------------


def contracts_import(*, actor, content: bytes, file_name: str) -> ContractImport:
    """Import the collector's contracts (address;capacity_l;frequency;count;valid_from;valid_to)."""
    _require(actor)
    sha, rows = _read(content, file_name, CONTRACT_HEADER)
    earlier = ContractImport.objects.filter(sha256=sha).first()
    if earlier is not None:
        return earlier
    problems: list[str] = []
    parsed = []
    seen: dict = {}
    for line, cells in rows:
        if len(cells) != 6:
            problems.append(_("Line %(line)s: expected 6 fields, found %(n)s.") % {"line": line, "n": len(cells)})
            continue
        address, capacity, frequency, count = cells[0], _int(cells[1]), _int(cells[2]), _int(cells[3])
        valid_from, valid_to = _date(cells[4]), _date(cells[5]) if cells[5] else None
        if not address or len(address) > 300:
            problems.append(_("Line %(line)s: the address is missing or too long.") % {"line": line})
        if not capacity or not frequency or count is None:
            problems.append(
                _("Line %(line)s: capacity, frequency and count must be whole numbers (capacity and frequency above "
                  "zero).") % {"line": line}
            )  # fmt: skip
        if valid_from is None or (cells[5] and valid_to is None):
            problems.append(_("Line %(line)s: the dates must be YYYY-MM-DD.") % {"line": line})
        elif valid_to is not None and valid_to < valid_from:
            problems.append(_("Line %(line)s: the contract ends before it starts.") % {"line": line})
        if not capacity or not frequency or count is None or valid_from is None:
            continue
        key = (normalise_address(address), capacity, frequency, valid_from)
        _duplicates(seen, line, key, _("the contract"), problems)
        parsed.append((line, address, capacity, frequency, count, valid_from, valid_to))
    _refuse(problems)
    index = _property_index()
    existing = {
        (c.address, c.capacity_l, c.frequency, c.valid_from): (c.count, c.valid_to)
        for c in CollectionContract.objects.filter(address__in={p[1] for p in parsed})
    }
    with transaction.atomic():
        imp = ContractImport.objects.create(file_name=file_name[:255], sha256=sha, imported_by=actor, rows=len(rows))
        new, errors = [], []
        for line, address, capacity, frequency, count, valid_from, valid_to in parsed:
            key = (address, capacity, frequency, valid_from)
            if key in existing:
                if existing[key] == (count, valid_to):
                    imp.skipped += 1
                else:
                    errors.append({"line": line, "message": _(
                        "Line %(line)s: this contract was imported earlier with other data."
                    ) % {"line": line}})  # fmt: skip
                continue
            prop_id = index.get(normalise_address(address))
            imp.unmatched += prop_id is None
            new.append(CollectionContract(
                address=address, property_id=prop_id, capacity_l=capacity, frequency=frequency, count=count,
                valid_from=valid_from, valid_to=valid_to, contract_import=imp,
            ))  # fmt: skip
        CollectionContract.objects.bulk_create(new)
        imp.created, imp.errors = len(new), errors
        imp.status = ImportStatus.WITH_ERRORS if errors else ImportStatus.IMPORTED
        imp.save(update_fields=["created", "skipped", "unmatched", "errors", "status"])
        audit_log(actor=actor, action="taxes.waste_contracts_import", obj=imp,
                  details={"rows": imp.rows, "created": imp.created, "skipped": imp.skipped,
                           "unmatched": imp.unmatched, "errors": len(errors), "sha256": sha})  # fmt: skip
    return imp


# --- verification -----------------------------------------------------------------------------------------------


def _lock_month(month: datetime.date) -> None:
    """Serialise the writing of a month's findings (inside the caller's transaction): a counter row per month,
    created when missing and locked."""
    from documents.models import Counter

    key = f"taxes:waste-verify:{month:%Y-%m}"
    Counter.objects.bulk_create([Counter(key=key, value=0)], ignore_conflicts=True)
    Counter.objects.select_for_update().filter(key=key).values_list("pk", flat=True).get()


def _containers_litres(containers) -> int:
    total = 0
    for c in containers or []:
        if isinstance(c, dict):
            total += int(c.get("capacity_l") or 0) * int(c.get("frequency") or 0) * int(c.get("count", 1) or 0)
        elif isinstance(c, (list, tuple)) and len(c) >= 2:
            total += int(c[0]) * int(c[1]) * int(c[2] if len(c) > 2 else 1)
    return total


_IN_FORCE_FIELDS = (
    "id", "property_id", "method", "residents", "containers", "property__kind", "property__address__locality_id",
    "property__address__street_id", "property__address__building_number", "property__address__flat_number",
)  # fmt: skip


def _in_force(month: datetime.date):
    """Per property the accepted declaration in force on the 1st of ``month`` as a plain row (id, property id, method,
    residents, containers, property kind, locality id, street id, building number, flat number):
    ``taxes.selectors_waste.in_force_rows``."""
    return in_force_rows(month, _IN_FORCE_FIELDS)


def _water(month: datetime.date) -> dict[int, Decimal]:
    """Property id → the m³ of the month (all its meter points; readings matched to no property left out)."""
    water: dict[int, Decimal] = defaultdict(Decimal)
    readings = WaterReading.objects.filter(period=month, property__isnull=False).values_list("property_id", "m3")
    for property_id, m3 in readings.iterator(chunk_size=CHUNK):
        water[property_id] += m3
    return water


def _contracted(month: datetime.date) -> dict[int, int]:
    """Property id → litres a month of the collector's contracts valid on the 1st of ``month``."""
    contracted: dict[int, int] = defaultdict(int)
    contracts = (
        CollectionContract.objects.filter(property__isnull=False, valid_from__lte=month)
        .exclude(valid_to__lt=month)
        .values_list("property_id", "capacity_l", "frequency", "count")
    )
    for property_id, capacity, frequency, count in contracts.iterator(chunk_size=CHUNK):
        contracted[property_id] += capacity * frequency * count
    return contracted


def _compare(month: datetime.date, limits: dict) -> tuple[int, list[tuple]]:
    """The declarations in force compared with the evidence: (number of declarations, findings as (declaration id,
    property id, kind, declared, evidence, details)). Memory: the evidence by address / property, not the
    declarations (streamed)."""
    m3_limit = Decimal(str(limits["m3_per_person"]))
    registered, water, contracted = registered_by_address(month), _water(month), _contracted(month)
    checked, found = 0, []
    for pk, prop_id, method, residents, containers, kind, locality, street, building, flat in _in_force(month):
        checked += 1
        if residents is not None:
            key = (locality, street, building.strip().upper(), (flat or "").strip().upper() or None)
            count = registered.get(key, 0)
            if count - residents >= limits["residents"]:
                found.append((pk, prop_id, F.Kind.RESIDENTS, Decimal(residents), Decimal(count),
                              {"registered": count}))  # fmt: skip
        if method == WasteMethod.PER_RESIDENT and residents and prop_id in water:
            m3 = water[prop_id]
            if m3 / residents > m3_limit:
                implied = int((m3 / m3_limit).to_integral_value(ROUND_CEILING))
                details = {"m3": str(m3), "m3_per_person": str(m3_limit), "implied_residents": implied}
                found.append((pk, prop_id, F.Kind.WATER, Decimal(residents), m3, details))
        if kind in (WasteProperty.Kind.NON_RESIDENTIAL, WasteProperty.Kind.MIXED):
            declared_l, contract_l = _containers_litres(containers), contracted.get(prop_id, 0)
            if contract_l > declared_l:
                found.append((pk, prop_id, F.Kind.CONTAINERS, Decimal(declared_l), Decimal(contract_l),
                              {"unit": "l/month"}))  # fmt: skip
    return checked, found


def waste_verify(*, month: datetime.date, thresholds: dict | None = None) -> dict:
    """Compare the declarations in force on the 1st of ``month`` with the evidence and record the findings; a
    finding already recorded for the declaration, month and kind is updated while open, kept otherwise.

    Set-based (issue 9, 100 000 declarations in well under a minute): one query per source — the registered residents
    by address, the water of the month, the valid contracts, the declarations in force (streamed as plain rows) and
    the findings of the month (locked) — then the new findings written in batches and the changed open ones updated
    in batches, in one transaction with the audit event."""
    month = month.replace(day=1)
    limits = {
        "residents": int(getattr(settings, "WASTE_VERIFY_RESIDENTS_MIN", 1)),
        "m3_per_person": Decimal(str(getattr(settings, "WASTE_VERIFY_M3_PER_PERSON", "4.0"))),
        **(thresholds or {}),
    }
    checked, found = _compare(month, limits)
    with transaction.atomic():
        _lock_month(month)  # two runs of a month at once (the nightly task, "verify now"): one after the other
        recorded = (
            F.objects.select_for_update()
            .filter(month=month)
            .order_by()  # no join for the model's ordering: only the findings are locked
            .values_list("declaration_id", "kind", "id", "status", "declared_value", "evidence_value", "details")
        )
        existing = {(row[0], row[1]): row[2:] for row in recorded.iterator(chunk_size=CHUNK)}
        new, changed = [], []
        for declaration_id, prop_id, kind, declared, evidence, details in found:
            earlier = existing.get((declaration_id, kind))
            if earlier is None:
                new.append(F(property_id=prop_id, declaration_id=declaration_id, month=month, kind=kind,
                             declared_value=declared, evidence_value=evidence, details=details))  # fmt: skip
            elif earlier[1] == F.Status.OPEN and earlier[2:] != (declared, evidence, details):
                changed.append(F(pk=earlier[0], declared_value=declared, evidence_value=evidence, details=details))
        F.objects.bulk_create(new, batch_size=WRITE_BATCH)
        F.objects.bulk_update(changed, ["declared_value", "evidence_value", "details"], batch_size=WRITE_BATCH)
        created, updated = len(new), len(changed)
        result = {"month": f"{month:%Y-%m}", "declarations": checked, "created": created, "updated": updated}
        if created or updated:
            audit_log(actor="system", action="taxes.waste_verify", object_type="taxes.verificationfinding",
                      object_repr=f"{month:%m.%Y}", details=result)  # fmt: skip
    return result


def _locked(finding: VerificationFinding, target: str) -> VerificationFinding:
    locked = F.objects.select_for_update().select_related("property", "declaration").get(pk=finding.pk)
    if target not in F.TRANSITIONS[locked.status]:
        raise ApplicationError(_("Only an open finding can be dismissed or turned into a case."),
                               code="invalid_transition")  # fmt: skip
    return locked


def finding_dismiss(*, actor, finding: VerificationFinding, reason: str) -> VerificationFinding:
    """Dismiss an open finding; the reason is required."""
    _require(actor)
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for dismissing the finding.")
        raise ServiceValidationError(message, errors={"reason": [message]})
    with transaction.atomic():
        locked = _locked(finding, F.Status.DISMISSED)
        locked.status, locked.reason = F.Status.DISMISSED, reason
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit_log(actor=actor, action="taxes.waste_finding_dismiss", obj=locked, details={"reason": reason})
    return locked


def finding_open_case(*, actor, finding: VerificationFinding) -> VerificationFinding:
    """Open a case in EZD (JRWA 3120, the actor's unit, the payer as a party) for an open finding."""
    from documents.models import JrwaClass
    from documents.services.cases import case_open

    _require(actor)
    unit = getattr(actor, "org_unit", None)
    if unit is None:
        raise ApplicationError(_("You are not assigned to an organisational unit."), code="no_unit")
    jrwa = JrwaClass.objects.filter(symbol=JRWA_VERIFY, is_leaf=True).order_by("-version__is_current", "-pk").first()
    if jrwa is None:
        raise ApplicationError(_("The JRWA class 3120 is missing."), code="no_jrwa")
    with transaction.atomic():
        locked = _locked(finding, F.Status.CASE_OPENED)
        title = _("Waste fee: verification of the declaration of %(property)s (%(month)s)") % {
            "property": locked.property.identifier,
            "month": f"{locked.month:%m.%Y}",
        }
        case = case_open(actor=actor, unit=unit, jrwa=jrwa, title=title, parties=[locked.declaration.payer])
        locked.status, locked.case = F.Status.CASE_OPENED, case
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "case", "decided_by", "decided_at"])
        audit_log(actor=actor, action="taxes.waste_finding_case", obj=locked, details={"case": case.mark})
    return locked
