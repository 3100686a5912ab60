"""WS-Security (X.509 token profile) for the ePUAP SOAP 1.1 services.

Layout as used by working ePUAP clients (see docs/integrations/epuap-xml.md): ``soap:Header/wsse:Security`` with
an optional ``wsu:Timestamp``, a ``wsse:BinarySecurityToken`` (DER certificate) and a ``ds:Signature`` (exclusive
C14N, RSA-SHA256, SHA-256 digests) whose References cover the Body's ``wsu:Id`` (and the Timestamp), with
``KeyInfo/wsse:SecurityTokenReference/wsse:Reference`` pointing at the token.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from epuap.pki import Credential, cert_fingerprint
from epuap.xmlsafe import XmlRejected
from epuap.xmlsafe import parse as safe_parse

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
EC_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
BASE64_BINARY = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
TIMESTAMP_TTL = datetime.timedelta(minutes=5)
CLOCK_SKEW = datetime.timedelta(minutes=5)

_WSU_ID = f"{{{WSU_NS}}}Id"


class WsSecurityError(Exception):
    """The message's WS-Security is missing or invalid; ``reason`` says precisely why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _c14n(element: etree._Element, prefixes: Sequence[str] | None = None) -> bytes:
    return etree.tostring(
        element, method="c14n", exclusive=True, with_comments=False, inclusive_ns_prefixes=list(prefixes or []) or None
    )


def _xml_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_time(text: str | None) -> datetime.datetime:
    value = (text or "").strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _with_wsu(element: etree._Element) -> etree._Element:
    """Return ``element`` or a copy in its place that declares the wsu prefix (so the Id reads ``wsu:Id``)."""
    if element.nsmap.get("wsu") == WSU_NS or WSU_NS in element.nsmap.values():
        return element
    nsmap = dict(element.nsmap)
    nsmap.setdefault("wsu", WSU_NS)
    if nsmap["wsu"] != WSU_NS:
        return element
    replacement = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=nsmap)
    replacement.text = element.text
    replacement.tail = element.tail
    for child in list(element):
        replacement.append(child)
    element.getparent().replace(element, replacement)
    return replacement


def _reference(signed_info: etree._Element, target_id: str, target: etree._Element) -> None:
    ref = etree.SubElement(signed_info, _q(DS_NS, "Reference"), URI=f"#{target_id}")
    transforms = etree.SubElement(ref, _q(DS_NS, "Transforms"))
    etree.SubElement(transforms, _q(DS_NS, "Transform"), Algorithm=EXC_C14N)
    etree.SubElement(ref, _q(DS_NS, "DigestMethod"), Algorithm=SHA256)
    etree.SubElement(ref, _q(DS_NS, "DigestValue")).text = base64.b64encode(
        hashlib.sha256(_c14n(target)).digest()
    ).decode()


def sign_envelope(
    envelope: bytes, credential: Credential, *, timestamp: bool = True, now: datetime.datetime | None = None
) -> bytes:
    """Add a WS-Security header signing the Body (and a 5-minute Timestamp) with ``credential``."""
    root = safe_parse(envelope, max_bytes=envelope_limit())
    return etree.tostring(
        sign_tree(root, credential, timestamp=timestamp, now=now), xml_declaration=True, encoding="UTF-8"
    )


def sign_tree(
    root: etree._Element, credential: Credential, *, timestamp: bool = True, now: datetime.datetime | None = None
) -> etree._Element:
    """:func:`sign_envelope` on an Envelope built in memory (no serialise-and-parse round trip); ``root`` is
    signed in place and returned."""
    if root.tag != _q(SOAP_NS, "Envelope"):
        raise WsSecurityError("not a SOAP 1.1 Envelope")
    body = root.find(_q(SOAP_NS, "Body"))
    if body is None:
        raise WsSecurityError("the SOAP Envelope has no Body")
    header = root.find(_q(SOAP_NS, "Header"))
    if header is None:
        header = etree.Element(_q(SOAP_NS, "Header"))
        root.insert(0, header)
    if header.find(_q(WSSE_NS, "Security")) is not None:
        raise WsSecurityError("the envelope already carries a wsse:Security header")

    body = _with_wsu(body)
    body_id = body.get(_WSU_ID) or f"id-{uuid.uuid4()}"
    body.set(_WSU_ID, body_id)

    security = etree.SubElement(header, _q(WSSE_NS, "Security"), nsmap={"wsse": WSSE_NS, "wsu": WSU_NS})
    ts = None
    if timestamp:
        moment = now or datetime.datetime.now(datetime.UTC)
        ts = etree.SubElement(security, _q(WSU_NS, "Timestamp"))
        ts_id = f"TS-{uuid.uuid4()}"
        ts.set(_WSU_ID, ts_id)
        etree.SubElement(ts, _q(WSU_NS, "Created")).text = _xml_time(moment)
        etree.SubElement(ts, _q(WSU_NS, "Expires")).text = _xml_time(moment + TIMESTAMP_TTL)
    token_id = f"X509-{uuid.uuid4()}"
    token = etree.SubElement(security, _q(WSSE_NS, "BinarySecurityToken"), EncodingType=BASE64_BINARY, ValueType=X509V3)
    token.set(_WSU_ID, token_id)
    token.text = base64.b64encode(credential.certificate.public_bytes(serialization.Encoding.DER)).decode()

    signature = etree.SubElement(security, _q(DS_NS, "Signature"), nsmap={"ds": DS_NS}, Id=f"SIG-{uuid.uuid4()}")
    signed_info = etree.SubElement(signature, _q(DS_NS, "SignedInfo"))
    etree.SubElement(signed_info, _q(DS_NS, "CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, _q(DS_NS, "SignatureMethod"), Algorithm=RSA_SHA256)
    _reference(signed_info, body_id, body)
    if ts is not None:
        _reference(signed_info, ts_id, ts)
    value = credential.private_key.sign(_c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    etree.SubElement(signature, _q(DS_NS, "SignatureValue")).text = base64.b64encode(value).decode()
    key_info = etree.SubElement(signature, _q(DS_NS, "KeyInfo"), Id=f"KI-{uuid.uuid4()}")
    str_ = etree.SubElement(key_info, _q(WSSE_NS, "SecurityTokenReference"))
    str_.set(_WSU_ID, f"STR-{uuid.uuid4()}")
    etree.SubElement(str_, _q(WSSE_NS, "Reference"), URI=f"#{token_id}", ValueType=X509V3)
    return root


def _id_map(root: etree._Element) -> dict[str, etree._Element]:
    ids: dict[str, etree._Element] = {}
    for el in root.iter(etree.Element):
        for attr in (_WSU_ID, "Id", "ID", "{http://www.w3.org/XML/1998/namespace}id"):
            value = el.get(attr)
            if value is None:
                continue
            if value in ids and ids[value] is not el:
                raise WsSecurityError(f"duplicate Id {value!r} in the message (possible signature wrapping)")
            ids[value] = el
    return ids


def _prefix_list(parent: etree._Element) -> list[str]:
    incl = parent.find(_q(EC_NS, "InclusiveNamespaces"))
    if incl is None:
        return []
    return [p if p != "#default" else None for p in (incl.get("PrefixList") or "").split()]


def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError as exc:
        raise WsSecurityError(f"{what} is not valid base64") from exc


def _signer_certificate(signature: etree._Element, ids: dict[str, etree._Element]) -> x509.Certificate:
    key_info = signature.find(_q(DS_NS, "KeyInfo"))
    if key_info is None:
        raise WsSecurityError("the signature has no KeyInfo")
    ref = key_info.find(f"{_q(WSSE_NS, 'SecurityTokenReference')}/{_q(WSSE_NS, 'Reference')}")
    if ref is not None:
        uri = ref.get("URI") or ""
        token = ids.get(uri[1:]) if uri.startswith("#") else None
        if token is None or token.tag != _q(WSSE_NS, "BinarySecurityToken"):
            raise WsSecurityError(f"the SecurityTokenReference {uri!r} does not point at a BinarySecurityToken")
        if token.get("ValueType") != X509V3:
            raise WsSecurityError("the BinarySecurityToken is not an X.509 v3 certificate")
        der = _b64(token.text, "the BinarySecurityToken")
    else:
        cert_el = key_info.find(f"{_q(DS_NS, 'X509Data')}/{_q(DS_NS, 'X509Certificate')}")
        if cert_el is None:
            raise WsSecurityError("the signature's KeyInfo names no certificate")
        der = _b64(cert_el.text, "the X509Certificate")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise WsSecurityError("the signer certificate cannot be read") from exc


def envelope_limit() -> int:
    """The largest envelope accepted: a base64-encoded document of the maximum size (4/3) plus 1 MiB."""
    from django.conf import settings

    return settings.EPUAP_MAX_DOCUMENT_BYTES * 4 // 3 + 1024 * 1024


def verify_envelope(
    envelope: bytes,
    *,
    trusted: Sequence[x509.Certificate] | Callable[[x509.Certificate], bool],
    now: datetime.datetime | None = None,
    max_bytes: int | None = None,
    parsed: etree._Element | None = None,
) -> x509.Certificate:
    """Check the WS-Security signature of a SOAP 1.1 envelope; return the signer's certificate.

    ``max_bytes`` bounds the envelope (default: envelope_limit(), room for a base64 document of
    EPUAP_MAX_DOCUMENT_BYTES plus headers). ``parsed``: the caller's own parse of exactly ``envelope`` with
    :func:`epuap.xmlsafe.parse` under the same limit (unmodified) — saves parsing the envelope a second time.

    Raises :class:`WsSecurityError` if the XML is unacceptable, the signature is missing, does not cover the
    Body, a digest or the signature value does not match, the certificate is not trusted or expired, or the
    Timestamp has expired.
    """
    now = now or datetime.datetime.now(datetime.UTC)
    if parsed is not None:
        root = parsed
    else:
        try:
            root = safe_parse(envelope, max_bytes=max_bytes or envelope_limit())
        except XmlRejected as exc:
            raise WsSecurityError(f"unacceptable XML: {exc.reason}") from exc
    if root.tag != _q(SOAP_NS, "Envelope"):
        raise WsSecurityError("not a SOAP 1.1 Envelope")
    bodies = root.findall(_q(SOAP_NS, "Body"))
    headers = root.findall(_q(SOAP_NS, "Header"))
    if len(bodies) != 1 or len(headers) > 1:
        raise WsSecurityError("the Envelope must have exactly one Body and at most one Header")
    body = bodies[0]
    securities = headers[0].findall(_q(WSSE_NS, "Security")) if headers else []
    if not securities:
        raise WsSecurityError("no wsse:Security header (the message is not signed)")
    if len(securities) > 1:
        raise WsSecurityError("more than one wsse:Security header")
    security = securities[0]
    signatures = security.findall(_q(DS_NS, "Signature"))
    if len(signatures) != 1:
        raise WsSecurityError("the wsse:Security header must carry exactly one ds:Signature")
    signature = signatures[0]
    ids = _id_map(root)

    signed_info = signature.find(_q(DS_NS, "SignedInfo"))
    if signed_info is None:
        raise WsSecurityError("the signature has no SignedInfo")
    c14n_method = signed_info.find(_q(DS_NS, "CanonicalizationMethod"))
    if c14n_method is None or c14n_method.get("Algorithm") != EXC_C14N:
        raise WsSecurityError("unsupported canonicalization (exclusive C14N required)")
    sig_method = signed_info.find(_q(DS_NS, "SignatureMethod"))
    if sig_method is None or sig_method.get("Algorithm") != RSA_SHA256:
        raise WsSecurityError("unsupported signature method (RSA-SHA256 required)")

    signed: list[etree._Element] = []
    for ref in signed_info.findall(_q(DS_NS, "Reference")):
        uri = ref.get("URI") or ""
        if not uri.startswith("#") or uri[1:] not in ids:
            raise WsSecurityError(f"the signature Reference {uri!r} does not point at an element of the message")
        target = ids[uri[1:]]
        prefixes: list[str] = []
        transforms = ref.findall(f"{_q(DS_NS, 'Transforms')}/{_q(DS_NS, 'Transform')}")
        for transform in transforms:
            if transform.get("Algorithm") != EXC_C14N:
                raise WsSecurityError(f"unsupported transform {transform.get('Algorithm')!r} in Reference {uri!r}")
            prefixes = _prefix_list(transform)
        digest_method = ref.find(_q(DS_NS, "DigestMethod"))
        if digest_method is None or digest_method.get("Algorithm") != SHA256:
            raise WsSecurityError(f"unsupported digest method in Reference {uri!r} (SHA-256 required)")
        expected = _b64(ref.findtext(_q(DS_NS, "DigestValue")), "a DigestValue")
        actual = hashlib.sha256(_c14n(target, prefixes)).digest()
        if not hmac.compare_digest(expected, actual):
            raise WsSecurityError(f"digest mismatch for Reference {uri!r}: the signed content was modified")
        signed.append(target)
    if not any(el is body for el in signed):
        raise WsSecurityError("the signature does not cover the SOAP Body (possible signature wrapping)")

    cert = _signer_certificate(signature, ids)
    value = _b64(signature.findtext(_q(DS_NS, "SignatureValue")), "the SignatureValue")
    try:
        cert.public_key().verify(
            value, _c14n(signed_info, _prefix_list(c14n_method)), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, TypeError, AttributeError) as exc:
        raise WsSecurityError("the signature value does not verify with the token's certificate") from exc

    if callable(trusted):
        is_trusted = bool(trusted(cert))
    else:
        fingerprint = cert_fingerprint(cert)
        is_trusted = any(cert_fingerprint(t) == fingerprint for t in trusted)
    if not is_trusted:
        raise WsSecurityError(
            f"the signer certificate {cert.subject.rfc4514_string()} (SHA-256 {cert_fingerprint(cert)}) is not trusted"
        )
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise WsSecurityError("the signer certificate is not valid at this time")

    ts = security.find(_q(WSU_NS, "Timestamp"))
    if ts is not None:
        if not any(el is ts for el in signed):
            raise WsSecurityError("the wsu:Timestamp is not covered by the signature")
        try:
            created = _parse_time(ts.findtext(_q(WSU_NS, "Created")))
            expires_text = ts.findtext(_q(WSU_NS, "Expires"))
            expires = _parse_time(expires_text) if expires_text else None
        except ValueError as exc:
            raise WsSecurityError("the wsu:Timestamp is malformed") from exc
        if created > now + CLOCK_SKEW:
            raise WsSecurityError("the wsu:Timestamp was created in the future")
        if expires is not None and expires < now:
            raise WsSecurityError(f"the message has expired (wsu:Timestamp Expires {expires_text.strip()})")
    return cert


def body_payload(envelope: bytes) -> etree._Element:
    """The first child of the SOAP Body of an (already verified) envelope, parsed safely."""
    root = safe_parse(envelope)
    body = root.find(_q(SOAP_NS, "Body"))
    if body is None or len(body) == 0:
        raise WsSecurityError("the SOAP Body is empty")
    return body[0]
