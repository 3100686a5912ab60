"""Enveloped XAdES-BES signatures on ePUAP documents (CRD documents, UPP/UPD), via signxml.

``sign`` appends ``ds:Signature`` as the last child of the root (Reference ``URI=""`` with the enveloped-signature
transform, a Reference to ``xades:SignedProperties`` and one to ``ds:KeyInfo``; RSA-SHA256, exclusive C14N).
``verify`` parses through :mod:`epuap.xmlsafe`, checks the signature with the certificate embedded in KeyInfo,
that the signature covers the whole document, and — when a CA is given — that the certificate was issued by it.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from cryptography import x509
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature, SignXMLException
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

from epuap.pki import Credential, load_certificate, verify_issued_by_ca
from epuap.xmlsafe import XmlRejected
from epuap.xmlsafe import parse as safe_parse

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
_EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0


class SignatureInvalid(Exception):
    """The document's signature is missing or does not verify; ``reason`` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class XadesResult:
    signer: x509.Certificate
    signing_time: datetime.datetime | None
    signed_root_bytes: bytes
    claimed_role: etree._Element | None = None


class _Signer(XAdESSigner):
    def __init__(self, claimed_role_xml: bytes | None = None, **kwargs):
        super().__init__(**kwargs)
        self._claimed_role_xml = claimed_role_xml

    def _add_reference_to_signed_info(self, sig_root, node_to_reference, **attrs):
        # Like signxml's, but with an explicit exclusive-C14N transform (signxml digests with its c14n method
        # and writes no Transform, which other verifiers read as inclusive C14N 1.0).
        signed_info = self._find(sig_root, "SignedInfo")
        reference = etree.SubElement(signed_info, f"{{{DS_NS}}}Reference", URI=f"#{node_to_reference.get('Id')}")
        for name, value in attrs.items():
            reference.set(name, value)
        transforms = etree.SubElement(reference, f"{{{DS_NS}}}Transforms")
        etree.SubElement(transforms, f"{{{DS_NS}}}Transform", Algorithm=_EXC_C14N.value)
        etree.SubElement(reference, f"{{{DS_NS}}}DigestMethod", Algorithm=self.digest_alg.value)
        digest = self._get_digest(self._c14n(node_to_reference, algorithm=_EXC_C14N), algorithm=self.digest_alg)
        etree.SubElement(reference, f"{{{DS_NS}}}DigestValue").text = base64.b64encode(digest).decode()

    def add_signer_role(self, signed_signature_properties, sig_root, signing_settings):
        if not self._claimed_role_xml:
            return
        signer_role = etree.SubElement(signed_signature_properties, f"{{{XADES_NS}}}SignerRole")
        claimed_roles = etree.SubElement(signer_role, f"{{{XADES_NS}}}ClaimedRoles")
        claimed_role = etree.SubElement(claimed_roles, f"{{{XADES_NS}}}ClaimedRole")
        claimed_role.append(safe_parse(self._claimed_role_xml))


def sign(document: bytes, credential: Credential, *, claimed_role_xml: bytes | None = None) -> bytes:
    """Return ``document`` with an enveloped XAdES-BES signature by ``credential`` appended to its root."""
    root = safe_parse(document)
    if root.find(f"{{{DS_NS}}}Signature") is not None:
        raise ValueError("the document is already signed")
    signer = _Signer(
        claimed_role_xml=claimed_role_xml,
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=_EXC_C14N,
    )
    signed = signer.sign(root, key=credential.private_key, cert=[credential.certificate], always_add_key_value=False)
    return etree.tostring(signed.getroottree(), xml_declaration=True, encoding="UTF-8")


def _signing_time(signature: etree._Element) -> datetime.datetime | None:
    text = signature.findtext(f".//{{{XADES_NS}}}SignedSignatureProperties/{{{XADES_NS}}}SigningTime")
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _embedded_certificate(signature: etree._Element) -> x509.Certificate:
    certs = signature.findall(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    if not certs:
        raise SignatureInvalid("the signature carries no X509Certificate")
    try:
        return load_certificate(base64.b64decode("".join((certs[0].text or "").split())))
    except ValueError as exc:
        raise SignatureInvalid("the signer certificate cannot be read") from exc


def verify(document: bytes, *, ca: x509.Certificate | None = None) -> XadesResult:
    """Verify the enveloped XAdES signature of ``document``; raise :class:`SignatureInvalid` otherwise."""
    try:
        root = safe_parse(document)
    except XmlRejected as exc:
        raise SignatureInvalid(f"unacceptable XML: {exc.reason}") from exc
    signatures = root.findall(f"{{{DS_NS}}}Signature")
    if not signatures:
        if root.find(f".//{{{DS_NS}}}Signature") is not None:
            raise SignatureInvalid("no signature as a child of the document root (enveloped XAdES expected)")
        raise SignatureInvalid("no signature")
    if len(signatures) > 1:
        raise SignatureInvalid("more than one signature on the document root")
    signature = signatures[0]
    uris = [ref.get("URI") for ref in signature.findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")]
    if "" not in uris:
        raise SignatureInvalid('the signature does not cover the whole document (no Reference URI="")')
    cert = _embedded_certificate(signature)
    if ca is not None:
        try:
            verify_issued_by_ca(cert, ca)
        except ValueError as exc:
            raise SignatureInvalid(f"the signer certificate is not trusted: {exc}") from exc
    config = XAdESSignatureConfiguration(
        expect_references=True,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA512}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA512}),
    )
    try:
        results = XAdESVerifier().verify(root, x509_cert=cert, expect_config=config)
    except InvalidDigest as exc:
        raise SignatureInvalid(f"digest mismatch: the signed document was modified ({exc})") from exc
    except InvalidCertificate as exc:
        raise SignatureInvalid(f"invalid signer certificate: {exc}") from exc
    except InvalidSignature as exc:
        raise SignatureInvalid(f"the signature value does not verify: {exc}") from exc
    except (InvalidInput, SignXMLException, ValueError, KeyError) as exc:
        raise SignatureInvalid(f"malformed signature: {exc}") from exc
    whole = [r for r in results if r.signed_xml is not None and r.signed_xml.tag == root.tag]
    if not whole:
        raise SignatureInvalid("the signature does not cover the document root")
    role = signature.find(f".//{{{XADES_NS}}}SignerRole/{{{XADES_NS}}}ClaimedRoles/{{{XADES_NS}}}ClaimedRole")
    claimed = role[0] if role is not None and len(role) else None
    return XadesResult(
        signer=cert,
        signing_time=_signing_time(signature),
        signed_root_bytes=etree.tostring(whole[0].signed_xml, encoding="UTF-8"),
        claimed_role=claimed,
    )


def is_signed(document: bytes) -> bool:
    """Whether the document carries an enveloped ds:Signature (without verifying it)."""
    try:
        return safe_parse(document).find(f"{{{DS_NS}}}Signature") is not None
    except XmlRejected:
        return False
