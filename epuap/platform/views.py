"""SOAP endpoints of the simulated ePUAP platform (WS-Pull, WS-Skrytka, WS-Doręczyciel).

Public URLs: they authenticate by WS-Security instead of a session — every request must be signed by a certificate
registered for the podmiot it names (Pull: the ``podmiot`` child; Skrytka/Doręczyciel: the ``IdentyfikatorPodmiotu``
header). Responses and faults are signed by the platform's credential.
"""

from __future__ import annotations

import base64
import datetime
import logging
from collections.abc import Callable

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from lxml import etree

from epuap import wssecurity
from epuap.platform import services, soap
from epuap.platform.models import Podmiot
from epuap.platform.soap import NS_OBI, SoapFault

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/xml; charset=utf-8"


def _max_request_bytes() -> int:
    return wssecurity.envelope_limit()


def _read_body(request: HttpRequest) -> bytes:
    """The request body, bounded by the envelope limit (not Django's form-data limit)."""
    limit = _max_request_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise SoapFault(soap.KOD_TOO_LARGE, f"Żądanie przekracza {limit} bajtów.")
    body = request.read(limit + 1)
    if len(body) > limit:
        raise SoapFault(soap.KOD_TOO_LARGE, f"Żądanie przekracza {limit} bajtów.")
    return body


def _sign(envelope: bytes) -> bytes:
    try:
        return wssecurity.sign_envelope(envelope, services.platform_credential())
    except Exception:  # the platform without its credential still answers (unsigned) rather than crash
        logger.exception("epuap platform: cannot sign the response")
        return envelope


def _signed_response(payload: etree._Element) -> bytes:
    """The response envelope for ``payload``, signed in memory (as :func:`_sign` does, without serialising the
    envelope and parsing it back first)."""
    env = soap.envelope_tree(payload)
    try:
        wssecurity.sign_tree(env, services.platform_credential())
    except Exception:  # the platform without its credential still answers (unsigned) rather than crash
        logger.exception("epuap platform: cannot sign the response")
        return soap.envelope(payload)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _fault(exc: SoapFault) -> HttpResponse:
    body = _sign(soap.fault_envelope(exc.kod, exc.komunikat, faultcode=exc.faultcode))
    return HttpResponse(body, status=500, content_type=CONTENT_TYPE)


def _authenticate(req: soap.Request, podmiot_identifier: str) -> tuple[Podmiot, x509.Certificate]:
    if not podmiot_identifier:
        raise SoapFault(soap.KOD_BAD_REQUEST, "Brak identyfikatora podmiotu.")
    podmiot, trusted = services.podmiot_with_certificates(podmiot_identifier)
    if podmiot is None or not trusted:
        raise SoapFault(soap.KOD_SECURITY, "Nieznany podmiot lub podmiot bez zarejestrowanego certyfikatu.")
    try:
        cert = wssecurity.verify_envelope(req.raw, trusted=trusted, parsed=req.root)
    except wssecurity.WsSecurityError as exc:
        raise SoapFault(soap.KOD_SECURITY, f"Błąd weryfikacji WS-Security: {exc.reason}") from exc
    return podmiot, cert


def _endpoint(identify: Callable[[soap.Request], str], handlers: dict[str, Callable]) -> Callable:
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        try:
            req = soap.parse_request(_read_body(request), max_bytes=_max_request_bytes())
            podmiot, cert = _authenticate(req, identify(req))
            handler = handlers.get(req.operation_name) if req.operation.tag.startswith(f"{{{NS_OBI}}}") else None
            if handler is None:
                raise SoapFault(soap.KOD_BAD_REQUEST, f"Nieobsługiwana operacja: {req.operation_name}.")
            payload = handler(req, podmiot, cert)
        except SoapFault as exc:
            return _fault(exc)
        except services.PlatformError as exc:
            return _fault(SoapFault(exc.kod, exc.message))
        except Exception:
            logger.exception("epuap platform: unexpected error in %s", request.path)
            return _fault(SoapFault(soap.KOD_INTERNAL, "Błąd wewnętrzny platformy.", faultcode="soap:Server"))
        return HttpResponse(_signed_response(payload), content_type=CONTENT_TYPE)

    return view


def _cert_cn(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


# ---------------------------------------------------------------- WS-Pull


def _pull_box(req: soap.Request, podmiot: Podmiot):
    return services.box_for_owner(**_pull_box_args(req, podmiot))


def pull_oczekujace(req, podmiot, cert) -> etree._Element:
    box = _pull_box(req, podmiot)
    out = soap.obi("OdpowiedzPullOczekujace")
    soap.sub_status(out, 1, "OK")
    soap.sub(out, "oczekujace", str(services.pull_pending_count(box)))
    return out


def _pull_box_args(req: soap.Request, podmiot: Podmiot) -> dict[str, str]:
    op = req.operation
    return {
        "podmiot_identifier": podmiot.identifier,
        "box_name": soap.child_text(op, "nazwaSkrytki"),
        "address": soap.child_text(op, "adresSkrytki"),
    }


def pull_pobierz(req, podmiot, cert) -> etree._Element:
    box, doc = services.pull_head_for_owner(**_pull_box_args(req, podmiot))
    out = soap.obi("OdpowiedzPullPobierz")
    if doc is None:
        soap.sub_status(out, 0, "Brak dokumentów do pobrania.")
        return out
    soap.sub_status(out, 1, "OK")
    dp = soap.sub(out, "danePodmiotu")
    soap.sub(dp, "identyfikator", doc.sender_identifier)
    soap.sub(dp, "typOsoby", doc.sender_typ_osoby)
    soap.sub(dp, "imieSkrot", doc.sender_first_name)
    soap.sub(dp, "nazwiskoNazwa", doc.sender_name)
    soap.sub(dp, "nip", doc.sender_nip)
    soap.sub(dp, "pesel", doc.sender_pesel)
    soap.sub(dp, "regon", doc.sender_regon)
    soap.sub(dp, "zgoda", soap.xml_bool(doc.sender_consent))
    dn = soap.sub(out, "daneNadawcy")
    soap.sub(dn, "uzytkownik", doc.sender_user)
    soap.sub(dn, "system", doc.sender_system)
    soap.sub(out, "dataNadania", soap.xml_datetime(timezone.localtime(doc.sent_at)))
    soap.sub(out, "nazwaSkrytki", box.name)
    soap.sub(out, "adresSkrytki", box.address)
    if doc.reply_address:
        soap.sub(out, "adresOdpowiedzi", doc.reply_address)
    else:
        soap.sub(out, "adresOdpowiedzi", nil=True)
    soap.sub(out, "czyTestowe", soap.xml_bool(doc.is_test))
    soap.sub(out, "daneDodatkowe", base64.b64encode(bytes(doc.extra_data)).decode("ascii"))
    soap.sub_dokument(out, "dokument", doc.file_name, doc.mime_type, bytes(doc.content))
    return out


def pull_potwierdz(req, podmiot, cert) -> etree._Element:
    digest = soap.child_text(req.operation, "skrot")
    if not digest:
        _pull_box(req, podmiot)  # the box's errors come first, as always
        raise SoapFault(soap.KOD_BAD_REQUEST, "Brak skrótu dokumentu (skrot).")
    services.pull_confirm_for_owner(**_pull_box_args(req, podmiot), digest=digest)
    out = soap.obi("OdpowiedzPullPotwierdz")
    soap.sub_status(out, 1, "OK")
    return out


pull = _endpoint(
    lambda req: soap.child_text(req.operation, "podmiot"),
    {
        "ZapytaniePullOczekujace": pull_oczekujace,
        "ZapytaniePullPobierz": pull_pobierz,
        "ZapytaniePullPotwierdz": pull_potwierdz,
    },
)


# ---------------------------------------------------------------- WS-Skrytka


def _header_podmiot(req: soap.Request) -> str:
    return req.header_text("IdentyfikatorPodmiotu")


def skrytka_nadaj(req, podmiot, cert) -> etree._Element:
    file_name, mime, content = soap.read_dokument(req.operation)
    address = req.header_text("AdresSkrytki")
    if not address:
        raise SoapFault(soap.KOD_BAD_REQUEST, "Brak adresu skrytki (AdresSkrytki).")
    result = services.document_submit(
        sender=podmiot,
        box_address=address,
        content=content,
        file_name=file_name,
        mime_type=mime,
        reply_address=req.header_text("AdresOdpowiedzi"),
        trial=req.header_bool("CzyProbne"),
        extra_data=req.header_base64("DaneDodatkowe"),
        sender_system=_cert_cn(cert),
    )
    out = soap.obi("OdpowiedzSkrytki")
    soap.sub_status(out, 1, "OK" if result.document else "OK (nadanie próbne, dokument nie został doręczony)")
    soap.sub(out, "identyfikatorDokumentu", result.document_id)
    if result.upp is not None:
        soap.sub(out, "identyfikatorUpp", result.upp.identifier)
        soap.sub_dokument(out, "zalacznik", f"UPP-{result.upp.identifier}.xml", "text/xml", bytes(result.upp.content))
    return out


skrytka = _endpoint(_header_podmiot, {"Dokument": skrytka_nadaj})


# ---------------------------------------------------------------- WS-Doręczyciel


def _header_datetime(req: soap.Request, name: str) -> datetime.datetime | None:
    text = req.header_text(name)
    if not text:
        return None
    value = parse_datetime(text)
    if value is None:
        raise SoapFault(soap.KOD_BAD_REQUEST, f"Niepoprawna data w nagłówku {name}.")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def doreczyciel_dorecz(req, podmiot, cert) -> etree._Element:
    file_name, mime, content = soap.read_dokument(req.operation)
    address = req.header_text("AdresSkrytki")
    if not address:
        raise SoapFault(soap.KOD_BAD_REQUEST, "Brak adresu skrytki adresata (AdresSkrytki).")
    trial = req.header_bool("CzyProbne")
    order = services.delivery_order_create(
        sender=podmiot,
        addressee_address=address,
        reply_address=req.header_text("AdresOdpowiedzi"),
        content=content,
        file_name=file_name,
        mime_type=mime,
        sender_document_id=req.header_text("IdentyfikatorDokumentu"),
        case_id=req.header_text("IdentyfikatorSprawy"),
        deadline=_header_datetime(req, "TerminDoreczenia"),
        extra_data=req.header_base64("DaneDodatkowe"),
        trial=trial,
    )
    out = soap.obi("OdpowiedzDoreczyciela")
    if order is None:
        soap.sub_status(out, 1, "OK (nadanie próbne, dokument nie został doręczony)")
        soap.sub(out, "identyfikatorDokumentu", nil=True)
        soap.sub(out, "identyfikatorZlecenia", nil=True)
        return out
    soap.sub_status(out, 1, "OK")
    soap.sub(out, "identyfikatorDokumentu", order.document_id)
    soap.sub(out, "identyfikatorZlecenia", order.order_id)
    return out


doreczyciel = _endpoint(_header_podmiot, {"Dokument": doreczyciel_dorecz})
