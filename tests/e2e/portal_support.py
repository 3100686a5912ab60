"""Shared by the portal's browser tests: the simulated login.gov.pl behind the live server, the login walk, the
screenshots folder and axe-core.

Screenshots go to ``var/e2e-screenshots/`` (``E2E_PORTAL_SCREENSHOT_DIR`` overrides it); CI keeps that folder as its
artifact. The axe-core result of the accessibility walk goes to the file the accessibility statement reads
(``portal.views_mydata.a11y_report_path()``, by default ``var/a11y/axe-portal.json``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils.translation import gettext
from playwright.sync_api import expect

from epuap.wk import keys

CSP_MIDDLEWARE = "portal.security.PortalSecurityHeadersMiddleware"


def screenshot_dir() -> Path:
    configured = os.environ.get("E2E_PORTAL_SCREENSHOT_DIR")
    directory = Path(configured) if configured else Path(django_settings.BASE_DIR) / "var" / "e2e-screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def shot(page, name: str) -> Path:
    path = screenshot_dir() / f"{re.sub(r'[^0-9A-Za-z_.-]+', '-', name).strip('-')}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


BLOCKING = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page (WCAG 2.0/2.1 A and AA rules and best practices)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=axe_url())  # same origin: allowed by the portal's CSP
    return page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,"
        " nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }",
        AXE_TAGS,
    )


def assert_accessible(page) -> None:
    """No serious or critical axe-core violation on the page (the pages the a11y walk reaches only through a flow:
    a payment's result, a sent form)."""
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    found = "; ".join(f"{v['id']} ({v['impact']}): {v['help']}" for v in blocking)
    assert not blocking, f"{page.url}: axe-core: {found}"


def axe_file() -> Path:
    found = sorted((Path(django_settings.BASE_DIR) / "static" / "vendor").glob("axe-*.min.js"))
    assert found, "static/vendor/axe-<version>.min.js is missing"
    return found[-1]


def axe_url() -> str:
    return django_settings.STATIC_URL.rstrip("/") + "/vendor/" + axe_file().name


def configure_portal(settings, live_server, key_dir: Path) -> None:
    """The portal (SP) and the simulated node both at the live server; the node's keys in ``key_dir``."""
    keys.ensure_wk_keys(key_dir)
    settings.EPUAP_PKI_DIR = key_dir
    settings.EPUAP_SIMULATION_BASE_URL = live_server.url
    settings.PORTAL_LOGIN_RATE_LIMIT = 10_000
    middleware = list(settings.MIDDLEWARE)
    if CSP_MIDDLEWARE not in middleware:  # the portal's CSP, so that a page breaking it fails here
        middleware.insert(middleware.index("django.middleware.security.SecurityMiddleware") + 1, CSP_MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    cache.clear()


@pytest.fixture
def portal_site(settings, live_server, tmp_path_factory):
    configure_portal(settings, live_server, tmp_path_factory.mktemp("wk-keys"))
    yield live_server
    cache.clear()


def portal_login(page, pesel: str) -> None:
    """Log in through the simulated login.gov.pl as the person with ``pesel`` (a party in the register)."""
    page.goto("/portal/login/")
    page.get_by_role("button", name=gettext("Log in through login.gov.pl")).click()
    page.locator(f'button[data-pesel="{pesel}"]').click()
    # the node's page posts the artifact back to the portal by itself (or with its "Continue" button without JS)
    page.wait_for_url(re.compile(r"/portal/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(gettext("My data"))
