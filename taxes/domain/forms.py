"""Tax forms (IN-1, DN-1, IR-1, DR-1, IL-1, DL-1, DT-1): filing deadlines, the form XML → payload mapping and the
checks of a payload — pure functions, no ORM (the services pass in holidays and the known rate categories).

The payload (``Declaration.payload``) is the same for a clerk's form and for a parsed ePUAP form::

    {"taxpayer": {"pesel": "", "nip": "", "regon": "", "first_name": "", "surname": "", "name": "",
                  "role": "owner|co_owner|perpetual|possessor|spouse", "share": "1/2"},
     "objects": [{"kind": "land|building|structure|agricultural|forest|vehicle", "event": "acquired|disposed",
                  "precinct": "", "parcel": "", "identifier": "", "category": "<RateCategory.code>",
                  "area": "800.0000", "area_low": "0", "value": "0", "land_type": "", "land_class": "",
                  "reserve": false, "vehicle_mass_kg": null, "vehicle_axles": null,
                  "vehicle_air_suspension": false, "vehicle_seats": null, "vehicle_year": null,
                  "exemption": "<ExemptionReason.code>"}],   # exemption: only the exempt objects (ZIN-2, ZDN-2, …)
     "co_owners": [{"pesel": "", "nip": "", "first_name": "", "surname": "", "name": "", "share": "1/2"}],
     "totals": {"land_area": "…", "building_area": "…", "structure_value": "…",    # optional (Podsumowanie):
                "agricultural_area": "…", "forest_area": "…"},                   # Σ of the taxable objects
     "declared_tax": "1234",                                  # optional: the tax a DN-1 / DR-1 / DL-1 / DT-1 declares
     "declared_tax_by_category": {"<RateCategory.code>": "1200.50"}}   # optional: per group; Σ = declared_tax

``land_type`` of agricultural land: arable, meadow (also pastures), orchard, built_up, pond_salmon, pond_other;
``land_class`` its EGiB class (I, II, IIIa, IIIb, III, IVa, IVb, IV, V, VI, VIz; ``Wsr`` for a pond).

Decimals are strings. See docs/integrations/tax-forms.md for the XML layout.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from django.utils.translation import gettext as _

from core.domain.calendar import deadline, next_working_day
from taxes.domain.engine import round_tax

FORMS = ("IN-1", "DN-1", "IR-1", "DR-1", "IL-1", "DL-1", "DT-1")
#: the object kinds each form may declare
KINDS_OF_FORM = {
    "IN-1": ("land", "building", "structure"),
    "DN-1": ("land", "building", "structure"),
    "IR-1": ("agricultural",),
    "DR-1": ("agricultural",),
    "IL-1": ("forest",),
    "DL-1": ("forest",),
    "DT-1": ("vehicle",),
}
#: the tax of each object kind (mirrors TaxObject.TAX_OF_KIND, kept here to stay ORM-free)
TAX_OF_KIND = {
    "land": "property",
    "building": "property",
    "structure": "property",
    "agricultural": "agricultural",
    "forest": "forest",
    "vehicle": "transport",
}
#: annual filing deadlines (month, day) of the declarations; the information forms (IN-1, IR-1, IL-1) have none
ANNUAL_DEADLINE = {"DN-1": (1, 31), "DR-1": (1, 15), "DL-1": (1, 15), "DT-1": (2, 15)}
EVENT_DAYS = 14
ROLES = ("owner", "co_owner", "perpetual", "possessor", "spouse")
EVENTS = ("acquired", "disposed")
PARCEL_KINDS = ("land", "agricultural", "forest")  # as the register: a parcel number and its precinct required
AREA_KINDS = ("land", "building", "agricultural", "forest")
PURPOSES = ("first", "correction", "change")

FORMS_DIR = Path(__file__).resolve().parent.parent / "data" / "forms"
NAMESPACES = {f"urn:magistrat:podatki:{form}:1": form for form in FORMS}
XSD_OF_FORM = {form: f"{form}.xsd" for form in FORMS}


# --- deadlines ----------------------------------------------------------------------------------------------------


def filing_deadline(
    *, form: str, year: int, event_date: datetime.date | None, holidays: Collection[datetime.date] = ()
) -> datetime.date | None:
    """The last day to file ``form`` for tax ``year`` (OP art. 12 §5: a Saturday, Sunday or holiday moves it to the
    next working day).

    IN-1 / IR-1 / IL-1: 14 days from the event. DN-1: 31 January, DR-1 / DL-1: 15 January, DT-1: 15 February of the
    tax year; for an event in the tax year, 14 days from the event, but never before the annual deadline.
    ``None`` when there is nothing to count from (an information form without an event date).
    """
    annual = ANNUAL_DEADLINE.get(form)
    after_event = deadline(event_date, days=EVENT_DAYS, holidays=holidays) if event_date else None
    if annual is None:
        return after_event
    fixed = next_working_day(datetime.date(year, *annual), holidays)
    if after_event is not None and event_date.year >= year:
        return max(fixed, after_event)
    return fixed


def is_late(*, filed_on: datetime.date, deadline_day: datetime.date | None) -> bool:
    return deadline_day is not None and filed_on > deadline_day


# --- payload checks -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    severity: str = "error"  # "error": the declaration is refused; "warning": recorded, the clerk decides
    object: int | None = None  # 1-based position of the object in the payload

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "severity": self.severity, "object": self.object}


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    tax: str
    unit: str


def parse_share(text: str | None) -> Fraction | None:
    """``"1/2"`` → Fraction(1, 2); ``""``/None → 1; an invalid share → None."""
    text = (text or "").strip()
    if not text:
        return Fraction(1)
    try:
        numerator, _sep, denominator = text.partition("/")
        value = Fraction(int(numerator), int(denominator or 1))
    except (ValueError, ZeroDivisionError):
        return None
    return value if 0 < value <= 1 else None


def decimal_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return Decimal("0")
    try:
        result = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _label(index: int, obj: Mapping) -> str:
    where = " ".join(p for p in (obj.get("precinct") or "", obj.get("parcel") or "") if p).strip()
    where = where or (obj.get("identifier") or "")
    return _("object %(n)s (%(where)s)") % {"n": index, "where": where or "—"}


def check_payload(
    *, form: str, payload: Mapping, categories: Mapping[str, CategoryInfo], exemptions: Mapping[str, str] | None = None
) -> list[Problem]:
    """Every problem of a payload, in order. Errors make the declaration structurally invalid. ``exemptions``
    (ExemptionReason code → tax) checks the exemption codes of the objects when given."""
    problems: list[Problem] = []

    def error(code, message, index=None):
        problems.append(Problem(code, message, "error", index))

    if form not in FORMS:
        error("form", _("Unknown form %(form)s.") % {"form": form})
        return problems
    taxpayer = payload.get("taxpayer") or {}
    if not (taxpayer.get("pesel") or taxpayer.get("nip")):
        error("taxpayer", _("The taxpayer's PESEL or NIP is missing."))
    if (taxpayer.get("role") or "owner") not in ROLES:
        error("role", _("Unknown legal title %(role)s.") % {"role": taxpayer.get("role")})
    own_share = parse_share(taxpayer.get("share"))
    if own_share is None:
        error("share", _("The taxpayer's share %(share)s is not a fraction between 0 and 1.") % {
            "share": taxpayer.get("share")})  # fmt: skip
    objects = payload.get("objects") or []
    if not objects:
        error("objects", _("The form declares no object."))
    allowed = KINDS_OF_FORM[form]
    sums = {key: Decimal("0") for key, _name in TOTALS_OF_XML}
    for index, obj in enumerate(objects, start=1):
        label = _label(index, obj)
        kind = obj.get("kind")
        if kind not in allowed:
            error("kind", _("%(object)s: form %(form)s does not declare objects of kind %(kind)s.") % {
                "object": label, "form": form, "kind": kind}, index)  # fmt: skip
            continue
        if (obj.get("event") or "acquired") not in EVENTS:
            error("event", _("%(object)s: unknown event %(event)s.") % {"object": label, "event": obj.get("event")},
                  index)  # fmt: skip
        if kind in PARCEL_KINDS and not (obj.get("parcel") or "").strip():
            error("parcel", _("%(object)s: the parcel number is missing.") % {"object": label}, index)
        elif kind in PARCEL_KINDS and not (obj.get("precinct") or "").strip():
            error("precinct", _("%(object)s: the precinct (obręb) is missing.") % {"object": label}, index)
        if kind in ("building", "structure") and not ((obj.get("parcel") or "").strip()
                                                      or (obj.get("identifier") or "").strip()):  # fmt: skip
            error("parcel", _("%(object)s: neither the parcel number nor the building identifier is given.")
                  % {"object": label}, index)  # fmt: skip
        if kind == "vehicle":
            if not (obj.get("identifier") or "").strip():
                error("registration", _("%(object)s: the registration number is missing.") % {"object": label},
                      index)  # fmt: skip
            if not obj.get("vehicle_mass_kg"):
                error("mass", _("%(object)s: the permissible mass is missing.") % {"object": label}, index)
        if obj.get("event") == "disposed":
            continue  # a sale names the object; its description is not needed
        code = obj.get("category") or ""
        if kind == "vehicle" and obj.get("vehicle_mass_kg"):  # the transport tax class from the vehicle data
            from taxes.domain.vehicles import expected_vehicle_class

            code, problem = expected_vehicle_class(obj, code, obj.get("vehicle_kind") or "")
            if problem:
                error("category", _("%(object)s: %(problem)s") % {"object": label, "problem": problem}, index)
                continue
        category = categories.get(code)
        if category is None:
            error("category", _("%(object)s: unknown category %(code)s.") % {"object": label, "code": code or "—"},
                  index)  # fmt: skip
        elif category.tax != TAX_OF_KIND[kind]:
            error("category", _("%(object)s: category %(code)s belongs to another tax.") % {
                "object": label, "code": code}, index)  # fmt: skip
        amounts = {}
        for field, name in (("area", _("area")), ("area_low", _("area of height 1.40–2.20 m")), ("value", _("value"))):
            amount = decimal_or_none(obj.get(field))
            if amount is None:
                error("number", _("%(object)s: the %(field)s %(value)s is not a number.") % {
                    "object": label, "field": name, "value": obj.get(field)}, index)  # fmt: skip
            elif amount < 0:
                error("negative", _("%(object)s: the %(field)s cannot be negative (%(value)s).") % {
                    "object": label, "field": name, "value": obj.get(field)}, index)  # fmt: skip
            amounts[field] = amount
        area, area_low = amounts.get("area"), amounts.get("area_low")
        if area is not None and area_low is not None and area_low > area >= 0:
            error("area_low", _("%(object)s: the area of height 1.40–2.20 m (%(low)s) exceeds the area (%(area)s).")
                  % {"object": label, "low": area_low, "area": area}, index)  # fmt: skip
        if kind in AREA_KINDS and area is not None and area == 0:
            error("area", _("%(object)s: the area must be greater than zero.") % {"object": label}, index)
        if kind == "agricultural" and not (obj.get("land_class") and obj.get("land_type")):
            error("land_class", _("%(object)s: the land class and type are missing.") % {"object": label}, index)
        elif kind == "agricultural":
            land_type, land_class = obj["land_type"], obj["land_class"]
            if land_type not in CLASSES_OF_LAND_TYPE:
                error("land_type", _("%(object)s: unknown land use %(type)s.") % {"object": label, "type": land_type},
                      index)  # fmt: skip
            elif land_class not in CLASSES_OF_LAND_TYPE[land_type]:
                error("land_class", _("%(object)s: %(class)s is not a land register class of %(type)s (allowed: "
                                      "%(allowed)s).") % {"object": label, "class": land_class, "type": land_type,
                                                          "allowed": ", ".join(CLASSES_OF_LAND_TYPE[land_type])},
                      index)  # fmt: skip
        exemption = obj.get("exemption") or ""
        if exemption and exemptions is not None:
            if exemption not in exemptions:
                error("exemption", _("%(object)s: unknown exemption reason %(code)s.") % {
                    "object": label, "code": exemption}, index)  # fmt: skip
            elif exemptions[exemption] != TAX_OF_KIND[kind]:
                error("exemption", _("%(object)s: exemption %(code)s belongs to another tax.") % {
                    "object": label, "code": exemption}, index)  # fmt: skip
        if exemption:
            continue  # the totals (Podsumowanie) are those of the taxable objects
        if area is not None and area >= 0 and kind in ("land", "building", "agricultural", "forest"):
            sums[f"{kind}_area"] += area
        value = amounts.get("value")
        if kind == "structure" and value is not None and value >= 0:
            sums["structure_value"] += value
    totals = payload.get("totals") or {}
    labels = {
        "land_area": _("the total area of land"),
        "building_area": _("the total usable area of buildings"),
        "structure_value": _("the total value of structures"),
        "agricultural_area": _("the total area of agricultural land"),
        "forest_area": _("the total area of forests"),
    }
    for key, declared in totals.items():
        if key not in sums or declared in (None, ""):
            continue
        amount = decimal_or_none(declared)
        if amount is None or amount != sums[key]:
            error("totals", _("The totals do not add up: %(what)s is %(declared)s, the objects sum to %(sum)s.") % {
                "what": labels[key], "declared": declared, "sum": sums[key]})  # fmt: skip
    problems += _declared_tax_problems(form, payload, categories)
    total_share = own_share or Fraction(0)
    for number, co_owner in enumerate(payload.get("co_owners") or [], start=1):
        if not (co_owner.get("pesel") or co_owner.get("nip")):
            error("co_owner", _("Co-owner %(n)s: the PESEL or NIP is missing.") % {"n": number})
        share = parse_share(co_owner.get("share"))
        if share is None or not (co_owner.get("share") or "").strip():
            error("share", _("Co-owner %(n)s: the share %(share)s is not a fraction between 0 and 1.") % {
                "n": number, "share": co_owner.get("share") or "—"})  # fmt: skip
        else:
            total_share += share
    if total_share > 1:
        error("shares", _("The shares add up to %(total)s, more than the whole.") % {"total": str(total_share)})
    return problems


def _declared_tax_problems(form: str, payload: Mapping, categories: Mapping[str, CategoryInfo]) -> list[Problem]:
    """The tax a declaration of a legal person states: numbers, not negative, per group of a category of the form's
    tax, the groups adding up to the total (exactly, or rounded to full złoty as the form's total is)."""
    problems: list[Problem] = []
    groups = payload.get("declared_tax_by_category") or {}
    total_text = payload.get("declared_tax")
    if not groups and total_text in (None, ""):
        return problems
    taxes = {TAX_OF_KIND[kind] for kind in KINDS_OF_FORM[form]}
    amounts = []
    for code, text in [*groups.items(), (None, total_text)]:
        if code is None and total_text in (None, ""):
            continue
        amount = decimal_or_none(text)
        what = _("The declared tax") if code is None else _("The declared tax of %(code)s") % {"code": code}
        if amount is None or text in (None, ""):
            problems.append(Problem("declared_tax", _("%(what)s: %(value)s is not a number.") % {
                "what": what, "value": text or "—"}))  # fmt: skip
            continue
        if amount < 0:
            problems.append(Problem("declared_tax", _("%(what)s cannot be negative (%(value)s).") % {
                "what": what, "value": text}))  # fmt: skip
        if code is not None:
            category = categories.get(code)
            if category is None or category.tax not in taxes:
                problems.append(
                    Problem(
                        "declared_tax",
                        _("The declared tax names category %(code)s, which is not a category of form %(form)s.")
                        % {"code": code, "form": form},
                    )
                )
            amounts.append(amount)
    total = decimal_or_none(total_text) if total_text not in (None, "") else None
    exact_sum = sum(amounts, Decimal("0"))
    if groups and total is not None and not problems and total not in (exact_sum, round_tax(exact_sum)):
        problems.append(Problem("declared_tax", _("The declared tax does not add up: the total is %(total)s, the "
                                                  "groups sum to %(sum)s.") % {
            "total": total_text, "sum": exact_sum}))  # fmt: skip
    return problems


# --- XML → payload ------------------------------------------------------------------------------------------------


class FormNotRecognised(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_form(root) -> tuple[str, object]:
    """The form code and its element: the root itself or an element in a known namespace inside an envelope
    (an ePUAP / CRD document carries it in ``TrescDokumentu``)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        namespace = element.tag[1:].partition("}")[0] if element.tag.startswith("{") else ""
        if namespace in NAMESPACES:
            return NAMESPACES[namespace], element
    namespaces = sorted({e.tag[1:].partition("}")[0] for e in root.iter() if isinstance(e.tag, str)
                         and e.tag.startswith("{")})  # fmt: skip
    raise FormNotRecognised(
        _("The document is not a known tax form (root element %(root)s, namespaces: %(ns)s); known forms: %(known)s.")
        % {
            "root": root.tag.rpartition("}")[2] if isinstance(root.tag, str) else "?",
            "ns": ", ".join(namespaces) or "—",
            "known": ", ".join(sorted(NAMESPACES.values())),
        }
    )


def schema_errors(form: str, element) -> list[str]:
    """XSD validation of the form element (taxes/data/forms/<form>.xsd); the messages name the line and element."""
    from lxml import etree

    schema = _schema(form)
    document = etree.ElementTree(_detached(element))
    if schema.validate(document):
        return []
    return [_("Line %(line)s: %(message)s") % {"line": err.line, "message": err.message} for err in schema.error_log][
        :20
    ]


_SCHEMAS: dict[str, object] = {}


def _schema(form: str):
    from lxml import etree

    if form not in _SCHEMAS:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        _SCHEMAS[form] = etree.XMLSchema(etree.parse(str(FORMS_DIR / XSD_OF_FORM[form]), parser))
    return _SCHEMAS[form]


def _detached(element):
    from copy import deepcopy

    return deepcopy(element)


def _t(parent, name: str, ns: str) -> str:
    if parent is None:
        return ""
    child = parent.find(f"{{{ns}}}{name}")
    return (child.text or "").strip() if child is not None and child.text else ""


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "tak")


def _int(text: str) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


PURPOSE_OF_XML = {"pierwsza": "first", "korekta": "correction", "zmiana": "change"}
ROLE_OF_XML = {
    "wlasciciel": "owner",
    "wspolwlasciciel": "co_owner",
    "uzytkownik_wieczysty": "perpetual",
    "posiadacz": "possessor",
    "malzonek": "spouse",
}
EVENT_OF_XML = {"nabycie": "acquired", "zbycie": "disposed"}
KIND_OF_ELEMENT = {
    "Grunt": "land",
    "Budynek": "building",
    "Budowla": "structure",
    "UzytekRolny": "agricultural",
    "Las": "forest",
    "Pojazd": "vehicle",
}
#: the sections of each form: taxable objects (ZIN-1 …), exempt objects (ZIN-2 …, each with its ``Zwolnienie``
#: code) and other taxpayers / co-owners (ZIN-3 …)
SECTIONS = {
    "IN-1": ("ZIN1", "ZIN2", "ZIN3"),
    "DN-1": ("ZDN1", "ZDN2", None),
    "IR-1": ("ZIR1", "ZIR2", "ZIR3"),
    "DR-1": ("ZDR1", "ZDR2", None),
    "IL-1": ("ZIL1", "ZIL2", "ZIL3"),
    "DL-1": ("ZDL1", "ZDL2", None),
    "DT-1": ("DT1A", None, None),
}
#: ``Podsumowanie`` elements → ``totals`` keys (each must equal the sum over the taxable objects)
TOTALS_OF_XML = (
    ("land_area", "PowierzchniaGruntow"),
    ("building_area", "PowierzchniaBudynkow"),
    ("structure_value", "WartoscBudowli"),
    ("agricultural_area", "PowierzchniaUzytkowRolnych"),
    ("forest_area", "PowierzchniaLasow"),
)
#: EGiB land use (symbol of the użytek) → ``land_type`` of the register (hectare multipliers, upr art. 4)
LAND_TYPE_OF_EGIB = {"R": "arable", "Ł": "meadow", "Ps": "meadow", "S": "orchard", "Br": "built_up"}
POND_EGIB = "Wsr"
#: the EGiB classes each land type may have (the multiplier table: arable IIIa/IIIb/IVa/IVb, meadows III/IV;
#: orchards take the arable multipliers, III → IIIa, IV → IVa)
ARABLE_CLASSES = ("I", "II", "IIIa", "IIIb", "IVa", "IVb", "V", "VI", "VIz")
CLASSES_OF_LAND_TYPE = {
    "arable": ARABLE_CLASSES,
    "orchard": (*ARABLE_CLASSES, "III", "IV"),
    "built_up": (*ARABLE_CLASSES, "III", "IV"),
    "meadow": ("I", "II", "III", "IV", "V", "VI", "VIz"),
    "pond_salmon": (POND_EGIB,),
    "pond_other": (POND_EGIB,),
}
#: a gospodarstwo rolne has more than 1 ha (the default category of an IR-1 / DR-1 without ``Kategoria``)
FARM_AREA = Decimal("1")


@dataclass
class ParsedForm:
    form: str
    year: int | None
    purpose: str
    event_date: datetime.date | None
    payload: dict


def _person(element, ns: str) -> dict:
    return {
        "pesel": _t(element, "PESEL", ns),
        "nip": _t(element, "NIP", ns),
        "first_name": _t(element, "Imie", ns),
        "surname": _t(element, "Nazwisko", ns),
        "name": _t(element, "Nazwa", ns),
    }


def _local(element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def _object(kind: str, child, ns: str) -> dict:
    obj = {
        "kind": kind,
        "event": EVENT_OF_XML.get(child.get("zdarzenie", "nabycie"), "acquired"),
        "precinct": _t(child, "Obreb", ns),
        "parcel": _t(child, "NrDzialki", ns),
        "identifier": _t(child, "NrRejestracyjny", ns) if kind == "vehicle" else _t(child, "Identyfikator", ns),
        "category": _t(child, "Kategoria", ns),
        "area": _t(child, "Powierzchnia", ns) or "0",
        "area_low": _t(child, "PowierzchniaNiska", ns) or "0",
        "value": _t(child, "Wartosc", ns) or "0",
    }
    if kind == "vehicle":
        obj.update(
            vehicle_mass_kg=_int(_t(child, "DMC", ns)),
            vehicle_axles=_int(_t(child, "Osie", ns)),
            vehicle_air_suspension=_bool(_t(child, "ZawieszeniePneumatyczne", ns)),
            vehicle_seats=_int(_t(child, "Miejsca", ns)),
            vehicle_year=_int(_t(child, "RokProdukcji", ns)),
        )
    elif kind == "agricultural":
        use, land_class = _t(child, "Uzytek", ns), _t(child, "Klasa", ns)
        if use == POND_EGIB:
            obj["land_type"] = "pond_salmon" if _bool(_t(child, "RybyLososiowate", ns)) else "pond_other"
            land_class = land_class or POND_EGIB  # a pond has no soil class in the EGiB
        else:
            obj["land_type"] = LAND_TYPE_OF_EGIB.get(use, use)
        obj["land_class"] = land_class
    elif kind == "forest":
        obj["reserve"] = _bool(_t(child, "Rezerwat", ns))
        obj["category"] = obj["category"] or ("forest_reserve" if obj["reserve"] else "forest")
    exemption = _t(child, "Zwolnienie", ns)
    if exemption:
        obj["exemption"] = exemption
    return obj


def _objects(container, ns: str) -> list[dict]:
    objects = []
    for child in container if container is not None else []:
        kind = KIND_OF_ELEMENT.get(_local(child))
        if kind is not None:
            objects.append(_object(kind, child, ns))
    return objects


def map_form(form: str, element) -> ParsedForm:
    """A validated form element → (year, purpose, event date, payload). Every form has the same frame: ``Naglowek``
    (year, purpose, event date), ``Podatnik``, the taxable objects (ZIN-1, ZDN-1, ZIR-1, …, DT-1/A) with an optional
    ``Podsumowanie``, the exempt objects (ZIN-2, ZDN-2, …, each with its exemption code), the co-owners (ZIN-3, …)
    and, on the declarations of legal persons, the declared tax (``Podatek``)."""
    ns = element.tag[1:].partition("}")[0]
    header = element.find(f"{{{ns}}}Naglowek")
    year = _int(_t(header, "Rok", ns))
    purpose = PURPOSE_OF_XML.get(_t(header, "Cel", ns), "first")
    event_text = _t(header, "DataZdarzenia", ns)
    event_date = datetime.date.fromisoformat(event_text) if event_text else None
    taxpayer_el = element.find(f"{{{ns}}}Podatnik")
    taxpayer = _person(taxpayer_el, ns)
    regon = _t(taxpayer_el, "REGON", ns)
    if regon:
        taxpayer["regon"] = regon
    taxpayer["role"] = ROLE_OF_XML.get(_t(taxpayer_el, "TytulPrawny", ns), "owner")
    taxpayer["share"] = _t(taxpayer_el, "Udzial", ns) or "1/1"
    taxable_name, exempt_name, others_name = SECTIONS[form]
    container = element.find(f"{{{ns}}}{taxable_name}")
    objects = _objects(container, ns)
    if exempt_name:
        objects += _objects(element.find(f"{{{ns}}}{exempt_name}"), ns)
    if form in ("IR-1", "DR-1"):
        physical = sum((decimal_or_none(o["area"]) or Decimal("0") for o in objects if o["event"] == "acquired"),
                       Decimal("0"))  # fmt: skip
        for obj in objects:
            obj["category"] = obj["category"] or ("agri_farm" if physical > FARM_AREA else "agri_other")
    payload: dict = {"taxpayer": taxpayer, "objects": objects, "co_owners": []}
    summary = container.find(f"{{{ns}}}Podsumowanie") if container is not None else None
    if summary is not None:
        payload["totals"] = {key: _t(summary, name, ns) for key, name in TOTALS_OF_XML if _t(summary, name, ns)}
    others = element.find(f"{{{ns}}}{others_name}") if others_name else None
    for person in others if others is not None else []:
        if _local(person) == "Wspolwlasciciel":
            payload["co_owners"].append({**_person(person, ns), "share": _t(person, "Udzial", ns)})
    tax = element.find(f"{{{ns}}}Podatek")
    if tax is not None:
        groups = {
            amount.get("kategoria"): (amount.text or "").strip()
            for amount in tax
            if _local(amount) == "Kwota" and amount.get("kategoria")
        }
        if groups:
            payload["declared_tax_by_category"] = groups
        if _t(tax, "Razem", ns):
            payload["declared_tax"] = _t(tax, "Razem", ns)
    return ParsedForm(form=form, year=year, purpose=purpose, event_date=event_date, payload=payload)


# --- register operations ------------------------------------------------------------------------------------------


def first_of_next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def last_of_month(day: datetime.date) -> datetime.date:
    return first_of_next_month(day) - datetime.timedelta(days=1)


def obligation_dates(*, year: int, event_date: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """(valid_from of an acquisition, valid_to of a disposal): the obligation starts on the 1st day of the month
    after the event and ends with the month of the event (upol art. 6 ust. 1, 3); without an event date, from
    1 January of the tax year."""
    if event_date is None:
        return datetime.date(year, 1, 1), datetime.date(year - 1, 12, 31)
    return first_of_next_month(event_date), last_of_month(event_date)


VERSION_FIELDS = (
    "area",
    "area_low",
    "value",
    "land_type",
    "land_class",
    "reserve",
    "vehicle_mass_kg",
    "vehicle_axles",
    "vehicle_air_suspension",
    "vehicle_seats",
    "vehicle_year",
    "exemption",
    "vehicle_kind",
)


def version_fields(obj: Mapping) -> dict:
    """The ObjectVersion fields of a payload object (decimals as strings, category by code)."""
    fields = {"category": obj.get("category") or ""}
    for name in VERSION_FIELDS:
        if name not in obj or obj[name] in (None, ""):
            continue
        value = obj[name]
        if name in ("area", "area_low", "value"):
            value = str(decimal_or_none(value))
        fields[name] = value
    return fields
