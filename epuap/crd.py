"""CRD documents ("Dokument" of the Centralne Repozytorium Wzorów): build a pismo ogólne, parse any form.

Parsing is by namespace, never by prefix: both the prefixed style (``wnio:Dokument`` with declarations on the root,
as in wzór 2013/12/12/1410) and the default-namespace style (each element re-declaring ``xmlns``, as in
2017/10/24/4566) are read. Documents of other forms are parsed generically: ``form_namespace`` is set and the text
is extracted best-effort.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from lxml import etree

from epuap.xmlsafe import parse as safe_parse

NS_WNIO_4566 = "http://crd.gov.pl/wzor/2017/10/24/4566/"
NS_WNIO_1410 = "http://crd.gov.pl/wzor/2013/12/12/1410/"
NS_META = "http://crd.gov.pl/xml/schematy/meta/2009/11/16/"
NS_STR = "http://crd.gov.pl/xml/schematy/struktura/2009/11/16/"
NS_OSO = "http://crd.gov.pl/xml/schematy/osoba/2009/11/16/"
NS_INST = "http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/"
NS_ADR = "http://crd.gov.pl/xml/schematy/adres/2009/11/09/"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XADES = "http://uri.etsi.org/01903/v1.3.2#"

# Local forms of the Magistrowo office (wzory lokalne; not registered in CRD — see docs/integrations/epuap-xml.md).
_LOCAL = "http://epuap.gov.pl/fe-model-web/wzor_lokalny/MAGISTROWO/"
NS_IN1 = _LOCAL + "IN-1/"
NS_DO1 = _LOCAL + "DO-1/"
NS_ZAS = _LOCAL + "ZAS/"

KNOWN_FORMS: dict[str, str] = {
    NS_WNIO_4566: "Pismo ogólne do podmiotu publicznego",
    NS_WNIO_1410: "Pismo ogólne do podmiotu publicznego",
    NS_IN1: "Informacja o nieruchomościach i obiektach budowlanych (IN-1)",
    NS_DO1: "Deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi (DO-1)",
    NS_ZAS: "Wniosek o wydanie zaświadczenia",
}
_FORM_CODES = {
    NS_WNIO_4566: "PISMO_OGOLNE",
    NS_WNIO_1410: "PISMO_OGOLNE",
    NS_IN1: "IN-1",
    NS_DO1: "DO-1",
    NS_ZAS: "ZAS",
}
_CRD_SCHEMA_PREFIX = "http://crd.gov.pl/xml/schematy/"
_SIG_NAMESPACES = {NS_DS, NS_XADES}


#: the taxes app's IN-1 layout (docs/integrations/tax-forms.md), carried inside the local IN-1 (``NS_IN1``) so that the
#: office's "from ePUAP" (taxes.services.declarations.declaration_from_incoming) reads the form
NS_TAXES_IN1 = "urn:magistrat:podatki:IN-1:1"


def taxes_in1(
    *,
    year: int,
    sender: Party,
    objects: list[tuple[str, str, str, str, str]],
    purpose: str = "pierwsza",
    event_date: datetime.date | None = None,
):
    """The taxes IN-1 element (``Informacja``): the sender as the owner, ``objects`` as (element ``Grunt`` /
    ``Budynek``, precinct, parcel, rate category code, area as text) in ZIN-1 with the totals of land and buildings."""
    from decimal import Decimal

    def sub(parent, name, text=None):
        element = etree.SubElement(parent, f"{{{NS_TAXES_IN1}}}{name}")
        if text is not None:
            element.text = text
        return element

    form = etree.Element(f"{{{NS_TAXES_IN1}}}Informacja", nsmap={None: NS_TAXES_IN1}, kodFormularza="IN-1")
    header = sub(form, "Naglowek")
    sub(header, "Rok", str(year))
    sub(header, "Cel", purpose)
    if event_date is not None:
        sub(header, "DataZdarzenia", event_date.isoformat())
    taxpayer = sub(form, "Podatnik")
    if sender.pesel:
        sub(taxpayer, "PESEL", sender.pesel)
    sub(taxpayer, "Imie", sender.first_name)
    sub(taxpayer, "Nazwisko", sender.surname)
    sub(taxpayer, "TytulPrawny", "wlasciciel")
    section = sub(form, "ZIN1")
    totals = {"Grunt": Decimal(0), "Budynek": Decimal(0)}
    for element, precinct, parcel, category, area in objects:
        row = sub(section, element)
        sub(row, "Obreb", precinct)
        if parcel:
            sub(row, "NrDzialki", parcel)
        sub(row, "Kategoria", category)
        sub(row, "Powierzchnia", area)
        totals[element] += Decimal(area)
    summary = sub(section, "Podsumowanie")
    sub(summary, "PowierzchniaGruntow", str(totals["Grunt"]))
    sub(summary, "PowierzchniaBudynkow", str(totals["Budynek"]))
    return form


def form_code(namespace: str) -> str:
    """Short code of a form namespace: "PISMO_OGOLNE", "IN-1", "DO-1", "ZAS"; "UNKNOWN" otherwise."""
    return _FORM_CODES.get(namespace, "UNKNOWN")


@dataclass
class Party:
    """A sender/addressee: a person (first name, surname, PESEL) or an institution (name, NIP)."""

    first_name: str = ""
    surname: str = ""
    pesel: str = ""
    institution_name: str = ""
    nip: str = ""
    email: str = ""

    @property
    def is_person(self) -> bool:
        return not self.institution_name

    @property
    def display_name(self) -> str:
        return self.institution_name or f"{self.first_name} {self.surname}".strip()


@dataclass
class Attachment:
    file_name: str
    mime: str
    content: bytes | None = None
    uri: str | None = None
    description: str = ""


@dataclass
class CrdDocument:
    form_namespace: str
    title: str
    kind: str = "wniosek"
    text_paragraphs: list[str] = field(default_factory=list)
    sender: Party = field(default_factory=Party)
    recipient_name: str = ""
    place: str = ""
    created: datetime.date = field(default_factory=timezone.localdate)
    attachments: list[Attachment] = field(default_factory=list)
    document_name: str = ""
    kind_other: str = ""
    signed: bool = False
    # The addressee in full (a person or an institution); when None, ``recipient_name`` is written as an institution.
    recipient: Party | None = None

    @property
    def form_code(self) -> str:
        return form_code(self.form_namespace)

    @property
    def form_name(self) -> str:
        return KNOWN_FORMS.get(self.form_namespace, "")


# --- building -------------------------------------------------------------------------------------------


def build_pismo_ogolne(doc: CrdDocument) -> bytes:
    """A pismo ogólne (prefixed style, wzór ``doc.form_namespace`` — 4566 by default) as UTF-8 XML, unsigned."""
    ns = doc.form_namespace or NS_WNIO_4566
    nsmap = {"wnio": ns, "meta": NS_META, "str": NS_STR, "oso": NS_OSO, "inst": NS_INST, "adr": NS_ADR}

    def q(parent, uri, tag, text=None, **attrs):
        el = etree.SubElement(parent, f"{{{uri}}}{tag}", **{k: str(v) for k, v in attrs.items()})
        if text is not None:
            el.text = str(text)  # also lazy translation strings
        return el

    def w(parent, tag, text=None, **attrs):
        return q(parent, ns, tag, text, **attrs)

    root = etree.Element(f"{{{ns}}}Dokument", nsmap=nsmap)
    opis = w(root, "OpisDokumentu")
    data = q(opis, NS_META, "Data", typDaty="stworzony")
    q(data, NS_META, "Czas", doc.created.isoformat())
    dane = w(root, "DaneDokumentu")
    q(q(dane, NS_STR, "Naglowek"), NS_STR, "NazwaDokumentu", doc.document_name or KNOWN_FORMS.get(ns, doc.title))
    q(q(dane, NS_META, "Data", typDaty="stworzony"), NS_META, "Czas", doc.created.isoformat())
    adresat = q(q(dane, NS_STR, "Adresaci"), NS_META, "Podmiot")
    _party(adresat, doc.recipient or Party(institution_name=doc.recipient_name), q)
    nadawca = q(q(dane, NS_STR, "Nadawcy"), NS_META, "Podmiot")
    _party(nadawca, doc.sender, q)
    tresc = w(root, "TrescDokumentu", format="text/xml", kodowanie="XML")
    w(tresc, "MiejscowoscDokumentu", doc.place)
    w(tresc, "Tytul", doc.title)
    rodzaj = w(tresc, "RodzajWnioskuRozszerzony", rodzaj=doc.kind)
    if doc.kind == "inne pismo":
        rodzaj.set("jakiInny", doc.kind_other)
    info = w(tresc, "Informacje")
    for paragraph in doc.text_paragraphs:
        w(info, "Informacja", paragraph)
    if doc.attachments:
        zal = q(tresc, NS_STR, "Zalaczniki")
        for att in doc.attachments:
            by_uri = att.content is None
            z = q(
                zal,
                NS_STR,
                "Zalacznik",
                format=att.mime,
                kodowanie="URI" if by_uri else "base64",
                nazwaPliku=att.file_name,
            )
            q(z, NS_STR, "DaneZalacznika", att.uri if by_uri else base64.b64encode(att.content).decode())
            if att.description:
                q(z, NS_STR, "OpisZalacznika", att.description)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _party(podmiot, party: Party, q) -> None:
    if party.institution_name:
        inst = q(podmiot, NS_INST, "Instytucja")
        q(inst, NS_INST, "NazwaInstytucji", party.institution_name)
        if party.nip:
            q(q(inst, NS_INST, "IdInstytucji"), NS_INST, "NIP", party.nip)
        target = inst
    else:
        oso = q(podmiot, NS_OSO, "Osoba")
        if party.pesel:
            q(q(oso, NS_OSO, "IdOsoby"), NS_OSO, "PESEL", party.pesel)
        q(oso, NS_OSO, "Imie", party.first_name)
        q(oso, NS_OSO, "Nazwisko", party.surname)
        target = oso
    if party.email:
        q(q(target, NS_ADR, "Kontakt"), NS_ADR, "Email", party.email)


# --- parsing --------------------------------------------------------------------------------------------


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _first(root, uri: str, local: str):
    return next(root.iter(f"{{{uri}}}{local}"), None)


def _child(parent, uri: str, local: str):
    return parent.find(f"{{{uri}}}{local}") if parent is not None else None


def _parse_party(podmiot) -> Party:
    if podmiot is None:
        return Party()
    inst = _first(podmiot, NS_INST, "Instytucja")
    if inst is not None:
        return Party(
            institution_name=_text(_child(inst, NS_INST, "NazwaInstytucji")),
            nip=_text(_first(inst, NS_INST, "NIP")),
            email=_text(_first(inst, NS_ADR, "Email")),
        )
    oso = _first(podmiot, NS_OSO, "Osoba")
    if oso is None:
        return Party()
    return Party(
        first_name=_text(_child(oso, NS_OSO, "Imie")),
        surname=_text(_child(oso, NS_OSO, "Nazwisko")),
        pesel=_text(_first(oso, NS_OSO, "PESEL")),
        email=_text(_first(oso, NS_ADR, "Email")),
    )


def _parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def _attachments(root) -> list[Attachment]:
    result = []
    for z in root.iter(f"{{{NS_STR}}}Zalacznik"):
        data = _child(z, NS_STR, "DaneZalacznika")
        raw = "".join((data.text or "").split()) if data is not None else ""
        encoding = (z.get("kodowanie") or "").strip().lower()
        content, uri = None, None
        if encoding == "uri":
            uri = raw
        else:
            try:
                content = base64.b64decode(raw, validate=True)
            except (binascii.Error, ValueError):
                content = None
        result.append(
            Attachment(
                file_name=z.get("nazwaPliku") or "",
                mime=z.get("format") or "application/octet-stream",
                content=content,
                uri=uri,
                description=_text(_child(z, NS_STR, "OpisZalacznika")),
            )
        )
    return result


def _generic_paragraphs(tresc) -> list[str]:
    """Best-effort text of an unknown form: every leaf text outside signatures and attachments."""
    paragraphs = []
    for el in tresc.iter(etree.Element):
        uri = etree.QName(el).namespace or ""
        if uri in _SIG_NAMESPACES or uri == NS_STR:
            continue
        if len(el) == 0 and el.text and el.text.strip():
            paragraphs.append(f"{etree.QName(el).localname}: {' '.join(el.text.split())}")
    return paragraphs


def parse_document(data: bytes) -> CrdDocument:
    """Read a CRD document (any form) from XML bytes; raises ``XmlRejected`` for unacceptable XML and
    ``ValueError`` when the root is not a ``Dokument``."""
    root = safe_parse(data)
    qname = etree.QName(root)
    if qname.localname != "Dokument" or not qname.namespace:
        raise ValueError(f"not a CRD document (root element {qname.localname!r})")
    ns = qname.namespace
    dane = _child(root, ns, "DaneDokumentu")
    tresc = _child(root, ns, "TrescDokumentu")
    scope = dane if dane is not None else root
    created = None
    for data_el in scope.iter(f"{{{NS_META}}}Data"):
        if data_el.get("typDaty") == "stworzony":
            created = _parse_date(_text(_child(data_el, NS_META, "Czas")))
            break
    adresaci = _first(scope, NS_STR, "Adresaci")
    nadawcy = _first(scope, NS_STR, "Nadawcy")
    recipient = _parse_party(_first(adresaci, NS_META, "Podmiot") if adresaci is not None else None)
    sender = _parse_party(_first(nadawcy, NS_META, "Podmiot") if nadawcy is not None else None)
    doc = CrdDocument(
        form_namespace=ns,
        title="",
        sender=sender,
        recipient_name=recipient.display_name,
        recipient=recipient,
        created=created or timezone.localdate(),
        attachments=_attachments(tresc if tresc is not None else root),
        document_name=_text(_first(scope, NS_STR, "NazwaDokumentu")),
        signed=root.find(f"{{{NS_DS}}}Signature") is not None,
        kind="",
    )
    if tresc is None:
        return doc
    doc.place = _text(_child(tresc, ns, "MiejscowoscDokumentu"))
    doc.title = _text(_child(tresc, ns, "Tytul")) or doc.document_name or KNOWN_FORMS.get(ns, "")
    rodzaj = _child(tresc, ns, "RodzajWnioskuRozszerzony")
    if rodzaj is not None:
        doc.kind = rodzaj.get("rodzaj") or ""
        doc.kind_other = (rodzaj.get("jakiInny") or "") if doc.kind == "inne pismo" else ""
    informacje = _child(tresc, ns, "Informacje")
    if informacje is not None:
        doc.text_paragraphs = [_text(i) for i in informacje.findall(f"{{{ns}}}Informacja") if _text(i)]
    else:
        doc.text_paragraphs = _generic_paragraphs(tresc)
    return doc


def form_namespace_of(data: bytes) -> str:
    """Namespace of the document's root (the form identifier)."""
    return etree.QName(safe_parse(data)).namespace or ""
