"""Point 8: axe-core in the system Chromium over every portal page; fails on any serious or critical violation.

    pytest -m e2e tests/e2e/test_portal_a11y.py      (needs /usr/bin/chromium; see conftest.py)

A resident with data in every area (tests/portal/world_pa11y.py) logs in through the simulated login.gov.pl. The
pages are found without a list: every ``portal:`` URL name without parameters is visited, and the links found on the
visited pages are followed (so pages with ids — a case, a year, a letter — are reached with the resident's own ids);
pages added later are covered automatically. Each HTML page is checked with axe-core (WCAG 2.0/2.1 A and AA rules
and best practices) at a desktop and a phone width (no horizontal scrolling at 320 px, WCAG 1.4.10; no amount in a
table split over two lines), every form is also submitted empty once to check its error state, and the anonymous
pages (login, accessibility statement) too.

Screenshots: ``var/e2e-screenshots/a11y-<page>-<desktop|phone>.png`` (see tests/e2e/portal_support.py). The result
is written as JSON to the file the accessibility statement reads (``var/a11y/axe-portal.json``).
"""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext
from playwright.sync_api import expect

from portal.views_mydata import a11y_report_path
from tests.e2e.portal_support import (  # noqa: F401  (fixture)
    AXE_TAGS,
    BLOCKING,
    axe_url,
    portal_login,
    portal_site,
    run_axe,
    shot,
)
from tests.portal.world_pa11y import office_clerk, resident_world

pytestmark = pytest.mark.e2e

# never visited with the resident's session: they end it, belong to the login protocol or take only POSTs from
# other systems
SKIP = {"portal:logout", "portal:acs", "portal:pay-notify"}
PHONE = {"width": 320, "height": 720}
DESKTOP = {"width": 1280, "height": 900}
MAX_PAGES = 80


def _portal_names() -> dict[str, str]:
    """``portal:`` URL name → route, from the resolver."""
    found: dict[str, str] = {}

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name and namespace == "portal":
                found[f"portal:{p.name}"] = "/" + prefix + str(p.pattern)

    walk(get_resolver().url_patterns)
    return found


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def _too_wide(page) -> list[str]:
    """The innermost elements reaching past the right edge of the window (for the failure message)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right >"
        " window.innerWidth + 1 && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))"
        ".slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.')"
        " : '') + ' «' + (e.textContent || '').trim().slice(0, 40) + '»')"
    )


def _broken_amounts(page) -> list[str]:
    """Amounts in table cells (``1 234,56 zł``) laid out over more than one line — e.g. "z" and "ł" split — or free
    to be split when the table gets narrow (a cell without ``white-space: nowrap``)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('main td.num')].filter(td => /zł/.test(td.textContent)).filter(td => {"
        " const r = document.createRange(); r.selectNodeContents(td);"
        " const lines = new Set([...r.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top))).size;"
        " return lines > 1 || getComputedStyle(td).whiteSpace !== 'nowrap'; })"
        ".slice(0, 3).map(td => td.textContent.trim())"
    )


class Walk:
    def __init__(self, page):
        self.page = page
        self.results: list[dict] = []
        self.visited: set[str] = set()
        self.failures: list[str] = []

    def check(self, label: str) -> None:
        page = self.page
        url = urlsplit(page.url).path
        entry = {"url": url, "label": label, "title": page.title(), "violations": []}
        for viewport_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            violations = run_axe(page)
            for v in violations:
                v["viewport"] = viewport_name
                if v["impact"] in BLOCKING:
                    self.failures.append(
                        f"{url} [{label}, {viewport_name}] {v['impact']} {v['id']}: {v['help']} — {v['targets']}"
                    )
            entry["violations"] += [v for v in violations if viewport_name == "desktop" or v["id"] not in
                                    {x["id"] for x in entry["violations"]}]  # fmt: skip
            if broken := _broken_amounts(page):
                self.failures.append(f"{url} [{label}, {viewport_name}] amounts split over lines: {broken}")
            if viewport_name == "phone" and _overflow(page) > 1:
                self.failures.append(f"{url} [{label}] scrolls sideways at {PHONE['width']} px: {_too_wide(page)}")
            shot(page, f"a11y-{label}-{viewport_name}")
        page.set_viewport_size(DESKTOP)
        expect(page.locator("html")).to_have_attribute("lang", "pl")
        assert page.locator("h1").count() == 1, f"{url}: one h1 expected"
        self.results.append(entry)

    def visit(self, url: str, label: str) -> list[str]:
        """Open ``url``; when it is an HTML portal page, check it and return the portal links on it."""
        self.visited.add(url)
        head = self.page.request.get(url, max_redirects=0)
        if head.status >= 300 or not head.headers.get("content-type", "").startswith("text/html"):
            return []
        self.page.goto(url)
        if not urlsplit(self.page.url).path.startswith("/portal/"):
            return []
        self.check(label)
        hrefs = self.page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        return [h.split("#")[0].split("?")[0] for h in hrefs if h.startswith("/portal/")]


def _label(url: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", url.strip("/")) or "portal"


def test_every_portal_page_passes_axe(page, portal_site, make_user, page_problems):  # noqa: F811
    clerk = office_clerk(make_user)
    world = resident_world(n=1, clerk=clerk, first_names="Anna", surname="Zielińska", total="727.00",
                           make_user=make_user)  # fmt: skip
    walk = Walk(page)

    # anonymous pages
    for name in ("portal:login", "portal:accessibility"):
        walk.visit(_portal_names()[name].replace("//", "/"), name.split(":")[1])

    portal_login(page, world.party.pesel)

    # keyboard: the first Tab reaches the skip link, visibly, and it moves the focus to the main content
    page.goto("/portal/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=gettext("Skip to content"))
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box, "the skip link must become visible when focused"
    assert box["y"] >= 0, "the skip link must become visible when focused"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused link has no visible focus indicator"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    names = _portal_names()
    queue = [route for name, route in sorted(names.items()) if name not in SKIP and "<" not in route]
    while queue and len(walk.visited) < MAX_PAGES:
        url = queue.pop(0)
        if url in walk.visited:
            continue
        for link in walk.visit(url, _label(url)):
            if link not in walk.visited and not link.startswith(("/portal/login", "/portal/wyloguj")):
                queue.append(link)

    # the error state of every form on the pages without parameters: submitted empty once
    html_pages = {r["url"] for r in walk.results}
    for name, route in sorted(names.items()):
        if name in SKIP or "<" in route or route not in html_pages or name == "portal:login":
            continue
        page.goto(route)
        forms = page.locator("main form[method=post]")
        for index in range(forms.count()):
            page.goto(route)
            form = page.locator("main form[method=post]").nth(index)
            action = form.get_attribute("action") or route
            if "wyloguj" in action or not form.locator("[type=submit]").count():
                continue
            form.locator("[type=submit]").first.click()
            page.wait_for_load_state()
            if urlsplit(page.url).path.startswith("/portal/") and page.locator("h1").count() == 1:
                walk.check(f"{_label(route)}-form{index}-empty")

    # the pages with parameters that were reached (by the resident's own links)
    reached = set(walk.visited)
    param_routes = {name: route for name, route in names.items() if "<" in route and name not in SKIP}
    not_reached = []
    for name, route in sorted(param_routes.items()):
        pattern = re.compile("^" + re.sub(r"<(?:\w+:)?\w+>", "[^/]+", route.replace(".", r"\.")) + "$")
        if not any(pattern.match(u) for u in reached):
            not_reached.append(name)

    report = {
        "checked_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "axe_version": re.search(r"axe-(.+)\.min\.js$", axe_url()).group(1),
        "tags": AXE_TAGS,
        "pages": walk.results,
        "not_reached": not_reached,
    }
    path = a11y_report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    checked = {r["url"] for r in walk.results}
    for name, route in names.items():
        if name not in SKIP and "<" not in route and name != "portal:mydata-zip":
            assert route in checked or route in walk.visited, f"{name} {route} was not checked"
    assert len(walk.results) >= 4
    # an empty form answered 400 (or 429) is the error state being checked, not a browser problem
    # (a request aborted by the next navigation, e.g. the favicon, is not a problem either)
    errors = [e for e in page_problems.errors if not re.search(r"status of 4(00|29) |net::ERR_ABORTED", e)]
    assert not walk.failures + errors, (
        "axe-core: serious or critical problems\n"
        + "\n".join(walk.failures)
        + "\nbrowser errors (a Content-Security-Policy violation shows here):\n"
        + "\n".join(errors)
    )
