"""Point 9: the portal's security headers (portal.security) and that no portal template needs an inline script."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from core import roles
from portal import security
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
MIDDLEWARE = "portal.security.PortalSecurityHeadersMiddleware"


@pytest.fixture
def with_csp(settings):
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE not in middleware:
        middleware.insert(middleware.index("django.middleware.security.SecurityMiddleware") + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    return settings


def test_portal_pages_get_a_strict_policy(client, make_user, with_csp):
    with_csp.PORTAL_SAML_IDP_SSO_URL = "https://login.gov.pl/login/SingleSignOnService"
    with_csp.PORTAL_CSP_FORM_ACTION = ["https://bramka.example.pl/platnosc/start"]
    client.force_login(make_user(roles.RESIDENT, username="pz-csp", party=PersonFactory()))
    response = client.get("/portal/")
    assert response.status_code == 200
    policy = dict(d.split(" ", 1) for d in response["Content-Security-Policy"].split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self' https://login.gov.pl https://bramka.example.pl"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # the login page (anonymous) too; the back office is not touched by this middleware
    client.logout()
    assert "Content-Security-Policy" in client.get("/portal/login/")
    assert "Content-Security-Policy" not in client.get("/accounts/login/")


def test_an_existing_policy_is_kept(rf, with_csp):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = security.PortalSecurityHeadersMiddleware(view)(rf.get("/portal/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_portal_templates_need_no_inline_script_or_style():
    """The policy forbids inline scripts, event handlers and style attributes: no portal template may use them."""
    root = Path(django_settings.BASE_DIR) / "templates" / "portal"
    offending = []
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+\s*="):
            if re.search(pattern, text, flags=re.IGNORECASE):
                offending.append(f"{path.relative_to(root)}: {pattern}")
    assert offending == []
