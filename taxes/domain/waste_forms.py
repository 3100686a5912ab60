"""The waste fee declaration DO-1 (deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi, ucpg art. 6m)
sent from ePUAP / e-Doręczenia: recognition by its namespace anywhere in an envelope, XSD validation
(taxes/data/forms/DO-1.xsd) and the mapping to the arguments of
``taxes.services.waste_declarations.waste_declaration_record`` — pure functions, no ORM. The layout is documented in
docs/integrations/waste-declaration.md."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from taxes.domain.forms import FormNotRecognised

FORM = "DO-1"
NAMESPACE = "urn:magistrat:odpady:DO-1:1"
XSD = Path(__file__).resolve().parent.parent / "data" / "forms" / "DO-1.xsd"
PURPOSE_OF_XML = {"pierwsza": "first", "korekta": "correction", "zmiana": "change"}
METHOD_OF_XML = {
    "od_mieszkanca": "per_resident",
    "od_wody": "per_m3",
    "od_powierzchni": "per_m2",
    "od_gospodarstwa": "per_household",
}


@dataclass
class WasteForm:
    purpose: str
    event_date: datetime.date
    payer: dict
    address: dict
    method: str
    residents: str = ""
    water_m3: str = ""
    dwelling_m2: str = ""
    households: str = ""
    selective: bool = True
    composts: bool = False
    exemptions: list[str] = field(default_factory=list)
    containers: list[dict] = field(default_factory=list)


def find_waste_form(root):
    """The DO-1 element: the root itself or an element in its namespace inside an envelope (``TrescDokumentu``)."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(f"{{{NAMESPACE}}}"):
            return element
    namespaces = sorted({e.tag[1:].partition("}")[0] for e in root.iter() if isinstance(e.tag, str)
                         and e.tag.startswith("{")})  # fmt: skip
    raise FormNotRecognised(
        _(
            "The document is not a waste fee declaration DO-1 (root element %(root)s, namespaces: %(ns)s); expected "
            "the namespace %(expected)s."
        )
        % {
            "root": root.tag.rpartition("}")[2] if isinstance(root.tag, str) else "?",
            "ns": ", ".join(namespaces) or "—",
            "expected": NAMESPACE,
        }
    )


_SCHEMA: list = []


def schema_errors(element) -> list[str]:
    """XSD validation of the DO-1 element; the messages name the line and the element."""
    from copy import deepcopy

    from lxml import etree

    if not _SCHEMA:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        _SCHEMA.append(etree.XMLSchema(etree.parse(str(XSD), parser)))
    schema = _SCHEMA[0]
    if schema.validate(etree.ElementTree(deepcopy(element))):
        return []
    return [_("Line %(line)s: %(message)s") % {"line": err.line, "message": err.message} for err in schema.error_log][
        :20
    ]


def _t(parent, name: str) -> str:
    if parent is None:
        return ""
    child = parent.find(f"{{{NAMESPACE}}}{name}")
    return (child.text or "").strip() if child is not None and child.text else ""


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true")


def map_waste_form(element) -> WasteForm:
    """A validated DO-1 element → the declared data (numbers stay text: the service checks them)."""
    ns = f"{{{NAMESPACE}}}"
    header, payer, place, fee = (element.find(ns + name) for name in ("Naglowek", "Platnik", "Nieruchomosc", "Oplata"))
    containers = [
        {"capacity_l": _t(c, "Pojemnosc"), "frequency": _t(c, "Czestotliwosc"), "count": _t(c, "Liczba") or "1"}
        for c in fee.findall(ns + "Pojemnik")
    ]
    return WasteForm(
        purpose=PURPOSE_OF_XML[_t(header, "Cel")],
        event_date=datetime.date.fromisoformat(_t(header, "DataZdarzenia")),
        payer={
            "pesel": _t(payer, "PESEL"),
            "nip": _t(payer, "NIP"),
            "first_name": _t(payer, "Imie"),
            "surname": _t(payer, "Nazwisko"),
            "name": _t(payer, "Nazwa"),
        },
        address={
            "locality": _t(place, "Miejscowosc"),
            "street": _t(place, "Ulica"),
            "number": _t(place, "NrDomu"),
            "flat": _t(place, "NrLokalu"),
        },
        method=METHOD_OF_XML[_t(fee, "Metoda")],
        residents=_t(fee, "LiczbaMieszkancow"),
        water_m3=_t(fee, "ZuzycieWody"),
        dwelling_m2=_t(fee, "PowierzchniaLokalu"),
        households=_t(fee, "LiczbaGospodarstw"),
        selective=_bool(_t(fee, "Selektywnie")),
        composts=_bool(_t(fee, "Kompostownik")),
        exemptions=[(e.text or "").strip() for e in fee.findall(ns + "Zwolnienie") if (e.text or "").strip()],
        containers=containers,
    )


def normalised(text: str) -> str:
    """An address part for comparison: case, spaces and the "ul." prefix ignored."""
    text = " ".join((text or "").split()).casefold()
    return text[3:].strip() if text.startswith("ul.") else text
