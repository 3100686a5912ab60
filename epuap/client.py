"""The office's SOAP client for ePUAP (WS-Pull, WS-Skrytka, WS-Doręczyciel).

Builds request envelopes exactly as the WSDL/XSD (``http://wsdl.epuap.gov.pl/obiekty/``, children unqualified;
``nadaj``/``dorecz`` parameters as SOAP headers), signs them with the office system's credential
(WS-Security), sends them through a :class:`~epuap.transport.Transport`, verifies that the response is signed
by the platform's certificate, and turns ``status`` / SOAP Faults (``Wyjatek{kod, komunikat}``) into values
or exceptions. Responses are parsed only through :mod:`epuap.xmlsafe`.

The client never imports the simulated platform: switching to the real endpoints is configuration.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.utils.dateparse import parse_datetime
from lxml import etree

from epuap import pki, wssecurity, xmlsafe
from epuap.transport import Transport, TransportError, default_transport

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_OBI = "http://wsdl.epuap.gov.pl/obiekty/"
ACTION_PULL = "http://ws.epuap.gov.pl/pull/"
ACTION_SKRYTKA = "http://ws.epuap.gov.pl/skrytka/"
ACTION_DORECZYCIEL = "http://ws.epuap.gov.pl/doreczyciel/"

STATUS_OK = 1
STATUS_EMPTY = 0


class PlatformError(Exception):
    """The platform could not be used: transport failure, malformed or unsigned response."""


class ResponseSignatureInvalid(PlatformError):
    """The response is not signed by the platform's certificate."""


class PlatformFault(PlatformError):
    """The platform answered with a SOAP Fault (``Wyjatek``) or an error status."""

    def __init__(self, kod: int | None, komunikat: str):
        super().__init__(f"[{kod}] {komunikat}")
        self.kod = kod
        self.komunikat = komunikat


def skrot_of(content: bytes) -> str:
    """Base64 SHA-1 of the exact ``zawartosc`` bytes — the key ``potwierdzOdebranie`` expects."""
    return base64.b64encode(hashlib.sha1(content).digest()).decode("ascii")  # noqa: S324 (protocol-mandated)


@dataclass(frozen=True)
class Box:
    """A box of a podmiot: address ``/{podmiot}/{nazwa}``."""

    podmiot: str
    name: str

    @property
    def address(self) -> str:
        return f"/{self.podmiot}/{self.name}"

    @classmethod
    def from_address(cls, address: str) -> Box:
        parts = [p for p in address.strip().split("/") if p]
        if len(parts) != 2:
            raise ValueError(f"box address must be /podmiot/skrytka, got {address!r}")
        return cls(podmiot=parts[0], name=parts[1])


@dataclass(frozen=True)
class PulledDocument:
    """One ``OdpowiedzPullPobierz``: the document bytes and what the platform says about the sender."""

    content: bytes
    file_name: str
    mime_type: str
    sender: dict = field(default_factory=dict)
    submitted_at: datetime.datetime | None = None
    box_name: str = ""
    box_address: str = ""
    reply_address: str = ""
    is_test: bool = False
    extra_data: bytes = b""
    platform_document_id: str = ""
    upp_reference: str = ""

    @cached_property
    def skrot(self) -> str:
        return skrot_of(self.content)


@dataclass(frozen=True)
class SendResult:
    status_kod: int
    status_message: str
    document_id: str
    upp_id: str = ""
    upp: bytes = b""
    order_id: str = ""


# --- XML helpers ------------------------------------------------------------------------------------------


def _obi(name: str) -> etree._Element:
    return etree.Element(f"{{{NS_OBI}}}{name}", nsmap={"obi": NS_OBI})


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, name)
    if text is not None:
        el.text = text
    return el


def _envelope(payload: etree._Element, headers: list[etree._Element] | None = None) -> bytes:
    env = etree.Element(f"{{{NS_SOAP}}}Envelope", nsmap={"soap": NS_SOAP, "obi": NS_OBI})
    header = etree.SubElement(env, f"{{{NS_SOAP}}}Header")
    for h in headers or []:
        header.append(h)
    body = etree.SubElement(env, f"{{{NS_SOAP}}}Body")
    body.append(payload)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _header(name: str, text: str) -> etree._Element:
    el = _obi(name)
    el.text = text
    return el


def _text(parent: etree._Element | None, name: str, default: str = "") -> str:
    if parent is None:
        return default
    el = parent.find(name)
    if el is None:
        el = parent.find(f"{{{NS_OBI}}}{name}")
    if el is None or el.text is None:
        return default
    return el.text.strip()


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    el = parent.find(name)
    return el if el is not None else parent.find(f"{{{NS_OBI}}}{name}")


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError as exc:
        raise PlatformError(f"invalid base64 in {what}") from exc


def _bool(text: str) -> bool:
    return text.strip().lower() in ("true", "1")


def _extra_ids(extra: bytes) -> tuple[str, str]:
    """(document id, UPP id) from ``daneDodatkowe`` (XML; ``(//IdentyfikatorDokumentu)[last()]``), if present."""
    if not extra.strip():
        return "", ""
    try:
        root = xmlsafe.parse(extra, max_bytes=1024 * 1024)
    except xmlsafe.XmlRejected:
        return "", ""

    def last(local: str) -> str:
        found = [
            el.text.strip()
            for el in root.iter()
            if isinstance(el.tag, str) and etree.QName(el).localname == local and el.text
        ]
        return found[-1] if found else ""

    return last("IdentyfikatorDokumentu"), last("IdentyfikatorUpp")


# --- The client -------------------------------------------------------------------------------------------


class EpuapClient:
    def __init__(
        self,
        *,
        transport: Transport | None = None,
        credential: pki.Credential | None = None,
        platform_certificates: list | None = None,
        podmiot: str | None = None,
    ):
        self.transport = transport or default_transport()
        self._credential = credential
        self._platform_certificates = platform_certificates
        self.podmiot = podmiot or settings.EPUAP_PODMIOT

    @property
    def credential(self) -> pki.Credential:
        if self._credential is None:
            self._credential = pki.load_credential(settings.EPUAP_OFFICE_CREDENTIAL)
        return self._credential

    @property
    def platform_certificates(self) -> list:
        if self._platform_certificates is None:
            path = settings.EPUAP_PLATFORM_CERTIFICATE
            if path:
                with open(path, "rb") as fh:
                    self._platform_certificates = [pki.load_certificate(fh.read())]
            else:
                self._platform_certificates = [pki.load_credential("platform").certificate]
        return self._platform_certificates

    # -- plumbing

    def _call(self, url: str, action: str, envelope: bytes) -> etree._Element:
        """Sign, send, verify the response signature, raise on a Fault; return the first Body child."""
        signed = wssecurity.sign_envelope(envelope, self.credential)
        try:
            raw = self.transport(url, signed, action)
        except TransportError as exc:
            raise PlatformError(str(exc)) from exc
        limit = settings.EPUAP_MAX_DOCUMENT_BYTES * 2 + 1024 * 1024
        try:
            root = xmlsafe.parse(raw, max_bytes=limit)
        except xmlsafe.XmlRejected as exc:
            raise PlatformError(f"unparseable response: {exc.reason}") from exc
        if root.tag != f"{{{NS_SOAP}}}Envelope":
            raise PlatformError("response is not a SOAP envelope")
        body = root.find(f"{{{NS_SOAP}}}Body")
        payload = next((el for el in body if isinstance(el.tag, str)), None) if body is not None else None
        if payload is None:
            raise PlatformError("empty SOAP Body in response")
        if payload.tag == f"{{{NS_SOAP}}}Fault":
            raise self._fault(payload)
        try:
            wssecurity.verify_envelope(raw, trusted=self.platform_certificates, max_bytes=limit, parsed=root)
        except wssecurity.WsSecurityError as exc:
            raise ResponseSignatureInvalid(f"response signature rejected: {exc}") from exc
        return payload

    @staticmethod
    def _fault(fault: etree._Element) -> PlatformFault:
        wyjatek = next((el for el in fault.iter(f"{{{NS_OBI}}}Wyjatek")), None)
        if wyjatek is not None:
            kod_text = _text(wyjatek, "kod")
            try:
                kod = int(kod_text)
            except ValueError:
                kod = None
            return PlatformFault(kod, _text(wyjatek, "komunikat"))
        return PlatformFault(None, _text(fault, "faultstring") or "SOAP Fault")

    @staticmethod
    def _status(payload: etree._Element) -> tuple[int, str]:
        status = _child(payload, "status")
        if status is None:
            raise PlatformError(f"no status in {etree.QName(payload).localname}")
        try:
            return int(_text(status, "kod")), _text(status, "komunikat")
        except ValueError as exc:
            raise PlatformError("non-numeric status kod") from exc

    def _pull_request(self, element: str, box: Box, skrot: str | None = None) -> bytes:
        payload = _obi(element)
        _sub(payload, "podmiot", box.podmiot)
        _sub(payload, "nazwaSkrytki", box.name)
        _sub(payload, "adresSkrytki", box.address)
        if skrot is not None:
            _sub(payload, "skrot", skrot)
        return _envelope(payload)

    def _expect(self, payload: etree._Element, element: str) -> None:
        if payload.tag != f"{{{NS_OBI}}}{element}":
            raise PlatformError(f"unexpected response element {payload.tag}, expected {element}")

    # -- WS-Pull

    def pull_pending(self, box: Box) -> int:
        """``oczekujaceDokumenty``: how many documents wait in the box."""
        payload = self._call(
            settings.EPUAP_PULL_URL,
            ACTION_PULL + "oczekujaceDokumenty",
            self._pull_request("ZapytaniePullOczekujace", box),
        )
        self._expect(payload, "OdpowiedzPullOczekujace")
        kod, message = self._status(payload)
        if kod != STATUS_OK:
            raise PlatformFault(kod, message)
        try:
            return int(_text(payload, "oczekujace", "0"))
        except ValueError as exc:
            raise PlatformError("non-numeric oczekujace") from exc

    def pull_next(self, box: Box) -> PulledDocument | None:
        """``pobierzNastepny``: the head of the queue (again, until confirmed), or None when empty (kod 0)."""
        payload = self._call(
            settings.EPUAP_PULL_URL,
            ACTION_PULL + "pobierzNastepny",
            self._pull_request("ZapytaniePullPobierz", box),
        )
        self._expect(payload, "OdpowiedzPullPobierz")
        kod, message = self._status(payload)
        if kod == STATUS_EMPTY:
            return None
        if kod != STATUS_OK:
            raise PlatformFault(kod, message)
        dokument = _child(payload, "dokument")
        if dokument is None or _child(dokument, "zawartosc") is None:
            raise PlatformError("pobierzNastepny response without dokument/zawartosc")
        content = _b64(_text(dokument, "zawartosc"), "zawartosc")
        podmiot = _child(payload, "danePodmiotu")
        nadawca = _child(payload, "daneNadawcy")
        sender = {
            "identifier": _text(podmiot, "identyfikator"),
            "person_type": _text(podmiot, "typOsoby"),
            "first_name": _text(podmiot, "imieSkrot"),
            "name": _text(podmiot, "nazwiskoNazwa"),
            "nip": _text(podmiot, "nip"),
            "pesel": _text(podmiot, "pesel"),
            "regon": _text(podmiot, "regon"),
            "consent": _bool(_text(podmiot, "zgoda")),
            "user": _text(nadawca, "uzytkownik"),
            "system": _text(nadawca, "system"),
        }
        extra_text = _text(payload, "daneDodatkowe")
        extra = _b64(extra_text, "daneDodatkowe") if extra_text else b""
        document_id, upp_id = _extra_ids(extra)
        return PulledDocument(
            content=content,
            file_name=_text(dokument, "nazwaPliku"),
            mime_type=_text(dokument, "typPliku"),
            sender=sender,
            submitted_at=parse_datetime(_text(payload, "dataNadania")) if _text(payload, "dataNadania") else None,
            box_name=_text(payload, "nazwaSkrytki"),
            box_address=_text(payload, "adresSkrytki"),
            reply_address=_text(payload, "adresOdpowiedzi"),
            is_test=_bool(_text(payload, "czyTestowe")),
            extra_data=extra,
            platform_document_id=document_id,
            upp_reference=upp_id,
        )

    def pull_confirm(self, box: Box, skrot: str) -> None:
        """``potwierdzOdebranie``: remove the head of the queue (its ``skrot`` must match)."""
        payload = self._call(
            settings.EPUAP_PULL_URL,
            ACTION_PULL + "potwierdzOdebranie",
            self._pull_request("ZapytaniePullPotwierdz", box, skrot=skrot),
        )
        self._expect(payload, "OdpowiedzPullPotwierdz")
        kod, message = self._status(payload)
        if kod != STATUS_OK:
            raise PlatformFault(kod, message)

    # -- WS-Skrytka / WS-Doręczyciel

    @staticmethod
    def _dokument(file_name: str, mime_type: str, content: bytes) -> etree._Element:
        dokument = _obi("Dokument")
        _sub(dokument, "nazwaPliku", file_name)
        _sub(dokument, "typPliku", mime_type)
        _sub(dokument, "zawartosc", base64.b64encode(content).decode("ascii"))
        return dokument

    def send(
        self,
        *,
        recipient_address: str,
        reply_address: str,
        content: bytes,
        file_name: str,
        mime_type: str = "text/xml",
        trial: bool = False,
        extra_data: bytes = b"",
    ) -> SendResult:
        """WS-Skrytka ``nadaj``: put a document into a box (UPP mode); returns the ids and the UPP if any."""
        headers = [
            _header("IdentyfikatorPodmiotu", self.podmiot),
            _header("AdresSkrytki", recipient_address),
            _header("AdresOdpowiedzi", reply_address),
            _header("CzyProbne", "true" if trial else "false"),
            _header("DaneDodatkowe", base64.b64encode(extra_data).decode("ascii")),
        ]
        payload = self._call(
            settings.EPUAP_SKRYTKA_URL,
            ACTION_SKRYTKA + "nadaj",
            _envelope(self._dokument(file_name, mime_type, content), headers),
        )
        self._expect(payload, "OdpowiedzSkrytki")
        kod, message = self._status(payload)
        if kod != STATUS_OK:
            raise PlatformFault(kod, message)
        zalacznik = _child(payload, "zalacznik")
        upp = _b64(_text(zalacznik, "zawartosc"), "zalacznik") if zalacznik is not None else b""
        return SendResult(
            status_kod=kod,
            status_message=message,
            document_id=_text(payload, "identyfikatorDokumentu"),
            upp_id=_text(payload, "identyfikatorUpp"),
            upp=upp,
        )

    def deliver(
        self,
        *,
        recipient_address: str,
        reply_address: str,
        content: bytes,
        file_name: str,
        document_id: str,
        case_id: str = "",
        deadline: datetime.datetime | None = None,
        mime_type: str = "text/xml",
        trial: bool = False,
    ) -> SendResult:
        """WS-Doręczyciel ``dorecz``: deliver a signed document against a UPD; returns the order id."""
        headers = [
            _header("IdentyfikatorPodmiotu", self.podmiot),
            _header("AdresSkrytki", recipient_address),
            _header("AdresOdpowiedzi", reply_address),
        ]
        if deadline is not None:
            headers.append(_header("TerminDoreczenia", deadline.isoformat()))
        headers += [
            _header("CzyProbne", "true" if trial else "false"),
            _header("IdentyfikatorDokumentu", document_id),
            _header("IdentyfikatorSprawy", case_id),
            _header("DaneDodatkowe", ""),
        ]
        payload = self._call(
            settings.EPUAP_DORECZYCIEL_URL,
            ACTION_DORECZYCIEL + "dorecz",
            _envelope(self._dokument(file_name, mime_type, content), headers),
        )
        self._expect(payload, "OdpowiedzDoreczyciela")
        kod, message = self._status(payload)
        if kod != STATUS_OK:
            raise PlatformFault(kod, message)
        return SendResult(
            status_kod=kod,
            status_message=message,
            document_id=_text(payload, "identyfikatorDokumentu"),
            order_id=_text(payload, "identyfikatorZlecenia"),
        )
