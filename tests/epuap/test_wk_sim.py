"""The simulated login.gov.pl on its own: metadata, AuthnRequest checks, one-time artifacts, SOAP faults, SLO."""

import base64
import hashlib

import pytest
from django.utils.translation import gettext
from lxml import etree

from epuap.saml import (
    SAML,
    SAMLP,
    SamlError,
    new_artifact,
    parse_artifact,
    q,
    sign,
    soap_envelope,
    soap_payload,
    source_id,
    verify,
)
from epuap.wk import idp, keys
from portal.saml import sp
from tests.factories import PersonFactory
from tests.portal import conftest as portal_fixtures
from tests.portal.conftest import Browser, field

pytestmark = pytest.mark.django_db

# The simulated node served in-process (the same fixtures as the portal tests).
wk_key_dir = portal_fixtures.wk_key_dir
wk = portal_fixtures.wk

SOAP_URL = "/sim/wk/login-services/idpArtifactResolutionService"


def _post_soap(client, url, payload):
    return client.post(url, data=soap_envelope(payload), content_type="text/xml; charset=utf-8")


def test_artifact_format_type_0004_with_sha1_source_id():
    artifact = new_artifact("magistrat-login-gov-pl-simulator")
    raw = base64.b64decode(artifact.encode())
    assert len(raw) == 44
    assert raw[:4] == b"\x00\x04\x00\x00"
    assert raw[4:24].hex() == hashlib.sha1(b"magistrat-login-gov-pl-simulator").hexdigest()  # noqa: S324
    assert parse_artifact(artifact.encode()) == artifact
    with pytest.raises(SamlError, match="type 0x0004"):
        parse_artifact(base64.b64encode(b"\x00\x01" + raw[2:]).decode())


def test_metadata_lists_the_endpoints_and_the_signing_certificate(client, wk):
    response = client.get("/sim/wk/login/metadata")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.get("entityID") == "magistrat-login-gov-pl-simulator"
    ns = {"md": "urn:oasis:names:tc:SAML:2.0:metadata", "ds": "http://www.w3.org/2000/09/xmldsig#"}
    assert root.find(".//md:ArtifactResolutionService", ns).get("Location") == "http://testserver" + SOAP_URL
    cert = root.findtext(".//ds:X509Certificate", namespaces=ns)
    assert base64.b64decode(cert) == keys.load(keys.IDP_SIGNING).cert_der


def test_authn_request_signed_with_another_key_is_refused(client, wk):
    browser = Browser(client)
    xml = etree.fromstring(base64.b64decode(browser.start()))
    xml.remove(xml.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
    from cryptography.hazmat.primitives.asymmetric import ec

    stranger = keys.load(keys.IDP_SIGNING)  # a valid key, but not the SP's registered one
    resigned = sign(xml, key=stranger.private_key, cert=stranger.certificate)
    assert isinstance(stranger.private_key, ec.EllipticCurvePrivateKey)
    response = client.post(
        "/sim/wk/login/SingleSignOnService", {"SAMLRequest": base64.b64encode(etree.tostring(resigned)).decode()}
    )
    assert response.status_code == 400
    assert gettext("The login request of the service is invalid and was refused.") in response.content.decode()


def test_unsigned_or_altered_authn_request_is_refused(client, wk):
    browser = Browser(client)
    data = base64.b64decode(browser.start()).replace(b'ForceAuthn="true"', b'ForceAuthn="false"')
    response = client.post("/sim/wk/login/SingleSignOnService", {"SAMLRequest": base64.b64encode(data).decode()})
    assert response.status_code == 400
    response = client.post("/sim/wk/login/SingleSignOnService", {"SAMLRequest": "bm90IHhtbA=="})
    assert response.status_code == 400


def test_authn_request_with_a_dtd_is_refused(client, wk):
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    response = client.post("/sim/wk/login/SingleSignOnService", {"SAMLRequest": base64.b64encode(evil).decode()})
    assert response.status_code == 400


def test_artifact_resolves_once(client, wk):
    person = PersonFactory()
    artifact = Browser(client).artifact(person.pesel)
    _id, envelope = sp.artifact_resolve(artifact)
    first = client.post(SOAP_URL, data=envelope, content_type="text/xml")
    payload = soap_payload(first.content, expected=q(SAMLP, "ArtifactResponse"))
    signed = verify(payload, cert=keys.load(keys.IDP_SIGNING).certificate, what="ArtifactResponse")
    response = signed.find(q(SAMLP, "Response"))
    assert response is not None
    assert response.find(q(SAML, "EncryptedAssertion")) is not None
    assert response.find(q(SAML, "Assertion")) is None  # never in clear
    _id2, envelope2 = sp.artifact_resolve(artifact)
    second = client.post(SOAP_URL, data=envelope2, content_type="text/xml")
    payload2 = soap_payload(second.content, expected=q(SAMLP, "ArtifactResponse"))
    assert payload2.find(q(SAMLP, "Response")) is None


def test_unsigned_artifact_resolve_gets_a_soap_fault(client, wk):
    person = PersonFactory()
    artifact = Browser(client).artifact(person.pesel)
    root = etree.Element(q(SAMLP, "ArtifactResolve"), ID="_x", Version="2.0", IssueInstant="2026-01-01T00:00:00Z")
    etree.SubElement(root, q(SAML, "Issuer")).text = "magistrat-portal"
    etree.SubElement(root, q(SAMLP, "Artifact")).text = artifact
    response = _post_soap(client, SOAP_URL, root)
    assert response.status_code == 500
    with pytest.raises(SamlError, match="ArtifactResolve: not signed"):
        soap_payload(response.content, expected=q(SAMLP, "ArtifactResponse"))
    # The artifact is still usable by the real service provider.
    _id, envelope = sp.artifact_resolve(artifact)
    ok = soap_payload(
        client.post(SOAP_URL, data=envelope, content_type="text/xml").content, expected=q(SAMLP, "ArtifactResponse")
    )
    assert ok.find(q(SAMLP, "Response")) is not None


def test_choose_page_lists_register_persons_and_validates_typed_pesel(client, wk):
    person = PersonFactory()
    browser = Browser(client)
    token = browser.at_node(browser.start())
    page = client.post("/sim/wk/login/SingleSignOnService", {"SAMLRequest": browser.start()})
    assert person.pesel in page.content.decode()
    bad = client.post(
        "/sim/wk/login/wybor-tozsamosci",
        {"token": token, "pesel": "12345678901", "first_name": "A", "family_name": "B"},
    )
    assert bad.status_code == 400
    assert 'name="SAMLart"' not in bad.content.decode()
    assert field(bad, "token") == token


def test_unknown_login_session_at_the_node(client, wk):
    response = client.post("/sim/wk/login/wybor-tozsamosci", {"token": "nope", "pesel_choice": "1"})
    assert response.status_code == 400
    assert gettext("The login session in the simulator has expired. Start again from the service.") in (
        response.content.decode()
    )
    assert 'name="SAMLart"' not in response.content.decode()


def test_logout_of_an_unknown_session_is_not_success(wk):
    credential = keys.load(keys.SP_SIGNING)
    root = etree.Element(q(SAMLP, "LogoutRequest"), ID="_l1", Version="2.0", IssueInstant="2026-01-01T00:00:00Z")
    etree.SubElement(root, q(SAML, "Issuer")).text = "magistrat-portal"
    etree.SubElement(root, q(SAML, "NameID")).text = "87022243734"
    etree.SubElement(root, q(SAMLP, "SessionIndex")).text = "_unknown"
    signed = sign(root, key=credential.private_key, cert=credential.certificate)
    answer = idp.logout(signed, destination="http://testserver/sim/wk/login-services/singleLogoutService")
    code = answer.find(f"{q(SAMLP, 'Status')}/{q(SAMLP, 'StatusCode')}").get("Value")
    assert code == "urn:oasis:names:tc:SAML:2.0:status:Responder"
    assert source_id("x") != source_id("y")
