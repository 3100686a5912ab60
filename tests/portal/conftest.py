"""Fixtures of the portal tests: the simulated login.gov.pl served in-process by the Django test client.

``wk`` points the portal (SP) and the simulator at ``http://testserver``, uses session-wide test keys in a temporary
directory and routes the portal's server-to-server SOAP calls (ArtifactResolve, LogoutRequest) through a separate
test client, byte for byte as over HTTP.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from epuap.wk import keys
from portal.saml import sp
from tests.epuap.transports import SoapTransport


@pytest.fixture(scope="session")
def wk_key_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wk-keys")
    keys.ensure_wk_keys(directory)
    return directory


class RecordingSoapTransport(SoapTransport):
    def __init__(self, client):
        super().__init__(client)
        self.calls: list[str] = []
        self.tamper = None  # optional: bytes -> bytes applied to the node's answer

    def __call__(self, url, body, soap_action):
        self.calls.append(url)
        answer = super().__call__(url, body, soap_action)
        return self.tamper(answer) if self.tamper else answer


@pytest.fixture
def wk(settings, wk_key_dir, monkeypatch):
    settings.EPUAP_PKI_DIR = wk_key_dir
    settings.EPUAP_SIMULATION_BASE_URL = "http://testserver"
    settings.PORTAL_LOGIN_RATE_LIMIT = 1000
    cache.clear()
    transport = RecordingSoapTransport(Client())
    monkeypatch.setattr(sp, "get_transport", lambda: transport)
    yield transport
    cache.clear()


def field(response, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())
    assert match, f"no field {name} in {response.status_code}: {response.content[:500]!r}"
    return match.group(1)


class Browser:
    """The resident's browser going through the login: portal → login.gov.pl → portal."""

    def __init__(self, client):
        self.client = client

    def start(self):
        page = self.client.get("/portal/login/")
        assert page.status_code == 200, page.status_code
        return field(page, "SAMLRequest")

    def at_node(self, saml_request):
        page = self.client.post("/sim/wk/login/SingleSignOnService", {"SAMLRequest": saml_request})
        assert page.status_code == 200, page.content[:400]
        return field(page, "token")

    def choose(self, token, **data):
        page = self.client.post("/sim/wk/login/wybor-tozsamosci", {"token": token, **data})
        assert page.status_code == 200, page.content[:1000]
        assert field(page, "SAMLart") if "action" not in data else True
        return page

    def artifact(self, choice=None, **typed):
        token = self.at_node(self.start())
        page = self.choose(token, **({"pesel_choice": choice} if choice else typed))
        return field(page, "SAMLart")

    def acs(self, artifact):
        return self.client.post("/portal/login/acs/", {"SAMLart": artifact})

    def login(self, choice=None, **typed):
        return self.acs(self.artifact(choice, **typed))


@pytest.fixture
def browser(client, wk):
    return Browser(client)
