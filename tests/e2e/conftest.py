"""Browser tests: Playwright (sync API) driving the system Chromium against pytest-django's live server.

Run them with ``pytest -m e2e``. They need /usr/bin/chromium (Debian package ``chromium``); never
``playwright install``: the machines are offline. Without Chromium they are skipped, except on CI
(CI=true), which installs it, where a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in this thread; Django's ORM, used by the test itself
# to create data, would otherwise refuse to run ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install the Debian package 'chromium' to run the browser tests"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: CI must install it)", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the browser: JS errors, failed or off-site requests (nothing may use a CDN)."""

    def __init__(self, origin: str):
        self.origin = origin
        self.errors: list[str] = []

    def _request_failed(self, request) -> None:
        # net::ERR_ABORTED: the browser dropped the request itself because the page navigated away meanwhile (e.g.
        # the favicon of a page left at once by a form submit) — not a failure of the server
        if "ERR_ABORTED" in (request.failure or ""):
            return
        self.errors.append(f"request failed: {request.url} {request.failure}")

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"JavaScript error: {exc}"))
        page.on(
            "console",
            lambda msg: self.errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None,
        )
        page.on("requestfailed", self._request_failed)
        page.on(
            "response",
            lambda resp: self.errors.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 500 else None,
        )

    def route(self, route) -> None:
        if route.request.url.startswith(self.origin) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.errors.append(f"off-site request blocked: {route.request.url}")
            route.abort()


@pytest.fixture
def page_problems(live_server):
    return PageProblems(live_server.url)


@pytest.fixture
def page(browser, live_server, transactional_db, page_problems):
    context = browser.new_context(
        base_url=live_server.url,
        locale="pl-PL",
        timezone_id="Europe/Warsaw",
        viewport={"width": 1280, "height": 900},
    )
    context.route("**/*", page_problems.route)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page_problems.attach(page)
    yield page
    context.close()
