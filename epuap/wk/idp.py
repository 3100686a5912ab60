"""The simulated node's protocol logic: AuthnRequest in, artifact out, ArtifactResolve → ArtifactResponse, SLO.

State is ephemeral and lives in the Django cache with a TTL (pending login requests, artifacts — one-time —, the
node's sessions for single logout). Configuration (all optional, read with defaults):

- ``WK_SIM_ENTITY_ID`` — the node's entity id (Issuer), default ``magistrat-login-gov-pl-simulator``;
- ``WK_SIM_SP_ENTITY_ID`` — the one registered service provider, default ``magistrat-portal``;
- ``WK_SIM_SP_SIGNING_CERT`` / ``WK_SIM_SP_ENCRYPTION_CERT`` — paths of its registered certificates (default: the
  test keys ``wk-sp-signing.crt`` / ``wk-sp-encryption.crt`` under ``EPUAP_PKI_DIR``);
- ``WK_SIM_SP_ACS_URLS`` — registered AssertionConsumerService URLs (empty: any http(s) URL in a request signed
  with the registered key);
- ``WK_SIM_ASSERTION_MINUTES`` (30), ``WK_SIM_ARTIFACT_SECONDS`` (120).
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import asdict, dataclass

from cryptography import x509
from django.conf import settings
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
    LOA_ORDER,
    LOA_SUBSTANTIAL,
    NAMEID_UNSPECIFIED,
    SAML,
    SAMLP,
    STATUS_REQUESTER,
    STATUS_RESPONDER,
    STATUS_SUCCESS,
    SamlError,
    new_artifact,
    new_id,
    parse_artifact,
    parse_time,
    q,
    saml_time,
    sign,
    source_id,
    verify,
)
from epuap.wk import keys
from epuap.wk.xmlenc import encrypt_element

CLOCK_SKEW = datetime.timedelta(minutes=3)
PENDING_SECONDS = 15 * 60
_PREFIX = "wk-sim:"


def entity_id() -> str:
    return getattr(settings, "WK_SIM_ENTITY_ID", "") or "magistrat-login-gov-pl-simulator"


def sp_entity_id() -> str:
    return getattr(settings, "WK_SIM_SP_ENTITY_ID", "") or "magistrat-portal"


def _sp_cert(setting: str, name: str) -> x509.Certificate:
    path = getattr(settings, setting, "")
    if path:
        return keys.load_certificate(path)
    return keys.load(name).certificate


def sp_signing_cert() -> x509.Certificate:
    return _sp_cert("WK_SIM_SP_SIGNING_CERT", keys.SP_SIGNING)


def sp_encryption_cert() -> x509.Certificate:
    return _sp_cert("WK_SIM_SP_ENCRYPTION_CERT", keys.SP_ENCRYPTION)


def idp_credential() -> keys.EcCredential:
    return keys.load(keys.IDP_SIGNING)


def assertion_lifetime() -> datetime.timedelta:
    return datetime.timedelta(minutes=int(getattr(settings, "WK_SIM_ASSERTION_MINUTES", 30)))


def artifact_seconds() -> int:
    return int(getattr(settings, "WK_SIM_ARTIFACT_SECONDS", 120))


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Identity:
    pesel: str
    first_name: str
    family_name: str
    date_of_birth: str  # ISO yyyy-mm-dd


@dataclass(frozen=True)
class PendingRequest:
    request_id: str
    sp_entity_id: str
    acs_url: str
    relay_state: str


# ------------------------------------------------------------------------------------------------ SSO


def accept_authn_request(saml_request_b64: str, relay_state: str, *, destination: str) -> PendingRequest:
    """Verify an HTTP-POST AuthnRequest (base64) from the registered SP; raise SamlError with the reason."""
    import base64

    try:
        data = base64.b64decode(saml_request_b64, validate=True)
        root = xmlsafe.parse(data, max_bytes=256 * 1024)
    except (ValueError, TypeError) as exc:
        raise SamlError(f"SAMLRequest is not a base64 XML document: {exc}") from exc
    if root.tag != q(SAMLP, "AuthnRequest"):
        raise SamlError(f"SAMLRequest is not an AuthnRequest but {root.tag}")
    signed = verify(root, cert=sp_signing_cert(), what="AuthnRequest")
    issuer = (signed.findtext(q(SAML, "Issuer")) or "").strip()
    if issuer != sp_entity_id():
        raise SamlError(f"AuthnRequest from an unregistered service provider {issuer!r}")
    if signed.get("Destination") != destination:
        raise SamlError(f"AuthnRequest Destination {signed.get('Destination')!r} is not {destination!r}")
    if signed.get("ProtocolBinding") != BINDING_ARTIFACT:
        raise SamlError("AuthnRequest does not ask for the HTTP-Artifact binding")
    issued = parse_time(signed.get("IssueInstant"))
    if abs(now() - issued) > CLOCK_SKEW + datetime.timedelta(minutes=2):
        raise SamlError("AuthnRequest IssueInstant is out of the accepted window")
    acs = signed.get("AssertionConsumerServiceURL") or ""
    registered = list(getattr(settings, "WK_SIM_SP_ACS_URLS", []) or [])
    if not acs.startswith(("http://", "https://")) or (registered and acs not in registered):
        raise SamlError(f"AuthnRequest AssertionConsumerServiceURL {acs!r} is not registered")
    context = signed.find(f"{q(SAMLP, 'RequestedAuthnContext')}/{q(SAML, 'AuthnContextClassRef')}")
    if context is not None and LOA_ORDER.get((context.text or "").strip(), 99) > LOA_ORDER[LOA_SUBSTANTIAL]:
        raise SamlError(f"the requested level of assurance {context.text!r} is not available in the simulator")
    request_id = signed.get("ID") or ""
    return PendingRequest(request_id=request_id, sp_entity_id=issuer, acs_url=acs, relay_state=relay_state[:80])


def store_pending(pending: PendingRequest) -> str:
    token = secrets.token_urlsafe(24)
    cache.set(f"{_PREFIX}pending:{token}", asdict(pending), PENDING_SECONDS)
    return token


def take_pending(token: str) -> PendingRequest | None:
    key = f"{_PREFIX}pending:{token}"
    value = cache.get(key)
    if value is None:
        return None
    cache.delete(key)
    return PendingRequest(**value)


def peek_pending(token: str) -> PendingRequest | None:
    value = cache.get(f"{_PREFIX}pending:{token}")
    return PendingRequest(**value) if value else None


def issue_artifact(pending: PendingRequest, identity: Identity) -> str:
    """Remember the authentication for one ArtifactResolve and return the SAMLart."""
    artifact = new_artifact(entity_id()).encode()
    session_index = new_id()
    record = {
        "pending": asdict(pending),
        "identity": asdict(identity),
        "session_index": session_index,
        "authn_instant": saml_time(now()),
    }
    cache.set(f"{_PREFIX}artifact:{artifact}", record, artifact_seconds())
    cache.set(
        f"{_PREFIX}session:{session_index}",
        {"sp": pending.sp_entity_id, "name_id": identity.pesel},
        int(assertion_lifetime().total_seconds()) + 3600,
    )
    return artifact


# ------------------------------------------------------------------------------------------------ assertion


def build_assertion(
    *,
    identity: Identity,
    in_response_to: str,
    recipient: str,
    audience: str,
    session_index: str,
    authn_instant: str,
    issued: datetime.datetime,
    loa: str = LOA_SUBSTANTIAL,
    lifetime: datetime.timedelta | None = None,
    issuer: str | None = None,
) -> etree._Element:
    """The unsigned assertion (eIDAS natural-person attributes, LoA, SessionIndex, validity)."""
    lifetime = lifetime or assertion_lifetime()
    not_on_or_after = saml_time(issued + lifetime)
    a = etree.Element(
        q(SAML, "Assertion"), ID=new_id(), IssueInstant=saml_time(issued), Version="2.0", nsmap={"saml2": SAML}
    )
    etree.SubElement(a, q(SAML, "Issuer")).text = issuer or entity_id()
    subject = etree.SubElement(a, q(SAML, "Subject"))
    etree.SubElement(subject, q(SAML, "NameID"), Format=NAMEID_UNSPECIFIED).text = identity.pesel
    confirmation = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method=CM_BEARER)
    etree.SubElement(
        confirmation,
        q(SAML, "SubjectConfirmationData"),
        InResponseTo=in_response_to,
        NotOnOrAfter=not_on_or_after,
        Recipient=recipient,
    )
    conditions = etree.SubElement(
        a,
        q(SAML, "Conditions"),
        NotBefore=saml_time(issued - datetime.timedelta(seconds=30)),
        NotOnOrAfter=not_on_or_after,
    )
    restriction = etree.SubElement(conditions, q(SAML, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML, "Audience")).text = audience
    statement = etree.SubElement(a, q(SAML, "AuthnStatement"), AuthnInstant=authn_instant, SessionIndex=session_index)
    context = etree.SubElement(statement, q(SAML, "AuthnContext"))
    etree.SubElement(context, q(SAML, "AuthnContextClassRef")).text = loa
    etree.SubElement(context, q(SAML, "AuthenticatingAuthority")).text = "pz.gov.pl"
    attributes = etree.SubElement(a, q(SAML, "AttributeStatement"))
    for name, friendly, value in (
        (ATTR_FAMILY_NAME, "FamilyName", identity.family_name),
        (ATTR_GIVEN_NAME, "FirstName", identity.first_name),
        (ATTR_DATE_OF_BIRTH, "DateOfBirth", identity.date_of_birth),
        (ATTR_PERSON_IDENTIFIER, "PersonIdentifier", identity.pesel),
    ):
        attribute = etree.SubElement(
            attributes, q(SAML, "Attribute"), FriendlyName=friendly, Name=name, NameFormat=ATTRNAME_URI
        )
        etree.SubElement(attribute, q(SAML, "AttributeValue")).text = value
    return a


def sign_and_encrypt_assertion(assertion: etree._Element, *, recipient: x509.Certificate | None = None):
    credential = idp_credential()
    signed = sign(assertion, key=credential.private_key, cert=credential.certificate)
    return encrypt_element(etree.tostring(signed), recipient or sp_encryption_cert())


def build_response(*, in_response_to: str, destination: str, encrypted_assertion, issued: datetime.datetime):
    response = etree.Element(
        q(SAMLP, "Response"),
        ID=new_id(),
        Destination=destination,
        InResponseTo=in_response_to,
        IssueInstant=saml_time(issued),
        Version="2.0",
        nsmap={"saml2p": SAMLP, "saml2": SAML},
    )
    etree.SubElement(response, q(SAML, "Issuer")).text = entity_id()
    status = etree.SubElement(response, q(SAMLP, "Status"))
    etree.SubElement(status, q(SAMLP, "StatusCode"), Value=STATUS_SUCCESS)
    if encrypted_assertion is not None:
        response.append(encrypted_assertion)
    return response


def build_artifact_response(*, in_response_to: str, message: etree._Element | None, issued: datetime.datetime):
    """A signed ArtifactResponse; without ``message`` it says "no such artifact" (SAML bindings §3.6.6)."""
    envelope = etree.Element(
        q(SAMLP, "ArtifactResponse"),
        ID=new_id(),
        InResponseTo=in_response_to,
        IssueInstant=saml_time(issued),
        Version="2.0",
        nsmap={"saml2p": SAMLP, "saml2": SAML},
    )
    etree.SubElement(envelope, q(SAML, "Issuer")).text = entity_id()
    status = etree.SubElement(envelope, q(SAMLP, "Status"))
    etree.SubElement(status, q(SAMLP, "StatusCode"), Value=STATUS_SUCCESS)
    if message is not None:
        envelope.append(message)
    credential = idp_credential()
    return sign(envelope, key=credential.private_key, cert=credential.certificate)


def _verified_sp_request(payload: etree._Element, what: str) -> etree._Element:
    signed = verify(payload, cert=sp_signing_cert(), what=what)
    issuer = (signed.findtext(q(SAML, "Issuer")) or "").strip()
    if issuer != sp_entity_id():
        raise SamlError(f"{what} from an unregistered service provider {issuer!r}")
    return signed


def resolve_artifact(payload: etree._Element) -> etree._Element:
    """ArtifactResolve (already taken from the SOAP body) → the signed ArtifactResponse element."""
    signed = _verified_sp_request(payload, "ArtifactResolve")
    value = (signed.findtext(q(SAMLP, "Artifact")) or "").strip()
    artifact = parse_artifact(value)
    issued = now()
    record = None
    if hmac.compare_digest(artifact.source_id, source_id(entity_id())):
        key = f"{_PREFIX}artifact:{value}"
        record = cache.get(key)
        cache.delete(key)
        # One-time: the first resolver wins even if two arrive together.
        if record is not None and not cache.add(f"{_PREFIX}used:{value}", 1, artifact_seconds() * 2):
            record = None
    if record is None or record["pending"]["sp_entity_id"] != signed.findtext(q(SAML, "Issuer")).strip():
        return build_artifact_response(in_response_to=signed.get("ID"), message=None, issued=issued)
    pending = record["pending"]
    assertion = build_assertion(
        identity=Identity(**record["identity"]),
        in_response_to=pending["request_id"],
        recipient=pending["acs_url"],
        audience=pending["sp_entity_id"],
        session_index=record["session_index"],
        authn_instant=record["authn_instant"],
        issued=issued,
    )
    response = build_response(
        in_response_to=pending["request_id"],
        destination=pending["acs_url"],
        encrypted_assertion=sign_and_encrypt_assertion(assertion),
        issued=issued,
    )
    return build_artifact_response(in_response_to=signed.get("ID"), message=response, issued=issued)


# ------------------------------------------------------------------------------------------------ single logout


def logout(payload: etree._Element, *, destination: str) -> etree._Element:
    """LogoutRequest (from the SOAP body) → the signed LogoutResponse; ends the node's session."""
    signed = _verified_sp_request(payload, "LogoutRequest")
    if signed.get("Destination") and signed.get("Destination") != destination:
        raise SamlError(f"LogoutRequest Destination {signed.get('Destination')!r} is not {destination!r}")
    name_id = (signed.findtext(q(SAML, "NameID")) or "").strip()
    session_index = (signed.findtext(q(SAMLP, "SessionIndex")) or "").strip()
    key = f"{_PREFIX}session:{session_index}"
    session = cache.get(key) if session_index else None
    ended = bool(session and session["name_id"] == name_id and session["sp"] == sp_entity_id())
    if ended:
        cache.delete(key)
    issued = now()
    response = etree.Element(
        q(SAMLP, "LogoutResponse"),
        ID=new_id(),
        InResponseTo=signed.get("ID") or "",
        IssueInstant=saml_time(issued),
        Version="2.0",
        nsmap={"saml2p": SAMLP, "saml2": SAML},
    )
    etree.SubElement(response, q(SAML, "Issuer")).text = entity_id()
    status = etree.SubElement(response, q(SAMLP, "Status"))
    code = etree.SubElement(status, q(SAMLP, "StatusCode"), Value=STATUS_SUCCESS if ended else STATUS_RESPONDER)
    if not ended:
        etree.SubElement(code, q(SAMLP, "StatusCode"), Value=STATUS_REQUESTER)
        etree.SubElement(status, q(SAMLP, "StatusMessage")).text = "unknown session"
    credential = idp_credential()
    return sign(response, key=credential.private_key, cert=credential.certificate)


def session_active(session_index: str) -> bool:
    return cache.get(f"{_PREFIX}session:{session_index}") is not None
