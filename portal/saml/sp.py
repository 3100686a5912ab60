"""The service provider's protocol: AuthnRequest (HTTP-POST), ArtifactResolve over SOAP, checking the
ArtifactResponse and the assertion, single logout. No Django views here (see portal.views) and no ORM.

Every check that fails raises :class:`epuap.saml.SamlError` with a precise message for the log; the resident
only sees a general message. Configuration: :mod:`portal.saml.config`.
"""

from __future__ import annotations

import base64
import datetime
import hmac
import logging
from dataclasses import dataclass

from django.core.cache import cache
from lxml import etree

from epuap import xmlsafe
from epuap.saml import (
    ATTR_DATE_OF_BIRTH,
    ATTR_FAMILY_NAME,
    ATTR_GIVEN_NAME,
    ATTR_PERSON_IDENTIFIER,
    ATTRNAME_URI,
    BINDING_ARTIFACT,
    CM_BEARER,
    EIDAS,
    LOA_ORDER,
    LOA_SUBSTANTIAL,
    NAMEID_UNSPECIFIED,
    NATURAL_PERSON_ATTRIBUTES,
    SAML,
    SAMLP,
    STATUS_SUCCESS,
    SamlError,
    new_id,
    parse_artifact,
    parse_time,
    q,
    saml_time,
    sign,
    soap_envelope,
    soap_payload,
    source_id,
    verify,
)
from epuap.transport import Transport, TransportError, UrllibTransport
from portal.saml import config
from portal.saml.xmlenc import decrypt_assertion

log = logging.getLogger("portal.saml")
CLOCK_SKEW = datetime.timedelta(minutes=3)
PENDING_SECONDS = 15 * 60
_PREFIX = "portal-saml:"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def get_transport() -> Transport:
    """How SOAP reaches the node (tests replace this with the Django test client)."""
    return UrllibTransport()


@dataclass(frozen=True)
class AuthenticatedIdentity:
    pesel: str
    first_name: str
    family_name: str
    date_of_birth: str
    name_id: str
    session_index: str
    loa: str
    assertion_id: str
    not_on_or_after: datetime.datetime


# ------------------------------------------------------------------------------------------------ AuthnRequest


def authn_request(*, acs_url: str) -> tuple[str, str]:
    """A signed AuthnRequest for the HTTP-POST binding: (request id, base64 SAMLRequest). The id is remembered
    (cache, 15 min) for the InResponseTo check and is usable once."""
    request_id = new_id()
    ns = {"saml2p": SAMLP, "saml2": SAML, "eidas": EIDAS}
    root = etree.Element(
        q(SAMLP, "AuthnRequest"),
        nsmap=ns,
        AssertionConsumerServiceURL=acs_url,
        Destination=config.idp_sso_url(),
        ForceAuthn="true",
        ID=request_id,
        IssueInstant=saml_time(now()),
        ProtocolBinding=BINDING_ARTIFACT,
        ProviderName=config.provider_name(),
        Version="2.0",
    )
    etree.SubElement(root, q(SAML, "Issuer")).text = config.sp_entity_id()
    extensions = etree.SubElement(root, q(SAMLP, "Extensions"))
    etree.SubElement(extensions, q(EIDAS, "SPType")).text = "public"
    requested = etree.SubElement(extensions, q(EIDAS, "RequestedAttributes"))
    for name, friendly in NATURAL_PERSON_ATTRIBUTES:
        etree.SubElement(
            requested,
            q(EIDAS, "RequestedAttribute"),
            FriendlyName=friendly,
            Name=name,
            NameFormat=ATTRNAME_URI,
            isRequired="true",
        )
    etree.SubElement(root, q(SAMLP, "NameIDPolicy"), AllowCreate="true", Format=NAMEID_UNSPECIFIED)
    context = etree.SubElement(root, q(SAMLP, "RequestedAuthnContext"), Comparison="minimum")
    etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = LOA_SUBSTANTIAL
    credential = config.signing_credential()
    signed = sign(root, key=credential.private_key, cert=credential.certificate)
    cache.set(f"{_PREFIX}request:{request_id}", {"acs_url": acs_url}, PENDING_SECONDS)
    return request_id, base64.b64encode(etree.tostring(signed, xml_declaration=True, encoding="UTF-8")).decode()


def _take_request(request_id: str) -> dict | None:
    """The pending AuthnRequest, taken once: of two concurrent takes only the one whose delete removed the key wins."""
    key = f"{_PREFIX}request:{request_id}"
    value = cache.get(key)
    if value is None or not cache.delete(key):
        return None
    return value


# ------------------------------------------------------------------------------------------------ artifact


def artifact_resolve(artifact: str) -> tuple[str, bytes]:
    """(ArtifactResolve id, the SOAP envelope with the signed ArtifactResolve)."""
    resolve_id = new_id()
    root = etree.Element(
        q(SAMLP, "ArtifactResolve"),
        nsmap={"saml2p": SAMLP, "saml2": SAML},
        Destination=config.idp_artifact_url(),
        ID=resolve_id,
        IssueInstant=saml_time(now()),
        Version="2.0",
    )
    etree.SubElement(root, q(SAML, "Issuer")).text = config.sp_entity_id()
    etree.SubElement(root, q(SAMLP, "Artifact")).text = artifact
    credential = config.signing_credential()
    return resolve_id, soap_envelope(sign(root, key=credential.private_key, cert=credential.certificate))


def _status_ok(element: etree._Element, what: str) -> None:
    code = element.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}")
    value = code.get("Value") if code is not None else None
    if value != STATUS_SUCCESS:
        inner = code.find(q(SAMLP, "StatusCode")) if code is not None else None
        detail = f" / {inner.get('Value')}" if inner is not None else ""
        message = element.findtext(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusMessage')}") or ""
        raise SamlError(f"{what}: status {value}{detail} {message}".strip())


def _issuer(element: etree._Element, what: str) -> None:
    issuer = (element.findtext(q(SAML, "Issuer")) or "").strip()
    if issuer != config.idp_entity_id():
        raise SamlError(f"{what}: Issuer {issuer!r} is not the configured node {config.idp_entity_id()!r}")


def resolve(
    artifact: str, *, acs_url: str, transport: Transport | None = None, expected_request: str | None = None
) -> AuthenticatedIdentity:
    """SAMLart from the ACS → the verified identity. Raises SamlError (refused) with the reason. ``expected_request``:
    the id of the AuthnRequest this browser started (its cookie): the Response must answer that one — an artifact of
    someone else's login posted from this browser (login CSRF) is refused."""
    parsed = parse_artifact(artifact)
    if not hmac.compare_digest(parsed.source_id, source_id(config.idp_entity_id())):
        raise SamlError("SAMLart SourceID is not the configured node's")
    # Replay: an artifact is accepted once, even if the node would answer again.
    if not cache.add(f"{_PREFIX}artifact:{artifact}", 1, 3600):
        raise SamlError("SAMLart has already been used (replay)")
    resolve_id, envelope = artifact_resolve(artifact)
    try:
        answer = (transport or get_transport())(config.idp_artifact_url(), envelope, "")
    except TransportError as exc:
        raise SamlError(f"ArtifactResolve: the node cannot be reached: {exc}") from exc
    return process_artifact_response(answer, resolve_id=resolve_id, acs_url=acs_url, expected_request=expected_request)


def process_artifact_response(
    data: bytes, *, resolve_id: str, acs_url: str, expected_request: str | None = None
) -> AuthenticatedIdentity:
    payload = soap_payload(data, expected=q(SAMLP, "ArtifactResponse"))
    signed = verify(payload, cert=config.idp_certificate(), what="ArtifactResponse")
    _issuer(signed, "ArtifactResponse")
    if signed.get("InResponseTo") != resolve_id:
        raise SamlError(f"ArtifactResponse InResponseTo {signed.get('InResponseTo')!r} is not {resolve_id!r}")
    _status_ok(signed, "ArtifactResponse")
    response = signed.find(q(SAMLP, "Response"))
    if response is None:
        raise SamlError("ArtifactResponse holds no Response: the artifact is unknown, expired or already used")
    if response.get("Destination") != acs_url:
        raise SamlError(f"Response Destination {response.get('Destination')!r} is not {acs_url!r}")
    _issuer(response, "Response")
    _status_ok(response, "Response")
    request_id = response.get("InResponseTo") or ""
    if expected_request is not None and not hmac.compare_digest(request_id, expected_request):
        raise SamlError(f"Response InResponseTo {request_id!r} is not the login started in this browser")
    pending = _take_request(request_id) if request_id else None
    if pending is None:
        raise SamlError(f"Response InResponseTo {request_id!r} is not a pending AuthnRequest of ours")
    if response.find(q(SAML, "Assertion")) is not None:
        raise SamlError("Response holds an unencrypted Assertion (only EncryptedAssertion is accepted)")
    encrypted = response.findall(q(SAML, "EncryptedAssertion"))
    if len(encrypted) != 1:
        raise SamlError("Response must hold exactly one EncryptedAssertion")
    plaintext = decrypt_assertion(encrypted[0], config.encryption_key())
    try:
        assertion_root = xmlsafe.parse(plaintext, max_bytes=256 * 1024)
    except xmlsafe.XmlRejected as exc:
        raise SamlError(f"decrypted assertion rejected: {exc.reason}") from exc
    if assertion_root.tag != q(SAML, "Assertion"):
        raise SamlError(f"the decrypted element is not an Assertion: {assertion_root.tag}")
    assertion = verify(assertion_root, cert=config.idp_certificate(), what="Assertion")
    return check_assertion(assertion, request_id=request_id, acs_url=acs_url)


def check_assertion(assertion: etree._Element, *, request_id: str, acs_url: str) -> AuthenticatedIdentity:
    _issuer(assertion, "Assertion")
    current = now()
    conditions = assertion.find(q(SAML, "Conditions"))
    if conditions is None:
        raise SamlError("Assertion has no Conditions")
    not_before = conditions.get("NotBefore")
    if not_before and current + CLOCK_SKEW < parse_time(not_before):
        raise SamlError(f"Assertion is not yet valid (NotBefore {not_before})")
    not_on_or_after = parse_time(conditions.get("NotOnOrAfter"))
    if current - CLOCK_SKEW >= not_on_or_after:
        raise SamlError(f"Assertion has expired (NotOnOrAfter {conditions.get('NotOnOrAfter')})")
    audiences = [
        (a.text or "").strip() for a in conditions.findall(f"{q(SAML, 'AudienceRestriction')}/{q(SAML, 'Audience')}")
    ]
    if config.sp_entity_id() not in audiences:
        raise SamlError(f"Assertion Audience {audiences!r} does not include {config.sp_entity_id()!r}")
    subject = assertion.find(q(SAML, "Subject"))
    name_id = (subject.findtext(q(SAML, "NameID")) if subject is not None else "") or ""
    bearer = [
        c.find(q(SAML, "SubjectConfirmationData"))
        for c in (subject.findall(q(SAML, "SubjectConfirmation")) if subject is not None else [])
        if c.get("Method") == CM_BEARER
    ]
    if not bearer or bearer[0] is None:
        raise SamlError("Assertion has no bearer SubjectConfirmationData")
    confirmation = bearer[0]
    if confirmation.get("InResponseTo") != request_id:
        raise SamlError(f"SubjectConfirmationData InResponseTo {confirmation.get('InResponseTo')!r} != {request_id!r}")
    if confirmation.get("Recipient") != acs_url:
        raise SamlError(f"SubjectConfirmationData Recipient {confirmation.get('Recipient')!r} is not {acs_url!r}")
    if current - CLOCK_SKEW >= parse_time(confirmation.get("NotOnOrAfter")):
        raise SamlError("SubjectConfirmationData has expired")
    statement = assertion.find(q(SAML, "AuthnStatement"))
    if statement is None:
        raise SamlError("Assertion has no AuthnStatement")
    loa = (statement.findtext(f"{q(SAML, 'AuthnContext')}/{q(SAML, 'AuthnContextClassRef')}") or "").strip()
    if LOA_ORDER.get(loa, 0) < LOA_ORDER[LOA_SUBSTANTIAL]:
        raise SamlError(f"level of assurance {loa!r} is below substantial")
    session_index = statement.get("SessionIndex") or ""
    attributes: dict[str, str] = {}
    for attribute in assertion.findall(f"{q(SAML, 'AttributeStatement')}/{q(SAML, 'Attribute')}"):
        values = attribute.findall(q(SAML, "AttributeValue"))
        if len(values) == 1:
            attributes[attribute.get("Name")] = (values[0].text or "").strip()
    missing = [n for n in (ATTR_PERSON_IDENTIFIER, ATTR_GIVEN_NAME, ATTR_FAMILY_NAME) if not attributes.get(n)]
    if missing:
        raise SamlError(f"Assertion lacks the attributes {missing}")
    assertion_id = assertion.get("ID") or ""
    if not cache.add(f"{_PREFIX}assertion:{assertion_id}", 1, int((not_on_or_after - current).total_seconds()) + 600):
        raise SamlError(f"Assertion {assertion_id} has already been used (replay)")
    pesel = attributes[ATTR_PERSON_IDENTIFIER]
    if pesel.upper().startswith("PNOPL-"):  # eIDAS form of a Polish identifier
        pesel = pesel[6:]
    return AuthenticatedIdentity(
        pesel=pesel,
        first_name=attributes[ATTR_GIVEN_NAME],
        family_name=attributes[ATTR_FAMILY_NAME],
        date_of_birth=attributes.get(ATTR_DATE_OF_BIRTH, "").rstrip("Z"),
        name_id=name_id.strip(),
        session_index=session_index,
        loa=loa,
        assertion_id=assertion_id,
        not_on_or_after=not_on_or_after,
    )


# ------------------------------------------------------------------------------------------------ single logout


def single_logout(*, name_id: str, session_index: str, transport: Transport | None = None) -> None:
    """SP-initiated SLO over SOAP; raises SamlError unless the node confirms the end of its session."""
    request_id = new_id()
    root = etree.Element(
        q(SAMLP, "LogoutRequest"),
        nsmap={"saml2p": SAMLP, "saml2": SAML},
        Destination=config.idp_slo_url(),
        ID=request_id,
        IssueInstant=saml_time(now()),
        Version="2.0",
    )
    etree.SubElement(root, q(SAML, "Issuer")).text = config.sp_entity_id()
    etree.SubElement(root, q(SAML, "NameID"), Format=NAMEID_UNSPECIFIED).text = name_id
    etree.SubElement(root, q(SAMLP, "SessionIndex")).text = session_index
    credential = config.signing_credential()
    envelope = soap_envelope(sign(root, key=credential.private_key, cert=credential.certificate))
    try:
        answer = (transport or get_transport())(config.idp_slo_url(), envelope, "")
    except TransportError as exc:
        raise SamlError(f"LogoutRequest: the node cannot be reached: {exc}") from exc
    payload = soap_payload(answer, expected=q(SAMLP, "LogoutResponse"))
    signed = verify(payload, cert=config.idp_certificate(), what="LogoutResponse")
    _issuer(signed, "LogoutResponse")
    if signed.get("InResponseTo") != request_id:
        raise SamlError(f"LogoutResponse InResponseTo {signed.get('InResponseTo')!r} is not {request_id!r}")
    _status_ok(signed, "LogoutResponse")
