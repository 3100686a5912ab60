"""SOAP 1.1 envelopes of the ePUAP services: reading requests, building responses and faults.

Request and response elements are in the ``obiekty`` namespace with unqualified children (obiektypk.xsd);
WS-Skrytka and WS-Doręczyciel carry their parameters as SOAP header elements in the same namespace.
Parsing goes only through :func:`epuap.xmlsafe.parse`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from dataclasses import dataclass

from lxml import etree

from epuap import xmlsafe

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_OBI = "http://wsdl.epuap.gov.pl/obiekty/"
NSMAP = {"soap": NS_SOAP, "obi": NS_OBI}

# Wyjatek.kod values used by the simulation (the real platform's vocabulary is not published).
KOD_BAD_REQUEST = 100
KOD_SECURITY = 200
KOD_NO_ACCESS = 201
KOD_NO_BOX = 300
KOD_WRONG_DIGEST = 400
KOD_NOT_SIGNED = 500
KOD_TOO_LARGE = 600
KOD_INTERNAL = 900


class SoapFault(Exception):
    """Ends a request with a SOAP Fault whose detail is ``obi:Wyjatek{kod, komunikat}``."""

    def __init__(self, kod: int, komunikat: str, *, faultcode: str = "soap:Client"):
        super().__init__(komunikat)
        self.kod = kod
        self.komunikat = komunikat
        self.faultcode = faultcode


@dataclass
class Request:
    raw: bytes
    root: etree._Element
    body: etree._Element
    operation: etree._Element  # the first element child of Body
    headers: dict[str, etree._Element]  # obi:* header elements by local name

    @property
    def operation_name(self) -> str:
        return etree.QName(self.operation).localname

    def header_text(self, name: str, default: str = "") -> str:
        el = self.headers.get(name)
        return (el.text or "").strip() if el is not None else default

    def header_bool(self, name: str) -> bool:
        return parse_bool(self.header_text(name, "false"))

    def header_base64(self, name: str) -> bytes:
        return decode_base64(self.header_text(name), name)


def parse_request(data: bytes, *, max_bytes: int) -> Request:
    if len(data) > max_bytes:
        raise SoapFault(KOD_TOO_LARGE, "Komunikat przekracza dopuszczalny rozmiar.")
    try:
        root = xmlsafe.parse(data, max_bytes=max_bytes)
    except xmlsafe.XmlRejected as exc:
        raise SoapFault(KOD_BAD_REQUEST, f"Niepoprawny komunikat XML: {exc.reason}") from exc
    if root.tag != f"{{{NS_SOAP}}}Envelope":
        raise SoapFault(KOD_BAD_REQUEST, "Oczekiwano koperty SOAP 1.1 (soap:Envelope).")
    body = root.find(f"{{{NS_SOAP}}}Body")
    if body is None:
        raise SoapFault(KOD_BAD_REQUEST, "Brak elementu soap:Body.")
    operation = next((c for c in body if isinstance(c.tag, str)), None)
    if operation is None:
        raise SoapFault(KOD_BAD_REQUEST, "Pusty element soap:Body.")
    headers: dict[str, etree._Element] = {}
    header = root.find(f"{{{NS_SOAP}}}Header")
    if header is not None:
        for el in header:
            if isinstance(el.tag, str) and etree.QName(el).namespace == NS_OBI:
                headers[etree.QName(el).localname] = el
    return Request(raw=data, root=root, body=body, operation=operation, headers=headers)


def child_text(parent: etree._Element, name: str, default: str = "") -> str:
    """Text of an unqualified child (tolerating a qualified one, as some clients send)."""
    el = parent.find(name)
    if el is None:
        el = parent.find(f"{{{NS_OBI}}}{name}")
    return (el.text or "").strip() if el is not None and el.text else default


def child(parent: etree._Element, name: str) -> etree._Element | None:
    el = parent.find(name)
    return el if el is not None else parent.find(f"{{{NS_OBI}}}{name}")


def parse_bool(value: str) -> bool:
    return value.strip().lower() in ("true", "1")


def decode_base64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SoapFault(KOD_BAD_REQUEST, f"Niepoprawne kodowanie base64 w elemencie {what}.") from exc


def read_dokument(el: etree._Element | None) -> tuple[str, str, bytes]:
    """``DokumentTyp`` → (nazwaPliku, typPliku, zawartosc bytes)."""
    if el is None:
        raise SoapFault(KOD_BAD_REQUEST, "Brak dokumentu.")
    name = child_text(el, "nazwaPliku")
    if not name:
        raise SoapFault(KOD_BAD_REQUEST, "Brak nazwy pliku (nazwaPliku).")
    zawartosc = child(el, "zawartosc")
    if zawartosc is None or not (zawartosc.text or "").strip():
        raise SoapFault(KOD_BAD_REQUEST, "Brak zawartości dokumentu (zawartosc).")
    return name, child_text(el, "typPliku"), decode_base64(zawartosc.text or "", "zawartosc")


# ---------------------------------------------------------------- building


def obi(name: str, **attrs) -> etree._Element:
    return etree.Element(f"{{{NS_OBI}}}{name}", nsmap={"obi": NS_OBI}, **attrs)


def sub(parent: etree._Element, name: str, text: str | None = None, *, nil: bool = False) -> etree._Element:
    el = etree.SubElement(parent, name)
    if nil:
        el.set("{http://www.w3.org/2001/XMLSchema-instance}nil", "true")
    elif text is not None:
        el.text = text
    return el


def sub_status(parent: etree._Element, kod: int, komunikat: str) -> etree._Element:
    status = sub(parent, "status")
    sub(status, "kod", str(kod))
    sub(status, "komunikat", komunikat)
    return status


def sub_dokument(parent: etree._Element, name: str, file_name: str, mime: str, content: bytes) -> etree._Element:
    el = sub(parent, name)
    sub(el, "nazwaPliku", file_name)
    if mime:
        sub(el, "typPliku", mime)
    sub(el, "zawartosc", base64.b64encode(content).decode("ascii"))
    return el


def xml_bool(value: bool) -> str:
    return "true" if value else "false"


def xml_datetime(value: datetime.datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def envelope_tree(payload: etree._Element) -> etree._Element:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP})
    etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    body.append(payload)
    return env


def envelope(payload: etree._Element) -> bytes:
    return etree.tostring(envelope_tree(payload), xml_declaration=True, encoding="UTF-8")


def fault_envelope(kod: int, komunikat: str, *, faultcode: str = "soap:Client") -> bytes:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP})
    etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    fault = etree.SubElement(body, f"{{{NS_SOAP}}}Fault")
    sub(fault, "faultcode", faultcode)
    sub(fault, "faultstring", komunikat)
    detail = sub(fault, "detail")
    wyjatek = etree.SubElement(detail, f"{{{NS_OBI}}}Wyjatek", nsmap={"obi": NS_OBI})
    sub(wyjatek, "kod", str(kod))
    sub(wyjatek, "komunikat", komunikat)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")
