"""Login with profil zaufany through the simulated login.gov.pl: the full round trip through the test client."""

import base64
import datetime
import logging

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils.translation import gettext
from lxml import etree

from core import roles
from core.models import AuditEvent, User
from epuap.saml import LOA_LOW, SAMLP, q
from epuap.wk import idp
from tests.factories import PersonFactory
from tests.portal.conftest import field

pytestmark = pytest.mark.django_db


def test_round_trip_logs_in_the_resident_matched_by_pesel(browser, wk):
    person = PersonFactory()
    response = browser.login(person.pesel)
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    user = User.objects.get(party=person)
    assert user.has_perm("core.use_portal")
    assert not user.has_usable_password()
    home = browser.client.get("/portal/")
    assert home.status_code == 200
    assert person.pesel in home.content.decode()
    assert len(wk.calls) == 1
    assert wk.calls[0].endswith("/sim/wk/login-services/idpArtifactResolutionService")
    event = AuditEvent.objects.filter(action="portal.login").get()
    assert event.object_id == str(person.pk)
    assert event.details["loa"] == "http://eidas.europa.eu/LoA/substantial"
    assert event.details["account_created"] is True


REFUSED = "Logging in through login.gov.pl did not succeed. Please try again."


def _not_logged_in(client):
    assert "_auth_user_id" not in client.session
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


def _counts():
    return User.objects.count(), AuditEvent.objects.count()


def test_second_login_reuses_the_linked_account(browser):
    person = PersonFactory()
    browser.login(person.pesel)
    browser.client.logout()
    response = browser.login(person.pesel)
    assert response.status_code == 302
    assert User.objects.filter(party=person).count() == 1
    last = AuditEvent.objects.filter(action="portal.login").order_by("-pk").first()
    assert last.details["account_created"] is False


def test_existing_resident_account_is_used(browser, make_user):
    person = PersonFactory()
    resident = make_user(roles.RESIDENT, username="mieszkaniec-test", party=person)
    browser.login(person.pesel)
    assert int(browser.client.session["_auth_user_id"]) == resident.pk
    assert User.objects.filter(party=person).count() == 1


def test_typed_identity_without_party_gets_a_clear_message_and_no_session(browser):
    PersonFactory()
    before_users = User.objects.count()
    response = browser.login(pesel="87022243734", first_name="Roch", family_name="Apitz")
    assert response.status_code == 403
    assert gettext("You were not found in the register") in response.content.decode()
    assert "87022243734" not in response.content.decode()
    assert User.objects.count() == before_users
    refused = AuditEvent.objects.get(action="portal.login_refused")
    assert refused.details["reason"] == "no party with this PESEL"
    assert "87022243734" not in str(refused.details)
    _not_logged_in(browser.client)


def test_inactive_account_is_refused(browser, make_user):
    person = PersonFactory()
    make_user(roles.RESIDENT, username="zablokowany", party=person, is_active=False)
    response = browser.login(person.pesel)
    assert response.status_code == 403
    _not_logged_in(browser.client)


def _refused(browser, artifact, caplog, expected_log):
    before = _counts()
    with caplog.at_level(logging.WARNING, logger="portal.saml"):
        response = browser.acs(artifact)
    assert response.status_code == 403
    assert gettext(REFUSED) in response.content.decode()
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.saml"]
    assert any(expected_log in m for m in messages), messages
    assert _counts() == before
    _not_logged_in(browser.client)


def test_tampered_artifact_response_is_refused(browser, wk, caplog):
    person = PersonFactory()
    artifact = browser.artifact(person.pesel)
    wk.tamper = lambda body: body.replace(b"<xenc:CipherValue>", b"<xenc:CipherValue>AAAA", 1)
    _refused(browser, artifact, caplog, "ArtifactResponse: signature verification failed")


def test_tampered_assertion_signature_is_refused(browser, monkeypatch, caplog):
    person, other = PersonFactory(), PersonFactory()
    original = idp.sign

    def sign_then_swap_pesel(element, **kwargs):
        signed = original(element, **kwargs)
        if signed.tag.endswith("}Assertion"):
            for value in signed.iter("{urn:oasis:names:tc:SAML:2.0:assertion}AttributeValue"):
                if value.text == person.pesel:
                    value.text = other.pesel
        return signed

    monkeypatch.setattr(idp, "sign", sign_then_swap_pesel)
    _refused(browser, browser.artifact(person.pesel), caplog, "Assertion: signature verification failed")


def _patch_assertion(monkeypatch, **overrides):
    original = idp.build_assertion

    def build(**kwargs):
        kwargs.update({k: (v(kwargs[k]) if callable(v) else v) for k, v in overrides.items()})
        return original(**kwargs)

    monkeypatch.setattr(idp, "build_assertion", build)


def test_wrong_audience_is_refused(browser, monkeypatch, caplog):
    _patch_assertion(monkeypatch, audience="another-service")
    person = PersonFactory()
    _refused(browser, browser.artifact(person.pesel), caplog, "Assertion Audience ['another-service'] does not include")


def test_expired_assertion_is_refused(browser, monkeypatch, caplog):
    _patch_assertion(monkeypatch, issued=lambda issued: issued - datetime.timedelta(hours=1))
    person = PersonFactory()
    _refused(browser, browser.artifact(person.pesel), caplog, "Assertion has expired")


def test_low_level_of_assurance_is_refused(browser, monkeypatch, caplog):
    _patch_assertion(monkeypatch, loa=LOA_LOW)
    person = PersonFactory()
    _refused(browser, browser.artifact(person.pesel), caplog, "is below substantial")


def test_wrong_in_response_to_is_refused(browser, caplog):
    person = PersonFactory()
    saml_request = browser.start()
    request_id = etree.fromstring(base64.b64decode(saml_request)).get("ID")
    cache.delete(f"portal-saml:request:{request_id}")  # not (or no longer) a pending request of ours
    page = browser.choose(browser.at_node(saml_request), pesel_choice=person.pesel)
    _refused(browser, field(page, "SAMLart"), caplog, f"Response InResponseTo '{request_id}' is not a pending")


def test_replayed_artifact_is_refused(browser, wk, caplog):
    person = PersonFactory()
    artifact = browser.artifact(person.pesel)
    assert browser.acs(artifact).status_code == 302
    browser.client.logout()
    browser.start()  # a login started again in this browser: the old artifact is still refused
    _refused(browser, artifact, caplog, "SAMLart has already been used (replay)")
    assert len(wk.calls) == 1  # the replay never reached the node


def test_expired_artifact_is_refused(browser, caplog):
    person = PersonFactory()
    artifact = browser.artifact(person.pesel)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=180)):
        _refused(browser, artifact, caplog, "the artifact is unknown, expired or already used")


def test_cancelled_login_shows_a_message(browser):
    token = browser.at_node(browser.start())
    page = browser.choose(token, action="cancel")
    assert 'name="SAMLart"' not in page.content.decode()
    response = browser.client.post("/portal/login/acs/", {})
    assert response.status_code == 400
    assert gettext("The login at login.gov.pl was cancelled.") in response.content.decode()
    _not_logged_in(browser.client)


def test_single_logout_ends_both_sessions(browser, wk):
    person = PersonFactory()
    browser.login(person.pesel)
    session_index = browser.client.session["portal_saml"]["session_index"]
    assert idp.session_active(session_index)
    response = browser.client.post("/portal/wyloguj/")
    assert response.status_code == 200
    assert gettext("You have been logged out of the portal and of login.gov.pl.") in response.content.decode()
    assert wk.calls[-1].endswith("/sim/wk/login-services/singleLogoutService")
    assert not idp.session_active(session_index)
    _not_logged_in(browser.client)


def test_logout_when_the_node_refuses_still_ends_the_portal_session(browser, wk):
    person = PersonFactory()
    browser.login(person.pesel)
    wk.tamper = lambda body: body.replace(b"Success", b"Failure")  # breaks the node's signature
    response = browser.client.post("/portal/wyloguj/")
    assert (
        gettext(
            "You have been logged out of the portal. The login.gov.pl session could not be ended: close the browser."
        )
        in response.content.decode()
    )
    _not_logged_in(browser.client)


def test_logout_needs_post(browser):
    assert browser.client.get("/portal/wyloguj/").status_code == 405


def test_session_expires_after_inactivity(browser, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 900
    person = PersonFactory()
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        browser.login(person.pesel)
        traveller.shift(datetime.timedelta(minutes=10))
        assert browser.client.get("/portal/").status_code == 200  # activity refreshes the session
        traveller.shift(datetime.timedelta(minutes=14))
        assert browser.client.get("/portal/").status_code == 200
        traveller.shift(datetime.timedelta(minutes=16))
        response = browser.client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?wygasla=1"
    assert "_auth_user_id" not in browser.client.session
    page = browser.client.get(response["Location"])
    assert page.status_code == 200
    assert gettext("Your session expired after a period of inactivity. Please log in again.") in page.content.decode()


def test_idle_session_is_gone_on_the_server_after_the_grace_period(browser, settings):
    settings.PORTAL_SESSION_IDLE_SECONDS = 900
    person = PersonFactory()
    start = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        browser.login(person.pesel)
        traveller.shift(datetime.timedelta(minutes=21))
        response = browser.client.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


def test_login_and_acs_are_rate_limited(browser, settings):
    settings.PORTAL_LOGIN_RATE_LIMIT = 3
    for _ in range(3):
        assert browser.client.get("/portal/login/").status_code == 200
    response = browser.client.get("/portal/login/")
    assert response.status_code == 429
    assert gettext("Too many login attempts from your address. Please wait a few minutes and try again.") in (
        response.content.decode()
    )
    for _ in range(3):
        browser.client.post("/portal/login/acs/", {"SAMLart": "x"})
    assert browser.client.post("/portal/login/acs/", {"SAMLart": "x"}).status_code == 429


def test_acs_is_post_only_and_csrf_exempt(wk):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.get("/portal/login/acs/").status_code == 405
    assert strict.post("/portal/login/acs/", {"SAMLart": "bm90IGFuIGFydGlmYWN0"}).status_code == 403  # refused
    # ... by the SAML checks (a malformed artifact), not by CSRF
    assert gettext(REFUSED) in strict.post("/portal/login/acs/", {"SAMLart": "eA=="}).content.decode()


def test_the_authn_request_is_as_the_node_expects(browser):
    root = etree.fromstring(base64.b64decode(browser.start()))
    assert root.tag == q(SAMLP, "AuthnRequest")
    assert root.get("ForceAuthn") == "true"
    assert root.get("ProtocolBinding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    assert root.get("AssertionConsumerServiceURL") == "http://testserver/portal/login/acs/"
    assert root.get("Destination") == "http://testserver/sim/wk/login/SingleSignOnService"
    ns = {
        "eidas": "http://eidas.europa.eu/saml-extensions",
        "saml2p": SAMLP,
        "saml2": "urn:oasis:names:tc:SAML:2.0:assertion",
        "ds": "http://www.w3.org/2000/09/xmldsig#",
    }
    assert root.findtext("saml2p:Extensions/eidas:SPType", namespaces=ns) == "public"
    names = [a.get("FriendlyName") for a in root.findall(".//eidas:RequestedAttribute", namespaces=ns)]
    assert sorted(names) == ["DateOfBirth", "FamilyName", "FirstName", "PersonIdentifier"]
    context = root.find("saml2p:RequestedAuthnContext", namespaces=ns)
    assert context.get("Comparison") == "minimum"
    assert context.findtext("saml2:AuthnContextClassRef", namespaces=ns) == "http://eidas.europa.eu/LoA/substantial"
    method = root.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", namespaces=ns)
    assert method.get("Algorithm") == "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
    assert root.index(root.find("ds:Signature", namespaces=ns)) == 1  # right after Issuer


def test_wrong_destination_is_refused(browser, settings, caplog):
    person = PersonFactory()
    artifact = browser.artifact(person.pesel)  # the node answers to http://testserver/portal/login/acs/
    settings.PORTAL_SAML_ACS_URL = "https://portal.example.gov.pl/portal/login/acs/"
    _refused(browser, artifact, caplog, "Response Destination 'http://testserver/portal/login/acs/' is not")


def test_signature_wrapping_is_refused(browser, wk, caplog):
    """The genuine signed ArtifactResponse is hidden inside a forged one that carries its signature."""
    from epuap.saml import DS, SOAP

    def wrap(body):
        envelope = etree.fromstring(body)
        genuine = envelope.find(f"{q(SOAP, 'Body')}/{q(SAMLP, 'ArtifactResponse')}")
        signature = genuine.find(q(DS, "Signature"))
        genuine.remove(signature)
        forged = etree.Element(q(SAMLP, "ArtifactResponse"), ID="_forged", InResponseTo=genuine.get("InResponseTo"))
        forged.append(etree.fromstring(etree.tostring(genuine.find("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer"))))
        forged.append(signature)
        extensions = etree.SubElement(forged, q(SAMLP, "Extensions"))
        body_el = genuine.getparent()
        body_el.remove(genuine)
        extensions.append(genuine)
        body_el.append(forged)
        return etree.tostring(envelope)

    person = PersonFactory()
    artifact = browser.artifact(person.pesel)
    wk.tamper = wrap
    _refused(browser, artifact, caplog, "ArtifactResponse: signature verification failed")


def test_an_office_account_linked_to_the_person_is_not_opened_by_the_portal(browser, make_user):
    """An employee who is also in the party register: login.gov.pl never opens a back-office session."""
    person = PersonFactory()
    make_user(roles.TAX_CLERK, username="urzednik", party=person)
    response = browser.login(person.pesel)
    assert response.status_code == 403
    _not_logged_in(browser.client)
    assert AuditEvent.objects.filter(action="portal.login_refused", details__reason="staff").count() == 1


def test_an_artifact_of_someone_elses_login_is_refused_in_this_browser(browser, caplog):
    """Login CSRF: an attacker starts a login and signs in as himself, then makes the victim's browser post his
    artifact to the ACS; the victim's browser did not start that login (no request cookie, or another one)."""
    attacker = PersonFactory()
    artifact = browser.artifact(attacker.pesel)
    victim = Client()
    before = _counts()
    with caplog.at_level(logging.WARNING, logger="portal.saml"):
        response = victim.post("/portal/login/acs/", {"SAMLart": artifact})
    assert response.status_code == 403
    assert any("no login was started in this browser" in r.getMessage() for r in caplog.records)
    assert _counts() == before
    _not_logged_in(victim)
    # the victim had started a login of his own: the attacker's answer is still not his
    victim.get("/portal/login/")
    with caplog.at_level(logging.WARNING, logger="portal.saml"):
        response = victim.post("/portal/login/acs/", {"SAMLart": artifact})
    assert response.status_code == 403
    assert any("is not the login started in this browser" in r.getMessage() for r in caplog.records)
    _not_logged_in(victim)
