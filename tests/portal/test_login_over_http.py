"""The portal resolves the artifact over real HTTP (urllib) against the simulated node served by a live server."""

import pytest
from django.core.cache import cache
from django.utils.translation import gettext

from core.models import User
from tests.factories import PersonFactory
from tests.portal.conftest import Browser


@pytest.mark.django_db(transaction=True)
def test_artifact_resolution_over_http(client, live_server, settings, wk_key_dir):
    settings.EPUAP_PKI_DIR = wk_key_dir
    settings.EPUAP_SIMULATION_BASE_URL = "http://testserver"
    settings.PORTAL_SAML_IDP_ARTIFACT_URL = live_server.url + "/sim/wk/login-services/idpArtifactResolutionService"
    settings.PORTAL_SAML_IDP_SLO_URL = live_server.url + "/sim/wk/login-services/singleLogoutService"
    cache.clear()
    person = PersonFactory()
    browser = Browser(client)
    response = browser.login(person.pesel)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(party=person).pk
    page = client.post("/portal/wyloguj/")
    assert "_auth_user_id" not in client.session
    assert page.status_code == 200
    assert gettext("You have been logged out of the portal and of login.gov.pl.") in page.content.decode()
    cache.clear()
