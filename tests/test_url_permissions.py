"""Every URL pattern of the project refuses an anonymous user and a user without the permission.

The test enumerates the URL resolver, so a view added later without a permission check fails here.
Public URLs are listed explicitly in PUBLIC with the reason.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

from core.models import AuditEvent, Party
from tests.factories import PersonFactory

PUBLIC = {
    "login": "the login page itself",
    "portal:login": "the residents' login page (login.gov.pl button); rate limited per IP",
    "portal:acs": "SAML assertion consumer: a cross-site POST from login.gov.pl; signed, encrypted assertion checked",
    "portal:logout": "logging out (single logout) needs no permission",
    "portal:accessibility": "the accessibility statement (deklaracja dostępności) is public by law",
    "portal:pay-notify": "payment gateway's server-to-server callback: authenticated by its HMAC-SHA256 signature "
    "instead of a session (400 without a valid one, nothing written)",
    "gateway_sim:index": "simulated payment gateway test environment: description page",
    "gateway_sim:start": "simulated payment gateway: the merchant's signed payment request (400 without a valid "
    "signature), then choosing a bank of a started transaction",
    "gateway_sim:bank": "simulated payment gateway test environment: the simulated bank's page of a started "
    "transaction (404 otherwise)",
    "wk_sim:index": "simulated login.gov.pl test environment: description page",
    "wk_sim:sso": "simulated login.gov.pl: SingleSignOnService, authenticated by the SP's signature",
    "wk_sim:choose": "simulated login.gov.pl test environment: choosing a test identity (no password)",
    "wk_sim:metadata": "simulated login.gov.pl: public SAML metadata",
    "wk_sim:artifact-resolution": "simulated login.gov.pl SOAP service: authenticated by the SP's signature",
    "wk_sim:slo": "simulated login.gov.pl SOAP service: authenticated by the SP's signature",
    "logout": "logging out needs no permission",
    "healthz": "load-balancer probe; reports only ok/down",
    "api-token": "exchanges credentials for a token; throttled",
    "admin:login": "admin login page",
    "admin:logout": "admin logout",
    "finance:certificate-verify": "printed on certificates: number, date, outcome and initials only — no amounts",
    "edoreczenia:token": "simulated e-Doręczenia: client-assertion login (RFC 7523), refuses without a valid JWT",
    "edoreczenia:jwks": "simulated e-Doręczenia: the public key that verifies evidences",
    **{
        f"edoreczenia:{name}": "simulated e-Doręczenia API: its own bearer tokens (401 without one), not sessions"
        for name in (
            "messages",
            "message",
            "message-evidences",
            "evidence",
            "attachment",
            "bae-addresses",
            "bae-search",
        )
    },
    "edoreczenia:sim-mailbox-choose": "simulated e-Doręczenia test environment: choosing a test mailbox (no password)",
    "edoreczenia:sim-logout": "simulated e-Doręczenia: leaving the simulator's own mailbox session",
    **{
        f"edoreczenia:{name}": "simulated e-Doręczenia mailbox pages: the simulator's own session, redirect to the "
        "chooser without it; only the chosen mailbox's messages (404 otherwise)"
        for name in ("sim-inbox", "sim-message", "sim-message-open", "sim-attachment", "sim-compose")
    },
    "population:certificate-verify": "printed on certificates: masked data only (initials); 404 for malformed codes",
    "epuap_platform:ws-pull": "simulated ePUAP SOAP service: authenticated by WS-Security instead",
    "epuap_platform:ws-skrytka": "simulated ePUAP SOAP service: authenticated by WS-Security instead",
    "epuap_platform:ws-doreczyciel": "simulated ePUAP SOAP service: authenticated by WS-Security instead",
    "epuap_platform:resident-identity": "simulated ePUAP test environment: the simulated profil zaufany login page",
    "epuap_platform:resident-logout": "simulated ePUAP: logging out of the platform's own session",
    **{
        f"epuap_platform:{name}": "simulated ePUAP resident pages: the platform's own session (simulated profil "
        "zaufany), redirect to its identity page without it; only the resident's own box (404 otherwise)"
        for name in (
            "resident-home",
            "resident-form",
            "resident-sent",
            "resident-sent-detail",
            "resident-sent-download",
            "resident-upp-download",
            "resident-inbox",
            "resident-delivery",
            "resident-delivery-open",
            "resident-delivery-download",
        )
    },
}

SAMPLES = {
    "pk": "1",
    "document_id": "00000000-0000-0000-0000-000000000000",
    "object_id": "1",
    "id": "1",
    "app_label": "core",
    "content_type_id": "1",
    "model_name": "party",
    "url": "nonexistent",
    "uidb64": "MQ",
    "token": "set-password",
}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if (namespace and p.name) else p.name
            yield prefix + str(p.pattern), name


def _example_url(route: str, name: str | None) -> str:
    if name:
        groups = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
        kwargs = {g[0] or g[1]: SAMPLES.get(g[0] or g[1], "1") for g in groups}
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            pass
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES.get(m.group(1), "1"), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLES.get(m.group(1), "x"), url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + url.lstrip("/")


def all_urls():
    seen = {}
    for route, name in _walk(get_resolver().url_patterns):
        url = _example_url(route, name)
        seen.setdefault(url, name or route)
    return sorted(seen.items())


URLS = all_urls()


def test_every_url_is_classified():
    assert len(URLS) > 20
    names = {name for _url, name in URLS}
    assert set(PUBLIC) <= names


def _refused_anonymous(response, url) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    if response.status_code == 302:
        location = response["Location"]
        # the residents' portal sends to its own login (login.gov.pl), the back office and the admin to theirs
        return location.startswith(("/accounts/login/", "/admin/login/")) or (
            url.startswith("/portal/") and location.startswith("/portal/login/")
        )
    return False


def _refused_authenticated(response, url) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    # The admin sends non-staff users to its own login page.
    return (
        url.startswith("/admin/") and response.status_code == 302 and response["Location"].startswith("/admin/login/")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "name"), [u for u in URLS if u[1] not in PUBLIC], ids=[u[0] for u in URLS if u[1] not in PUBLIC]
)
def test_non_public_url_refuses_anonymous_and_unprivileged(client, url, name, nobody):
    PersonFactory()  # so that object URLs (pk=1…) could point at something
    before = (Party.objects.count(), AuditEvent.objects.count())

    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert _refused_anonymous(response, url), f"{method.upper()} {url} ({name}) anonymous: {response.status_code}"

    client.force_login(nobody)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert _refused_authenticated(response, url), (
            f"{method.upper()} {url} ({name}) no-permission: {response.status_code}"
        )

    after = (Party.objects.count(), AuditEvent.objects.count())
    assert after == before, f"{url}: a refused request changed data"


@pytest.mark.django_db
def test_public_urls_answer_anonymous(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
