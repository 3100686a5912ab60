"""The CRD-style XML documents the portal builds from the resident's cleaned form data (unsigned; signing and sending
are :mod:`portal.eforms.sending`).

- IN-1 and DO-1: the office's local ePUAP forms (``epuap.crd.NS_IN1`` / ``NS_DO1``: document header, sender,
  addressee, the form's fields as leaf elements of ``TrescDokumentu``) carrying, in ``TrescDokumentu/DaneFormularza``,
  the form in the layout the office reads — ``urn:magistrat:podatki:IN-1:1`` (taxes/data/forms/IN-1.xsd, read by
  ``taxes.services.declarations.declaration_from_incoming``) and ``urn:magistrat:odpady:DO-1:1``
  (taxes/data/forms/DO-1.xsd, read by ``taxes.services.waste_intake.waste_declaration_from_incoming``). Both are
  validated against their XSD before anything is signed.
- the request for a certificate of no arrears: the office's local form ``ZAS`` (``epuap.crd.NS_ZAS``).
- the general letter: the CRD pismo ogólne (wzór 2017/10/24/4566) with the attachments embedded in base64.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from lxml import etree

from epuap import crd
from epuap.xmlsafe import parse as safe_parse
from taxes.domain import forms as tax_forms
from taxes.domain import waste_forms

NS_TAXES_IN1 = crd.NS_TAXES_IN1
NS_DO1_LAYOUT = waste_forms.NAMESPACE

#: form kind → the file name of the sent document (the submissions list tells the forms apart by it)
FILE_NAMES = {
    "in1": "IN-1.xml",
    "do1": "DO-1.xml",
    "certificate": "ZAS-zaswiadczenie.xml",
    "letter": "pismo-ogolne.xml",
}
KIND_OF_FILE_NAME = {name: kind for kind, name in FILE_NAMES.items()}

#: the request's kind in the ZAS form: a certificate of no arrears in taxes and fees (OP art. 306a)
CERTIFICATE_KIND = "niezaleganie-w-podatkach"
CERTIFICATE_TITLE = "Wniosek o wydanie zaświadczenia o niezaleganiu w podatkach lub stwierdzającego stan zaległości"


class DocumentInvalid(ValueError):
    """The built form does not validate against the office's XSD (a programming error: the forms validate first)."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Header:
    """Who sends the document, to whom, where and when."""

    sender: crd.Party
    recipient_name: str
    place: str
    created: datetime.date


@dataclass
class In1Object:
    kind: str  # "land" | "building"
    precinct: str
    parcel: str
    category: str
    area: Decimal
    identifier: str = ""
    area_low: Decimal | None = None


@dataclass
class In1Data:
    year: int
    purpose: str  # pierwsza | korekta | zmiana
    event_date: datetime.date | None
    role: str  # wlasciciel | wspolwlasciciel | uzytkownik_wieczysty | posiadacz
    share: str  # "1/2"
    objects: list[In1Object] = field(default_factory=list)


@dataclass
class Do1Data:
    purpose: str  # pierwsza | korekta | zmiana
    event_date: datetime.date
    locality: str
    street: str
    number: str
    flat: str
    method: str  # od_mieszkanca | od_wody | od_powierzchni | od_gospodarstwa
    residents: int | None = None
    water_m3: Decimal | None = None
    dwelling_m2: Decimal | None = None
    households: int | None = None
    selective: bool = True
    composts: bool = False


@dataclass
class CertificateData:
    purpose: str
    receivables: list[tuple[str, str]]  # (code, label)
    copies: int = 1
    fee_exemption_basis: str = ""


@dataclass
class LetterData:
    subject: str
    text: str
    kind: str = "wniosek"
    attachments: list[crd.Attachment] = field(default_factory=list)


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _sub(parent, ns: str, name: str, text: str | None = None):
    element = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        element.text = text
    return element


def local_form(
    namespace: str, header: Header, *, fields: list[tuple[str, str]], content=None, title: str = ""
) -> bytes:
    """A local form of the office in the CRD document structure: header, addressee, sender (the resident), the
    form's fields as leaf elements of ``TrescDokumentu`` (the office's adapter shows them as "name: value") and
    ``content`` (an element) in ``TrescDokumentu/DaneFormularza``."""
    base = crd.build_pismo_ogolne(
        crd.CrdDocument(
            form_namespace=namespace,
            title=title or crd.KNOWN_FORMS[namespace],
            sender=header.sender,
            recipient_name=header.recipient_name,
            place=header.place,
            created=header.created,
        )
    )
    root = safe_parse(base)
    tresc = root.find(f"{{{namespace}}}TrescDokumentu")
    for child in list(tresc):
        if etree.QName(child).localname not in ("MiejscowoscDokumentu", "Tytul"):
            tresc.remove(child)
    for name, value in fields:
        _sub(tresc, namespace, name, value)
    if content is not None:
        _sub(tresc, namespace, "DaneFormularza").append(content)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# --- IN-1 -------------------------------------------------------------------------------------------------------


def in1_element(data: In1Data, sender: crd.Party):
    """The IN-1 in the office's layout (``Informacja``, urn:magistrat:podatki:IN-1:1), validated against its XSD."""
    ns = NS_TAXES_IN1
    form = etree.Element(f"{{{ns}}}Informacja", nsmap={None: ns}, kodFormularza="IN-1")
    head = _sub(form, ns, "Naglowek")
    _sub(head, ns, "Rok", str(data.year))
    _sub(head, ns, "Cel", data.purpose)
    if data.event_date is not None:
        _sub(head, ns, "DataZdarzenia", data.event_date.isoformat())
    taxpayer = _sub(form, ns, "Podatnik")
    _sub(taxpayer, ns, "PESEL", sender.pesel)
    _sub(taxpayer, ns, "Imie", sender.first_name)
    _sub(taxpayer, ns, "Nazwisko", sender.surname)
    _sub(taxpayer, ns, "TytulPrawny", data.role)
    _sub(taxpayer, ns, "Udzial", data.share)
    section = _sub(form, ns, "ZIN1")
    land = building = Decimal("0")
    for obj in data.objects:
        row = _sub(section, ns, "Grunt" if obj.kind == "land" else "Budynek")
        _sub(row, ns, "Obreb", obj.precinct)
        _sub(row, ns, "NrDzialki", obj.parcel)
        if obj.kind == "building" and obj.identifier:
            _sub(row, ns, "Identyfikator", obj.identifier)
        _sub(row, ns, "Kategoria", obj.category)
        _sub(row, ns, "Powierzchnia", _amount(obj.area))
        if obj.kind == "building" and obj.area_low:
            _sub(row, ns, "PowierzchniaNiska", _amount(obj.area_low))
        if obj.kind == "land":
            land += obj.area
        else:
            building += obj.area
    summary = _sub(section, ns, "Podsumowanie")
    _sub(summary, ns, "PowierzchniaGruntow", _amount(land))
    _sub(summary, ns, "PowierzchniaBudynkow", _amount(building))
    errors = tax_forms.schema_errors("IN-1", form)
    if errors:
        raise DocumentInvalid(errors)
    return form


def in1_document(data: In1Data, header: Header) -> bytes:
    land = sum((o.area for o in data.objects if o.kind == "land"), Decimal("0"))
    building = sum((o.area for o in data.objects if o.kind == "building"), Decimal("0"))
    fields = [
        ("RokPodatkowy", str(data.year)),
        ("CelZlozenia", data.purpose),
        ("LiczbaPrzedmiotowOpodatkowania", str(len(data.objects))),
        ("PowierzchniaGruntowM2", _amount(land)),
        ("PowierzchniaUzytkowaBudynkowM2", _amount(building)),
    ]
    if data.event_date is not None:
        fields.insert(3, ("DataZdarzenia", data.event_date.isoformat()))
    return local_form(crd.NS_IN1, header, fields=fields, content=in1_element(data, header.sender))


# --- DO-1 -------------------------------------------------------------------------------------------------------


def do1_element(data: Do1Data, sender: crd.Party):
    """The DO-1 in the office's layout (``Deklaracja``, urn:magistrat:odpady:DO-1:1), validated against its XSD."""
    ns = NS_DO1_LAYOUT
    form = etree.Element(f"{{{ns}}}Deklaracja", nsmap={None: ns})
    head = _sub(form, ns, "Naglowek")
    _sub(head, ns, "Cel", data.purpose)
    _sub(head, ns, "DataZdarzenia", data.event_date.isoformat())
    payer = _sub(form, ns, "Platnik")
    _sub(payer, ns, "PESEL", sender.pesel)
    _sub(payer, ns, "Imie", sender.first_name)
    _sub(payer, ns, "Nazwisko", sender.surname)
    place = _sub(form, ns, "Nieruchomosc")
    _sub(place, ns, "Miejscowosc", data.locality)
    if data.street:
        _sub(place, ns, "Ulica", data.street)
    _sub(place, ns, "NrDomu", data.number)
    if data.flat:
        _sub(place, ns, "NrLokalu", data.flat)
    fee = _sub(form, ns, "Oplata")
    _sub(fee, ns, "Metoda", data.method)
    if data.residents is not None:
        _sub(fee, ns, "LiczbaMieszkancow", str(data.residents))
    if data.water_m3 is not None:
        _sub(fee, ns, "ZuzycieWody", _amount(data.water_m3))
    if data.dwelling_m2 is not None:
        _sub(fee, ns, "PowierzchniaLokalu", _amount(data.dwelling_m2))
    if data.households is not None:
        _sub(fee, ns, "LiczbaGospodarstw", str(data.households))
    _sub(fee, ns, "Selektywnie", "true" if data.selective else "false")
    _sub(fee, ns, "Kompostownik", "true" if data.composts else "false")
    errors = waste_forms.schema_errors(form)
    if errors:
        raise DocumentInvalid(errors)
    return form


def do1_address(data: Do1Data) -> str:
    street = f"ul. {data.street} " if data.street else ""
    flat = f"/{data.flat}" if data.flat else ""
    return f"{data.locality}, {street}{data.number}{flat}"


def do1_document(data: Do1Data, header: Header) -> bytes:
    fields = [
        ("RodzajDeklaracji", data.purpose),
        ("DataZmiany", data.event_date.isoformat()),
        ("AdresNieruchomosci", do1_address(data)),
        ("MetodaUstaleniaOplaty", data.method),
    ]
    if data.residents is not None:
        fields.append(("LiczbaMieszkancow", str(data.residents)))
    fields += [("Selektywnie", "tak" if data.selective else "nie"), ("Kompostownik", "tak" if data.composts else "nie")]
    return local_form(crd.NS_DO1, header, fields=fields, content=do1_element(data, header.sender))


# --- certificate of no arrears ------------------------------------------------------------------------------------


def certificate_document(data: CertificateData, header: Header) -> bytes:
    """The request for a certificate of no arrears (or stating arrears) in taxes and fees (OP art. 306a–306n)."""
    fields = [
        ("RodzajZaswiadczenia", CERTIFICATE_KIND),
        ("CelWydania", data.purpose),
    ]
    fields += [("Naleznosc", label) for _code, label in data.receivables]
    fields.append(("LiczbaEgzemplarzy", str(data.copies)))
    if data.fee_exemption_basis:
        fields.append(("PodstawaZwolnieniaZOplatySkarbowej", data.fee_exemption_basis))
    return local_form(crd.NS_ZAS, header, fields=fields, title=CERTIFICATE_TITLE)


# --- general letter -----------------------------------------------------------------------------------------------


def letter_paragraphs(text: str) -> list[str]:
    """The letter's text as paragraphs (split on blank lines; single line breaks kept as spaces)."""
    blocks = text.replace("\r\n", "\n").split("\n\n")
    return [" ".join(block.split()) for block in blocks if block.strip()]


def letter_document(data: LetterData, header: Header) -> bytes:
    return crd.build_pismo_ogolne(
        crd.CrdDocument(
            form_namespace=crd.NS_WNIO_4566,
            title=data.subject,
            kind=data.kind,
            kind_other="pismo" if data.kind == "inne pismo" else "",
            text_paragraphs=letter_paragraphs(data.text),
            sender=header.sender,
            recipient_name=header.recipient_name,
            place=header.place,
            created=header.created,
            attachments=data.attachments,
        )
    )


def preview_xml(document: bytes, *, limit: int = 200) -> str:
    """The document as indented text for the preview page; base64 attachment data shortened to ``limit`` chars."""
    root = safe_parse(document)
    for element in root.iter(f"{{{crd.NS_STR}}}DaneZalacznika"):
        if element.text and len(element.text) > limit:
            element.text = f"{element.text[:limit]}… ({len(element.text)} B base64)"
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")
