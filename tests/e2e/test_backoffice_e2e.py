"""End to end: a tax clerk logs in, finds a party with the HTMX search and opens it (real Chromium).

    pytest -m e2e tests/e2e            (needs /usr/bin/chromium; see conftest.py)

A screenshot of the dashboard is written to /tmp/dashboard.png (override with E2E_SCREENSHOT_DIR).
"""

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import roles
from tests.factories import PersonFactory

pytestmark = pytest.mark.e2e

SCREENSHOT_DIR = Path(os.environ.get("E2E_SCREENSHOT_DIR") or tempfile.gettempdir())
PASSWORD = "haslo-testowe-123"  # UserFactory's password


def _log_in(page, username: str, password: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Zaloguj się")).to_be_visible()
    page.get_by_label("Nazwa użytkownika").fill(username)
    page.get_by_label("Hasło").fill(password)
    page.get_by_role("button", name="Zaloguj się").click()


def test_tax_clerk_logs_in_and_finds_a_party(page, live_server, make_user, page_problems):
    make_user(roles.TAX_CLERK, username="referent-e2e", first_name="Ewa", last_name="Kowalczyk")
    wanted = PersonFactory(first_names="Katarzyna", surname="Wiśniewska")
    PersonFactory(first_names="Piotr", surname="Zawadzki")
    PersonFactory(first_names="Marek", surname="Wiśniowiecki")

    _log_in(page, "referent-e2e", PASSWORD)

    # The dashboard, in Polish, with the clerk's name, role and menu.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pulpit")
    expect(page.get_by_test_id("user-name")).to_have_text("Ewa Kowalczyk")
    expect(page.locator(".tag-list")).to_contain_text("Referent podatkowy")
    menu = page.get_by_role("navigation", name="Menu główne")
    expect(menu.get_by_role("link", name="Pulpit")).to_have_attribute("aria-current", "page")
    expect(menu.get_by_role("link", name="Podmioty")).to_be_visible()
    expect(menu.get_by_role("link", name="Dziennik zdarzeń")).to_have_count(0)  # not a clerk's right
    expect(page.get_by_role("heading", name="Rejestr podmiotów")).to_be_visible()
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / "dashboard.png"), full_page=True)

    # The party list, all three parties.
    menu.get_by_role("link", name="Podmioty").click()
    expect(page).to_have_url(f"{live_server.url}/core/parties/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Podmioty")
    results = page.locator("#party-results")
    expect(results.locator("tbody tr")).to_have_count(3)
    page.wait_for_function("() => window.htmx !== undefined && htmx.version.startsWith('2.')")

    # Typing filters the table through HTMX: the page itself is not reloaded, the URL follows.
    page.evaluate("() => { window.__sameDocument = true; }")
    search = page.get_by_label("Szukaj: nazwisko, nazwa, PESEL, NIP lub REGON")
    with page.expect_response(lambda r: "/core/parties/?" in r.url and r.request.headers.get("hx-request") == "true"):
        search.press_sequentially("wiśniews", delay=40)
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("Katarzyna Wiśniewska")
    expect(results).not_to_contain_text("Zawadzki")
    expect(page.get_by_test_id("result-count")).to_contain_text("Znaleziono 1 podmiot")
    expect(page).to_have_url(re.compile(r"/core/parties/\?q=wi%C5%9Bniews"))
    assert page.evaluate("() => window.__sameDocument === true"), "the search reloaded the whole page"

    # The detail page.
    results.get_by_role("link", name="Katarzyna Wiśniewska").click()
    expect(page).to_have_url(f"{live_server.url}/core/parties/{wanted.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Katarzyna Wiśniewska")
    expect(page.locator(".details").first).to_contain_text(wanted.pesel)
    expect(page.get_by_role("heading", name="Historia zmian")).to_be_visible()
    expect(page.get_by_role("link", name="Edytuj")).to_be_visible()  # a tax clerk may change parties

    assert page_problems.errors == []


def test_wrong_password_shows_a_polish_error(page, make_user, page_problems):
    make_user(roles.TAX_CLERK, username="referent-e2e-2")

    _log_in(page, "referent-e2e-2", "nie-to-haslo")

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Wprowadź poprawne wartości pól nazwa użytkownika oraz hasło")
    expect(page.get_by_label("Nazwa użytkownika")).to_have_value("referent-e2e-2")
    expect(page.get_by_test_id("user-name")).to_have_count(0)
    assert page_problems.errors == []
