"""SAML 2.0 building blocks shared by the simulated node and the portal's service provider (no protocol state).

Namespaces, ECDSA-SHA256 enveloped signatures with exclusive C14N (signxml), verification that returns the element
the signature actually covers (never a re-query of the document: no XML signature wrapping), SOAP 1.1 envelopes,
the SAML 2.0 artifact (type 0x0004) and times in the SAML format. Every XML from outside goes through
:mod:`epuap.xmlsafe` first.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner, XMLVerifier
from signxml.exceptions import SignXMLException
from signxml.verifier import SignatureConfiguration

from epuap import xmlsafe

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
DSIG11 = "http://www.w3.org/2009/xmldsig11#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
EIDAS = "http://eidas.europa.eu/saml-extensions"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = {
    "samlp": SAMLP,
    "saml": SAML,
    "ds": DS,
    "xenc": XENC,
    "xenc11": XENC11,
    "dsig11": DSIG11,
    "eidas": EIDAS,
    "md": MD,
    "soap": SOAP,
}

BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_ARTIFACT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
BINDING_SOAP = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP"
STATUS_SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
STATUS_REQUESTER = "urn:oasis:names:tc:SAML:2.0:status:Requester"
STATUS_RESPONDER = "urn:oasis:names:tc:SAML:2.0:status:Responder"
STATUS_AUTHN_FAILED = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
NAMEID_UNSPECIFIED = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
ATTRNAME_URI = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
CM_BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

LOA_LOW = "http://eidas.europa.eu/LoA/low"
LOA_SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
LOA_HIGH = "http://eidas.europa.eu/LoA/high"
LOA_ORDER = {LOA_LOW: 1, LOA_SUBSTANTIAL: 2, LOA_HIGH: 3}

_NP = "http://eidas.europa.eu/attributes/naturalperson/"
ATTR_PERSON_IDENTIFIER = _NP + "PersonIdentifier"
ATTR_GIVEN_NAME = _NP + "CurrentGivenName"
ATTR_FAMILY_NAME = _NP + "CurrentFamilyName"
ATTR_DATE_OF_BIRTH = _NP + "DateOfBirth"
# (Name, FriendlyName) of the natural-person attributes login.gov.pl returns.
NATURAL_PERSON_ATTRIBUTES = (
    (ATTR_FAMILY_NAME, "FamilyName"),
    (ATTR_GIVEN_NAME, "FirstName"),
    (ATTR_DATE_OF_BIRTH, "DateOfBirth"),
    (ATTR_PERSON_IDENTIFIER, "PersonIdentifier"),
)

ARTIFACT_TYPE_CODE = b"\x00\x04"


class SamlError(Exception):
    """A SAML message is malformed, wrongly signed or not acceptable; ``str()`` is a precise log message."""


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def new_id() -> str:
    """An xs:ID (must not start with a digit): ``_`` + 40 hex digits (160 random bits)."""
    return "_" + secrets.token_hex(20)


def saml_time(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_time(value: str | None) -> datetime.datetime:
    if not value:
        raise SamlError("missing timestamp")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise SamlError(f"bad timestamp {value!r}") from exc
    if parsed.tzinfo is None:
        raise SamlError(f"timestamp without a time zone {value!r}")
    return parsed


# ------------------------------------------------------------------------------------------------ signatures


def _signer() -> XMLSigner:
    return XMLSigner(
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def sign(element: etree._Element, *, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> etree._Element:
    """Sign ``element`` (a root with an ``ID``) enveloped; the signature goes right after its ``saml:Issuer``.

    Returns the new signed root (signxml signs a copy).
    """
    element_id = element.get("ID")
    if not element_id:
        raise ValueError("the element to sign has no ID")
    placeholder = etree.Element(q(DS, "Signature"), Id="placeholder", nsmap={"ds": DS})
    issuer = element.find(q(SAML, "Issuer"))
    if issuer is not None:
        issuer.addnext(placeholder)
    else:
        element.insert(0, placeholder)
    return _signer().sign(element, key=key, cert=[cert], reference_uri=f"#{element_id}")


def verify(element: etree._Element, *, cert: x509.Certificate, what: str) -> etree._Element:
    """Verify the enveloped signature of ``element`` (the signature must be its direct child and reference it by
    ``ID``) with ``cert``; return the element the signature covers, as signxml verified it.

    The caller must read data ONLY from the returned element.
    """
    if element.find(q(DS, "Signature")) is None:
        raise SamlError(f"{what}: not signed")
    element_id = element.get("ID")
    if not element_id:
        raise SamlError(f"{what}: no ID attribute")
    data = etree.tostring(element)
    try:
        result = XMLVerifier().verify(
            xmlsafe.parse(data),
            x509_cert=cert,
            expect_config=SignatureConfiguration(
                signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
                digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
            ),
        )
    except (SignXMLException, ValueError) as exc:
        raise SamlError(f"{what}: signature verification failed: {exc}") from exc
    signed = result.signed_xml
    if signed is None or signed.tag != element.tag or signed.get("ID") != element_id:
        raise SamlError(f"{what}: the signature does not cover the {what} element itself")
    return signed


# ------------------------------------------------------------------------------------------------ SOAP


def soap_envelope(payload: etree._Element) -> bytes:
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, q(SOAP, "Body"))
    body.append(payload)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def soap_fault(message: str) -> bytes:
    envelope = etree.Element(q(SOAP, "Envelope"), nsmap={"soap": SOAP})
    body = etree.SubElement(envelope, q(SOAP, "Body"))
    fault = etree.SubElement(body, q(SOAP, "Fault"))
    etree.SubElement(fault, "faultcode").text = "soap:Client"
    etree.SubElement(fault, "faultstring").text = message
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def soap_payload(data: bytes, *, expected: str, max_bytes: int = 1024 * 1024) -> etree._Element:
    """The single element in the SOAP Body, which must be ``expected`` (Clark notation); raise SamlError."""
    try:
        root = xmlsafe.parse(data, max_bytes=max_bytes)
    except xmlsafe.XmlRejected as exc:
        raise SamlError(f"SOAP message rejected: {exc.reason}") from exc
    if root.tag != q(SOAP, "Envelope"):
        raise SamlError(f"not a SOAP envelope: {root.tag}")
    body = root.find(q(SOAP, "Body"))
    children = [c for c in (body if body is not None else []) if isinstance(c.tag, str)]
    if len(children) != 1:
        raise SamlError("the SOAP body must hold exactly one element")
    if children[0].tag == q(SOAP, "Fault"):
        raise SamlError(f"SOAP fault: {children[0].findtext('faultstring') or ''}")
    if children[0].tag != expected:
        raise SamlError(f"unexpected SOAP payload {children[0].tag} (expected {expected})")
    return children[0]


# ------------------------------------------------------------------------------------------------ artifacts


@dataclass(frozen=True)
class Artifact:
    endpoint_index: int
    source_id: bytes
    message_handle: bytes

    def encode(self) -> str:
        raw = ARTIFACT_TYPE_CODE + self.endpoint_index.to_bytes(2, "big") + self.source_id + self.message_handle
        return base64.b64encode(raw).decode("ascii")


def source_id(entity_id: str) -> bytes:
    """SAML 2.0 bindings §3.6.4: SourceID = SHA-1 of the issuer's entity id."""
    return hashlib.sha1(entity_id.encode("utf-8")).digest()  # noqa: S324 (mandated by the SAML binding)


def new_artifact(entity_id: str, endpoint_index: int = 0) -> Artifact:
    return Artifact(endpoint_index, source_id(entity_id), secrets.token_bytes(20))


def parse_artifact(value: str) -> Artifact:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (ValueError, TypeError) as exc:
        raise SamlError("SAMLart is not base64") from exc
    if len(raw) != 44 or raw[:2] != ARTIFACT_TYPE_CODE:
        raise SamlError("SAMLart is not a SAML 2.0 type 0x0004 artifact")
    return Artifact(int.from_bytes(raw[2:4], "big"), raw[4:24], raw[24:44])


def cert_b64(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
