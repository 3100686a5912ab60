"""Point 10: the two residents' walks in the system Chromium, through the simulated login.gov.pl.

    pytest -m e2e tests/e2e/test_portal_flows.py      (needs /usr/bin/chromium; see conftest.py)

1. login → my taxes → pay online (the simulated gateway: choose a bank, pay) → the gateway's signed callback → the
   payment result and the payment on the tax page;
2. login → file the IN-1 → sign (podpis zaufany) → the UPP → the office polls its ePUAP box → the entry in the EZD's
   incoming register (RPW), seen by the registry clerk in the back office.

The steps use the URL names of the portal's contract; a step whose URL name does not resolve (the page is not built)
is skipped with the name — never passed silently. Screenshots of every step: ``var/e2e-screenshots/flow-*.png``.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from core import roles
from tests.e2e.portal_support import assert_accessible, configure_portal, portal_login, shot
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)
from tests.portal.world_pa11y import office_clerk, resident_world

pytestmark = pytest.mark.e2e
BOX = "/magistrowo/skrytka"
PASSWORD = "haslo-testowe-123"  # UserFactory's password


def url(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        pytest.skip(f"the portal page {name} does not exist yet")


@pytest.fixture
def site(settings, live_server, tmp_path_factory):
    configure_portal(settings, live_server, tmp_path_factory.mktemp("wk-keys"))
    return live_server


def test_login_my_taxes_pay_and_see_the_payment(page, site, make_user, page_problems):
    clerk = office_clerk(make_user)
    world = resident_world(n=1, clerk=clerk, first_names="Anna", surname="Zielińska", total="727.00",
                           make_user=make_user)  # fmt: skip
    portal_login(page, world.party.pesel)
    shot(page, "flow-pay-1-home")

    # my taxes: the 2026 property tax with the second installment (363,50 zł) unpaid
    page.goto(url("portal:taxes"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("727,00")
    shot(page, "flow-pay-2-taxes")
    page.goto(url("portal:taxes-year", year=2026))
    expect(page.locator("main")).to_contain_text(world.decision.number)
    shot(page, "flow-pay-3-taxes-year")

    # pay everything due through the simulated gateway
    page.goto(url("portal:pay"))
    shot(page, "flow-pay-4-pay")
    page.locator('button[name="scope"][value="all_due"]').click()
    expect(page).to_have_url(re.compile(r"/sim/platnosci/"))
    page.locator('input[name="bank"]').first.check()
    page.locator('form [type="submit"]').first.click()
    shot(page, "flow-pay-5-bank")
    page.locator('button[name="action"][value="pay"]').click()
    expect(page).to_have_url(re.compile(r"/portal/platnosci/[^/]+/wynik/$"))
    token = re.search(r"/portal/platnosci/([^/]+)/wynik/", page.url).group(1)

    # the gateway's worker delivers the signed callback (the Celery task, run here as the worker would)
    from finance.models.gateway import GatewayTransaction
    from finance.tasks_gateway import gateway_notify

    tx = GatewayTransaction.objects.get(merchant_order=token)
    assert gateway_notify(tx.pk) is True
    page.goto(url("portal:pay-result", token=token))
    status = page.get_by_test_id("pay-status")
    expect(status).to_have_attribute("data-status", "paid")
    today = f"{timezone.localdate():%d.%m.%Y}"
    expect(page.locator("main")).to_contain_text(today)
    shot(page, "flow-pay-6-result")
    assert_accessible(page)  # the a11y walk cannot reach a payment's result without paying

    # the payment on the tax page of the year
    page.goto(url("portal:taxes-year", year=2026))
    expect(page.locator("main")).to_contain_text(today)
    shot(page, "flow-pay-7-taxes-year-paid")
    assert page_problems.errors == []


def _fill(page, name: str, value: str) -> None:
    field = page.locator(f'[name="{name}"]')
    if field.count() > 1 or (field.count() == 1 and field.get_attribute("type") == "radio"):
        page.locator(f'[name="{name}"][value="{value}"]').check()
        return
    if field.evaluate("e => e.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def test_login_file_in1_get_the_upp_and_the_entry_in_ezd(
    page,
    site,
    settings,
    make_user,
    page_problems,
    simulated_platforms,  # noqa: F811
    pki,  # noqa: F811
    tmp_path,
):
    from documents.models import IncomingEntry
    from documents.services.intake import register_pending_inbound
    from epuap.services import box_poll

    configure_portal(settings, site, pki.directory)  # the node's keys beside the test PKI
    settings.PORTAL_EFORMS_DRAFT_DIR = str(tmp_path / "drafts")
    clerk = office_clerk(make_user)
    world = resident_world(n=1, clerk=clerk, first_names="Anna", surname="Zielińska", total="727.00",
                           make_user=make_user)  # fmt: skip
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-e2e")
    portal_login(page, world.party.pesel)

    page.goto(url("portal:forms-in1"))
    expect(page.locator("main")).to_contain_text(world.party.pesel)  # the sender's data from the register
    today = timezone.localdate()
    data = {
        "year": str(today.year), "purpose": "zmiana", "event_date": (today - datetime.timedelta(days=3)).isoformat(),
        "role": "wspolwlasciciel", "share": "1/2",
        "obj-0-kind": "land", "obj-0-precinct": "Magistrowo", "obj-0-parcel": "101/7", "obj-0-category": "land_other",
        "obj-0-area": "812.50",
    }  # fmt: skip
    for name, value in data.items():
        _fill(page, name, value)
    shot(page, "flow-in1-1-form")
    page.locator("main form[method=post] [type=submit]").last.click()
    shot(page, "flow-in1-2-preview")
    sign_form = page.locator(f'form[action="{url("portal:forms-sign", kind="in1")}"]')
    expect(sign_form).to_have_count(1)
    sign_form.locator("[type=submit]").first.click()

    # the UPP from the office's box
    expect(page).to_have_url(re.compile(r"/portal/formularze/wyslane/[0-9a-f-]{36}/$"))
    expect(page.locator('a[href$="upp.xml"]')).to_have_count(1)
    expect(page.locator("main")).to_contain_text(f"{today:%d.%m.%Y}")
    shot(page, "flow-in1-3-upp")
    assert_accessible(page)  # nor a sent form's page without sending one

    # the office's adapter polls the box (the periodic task's work) and registers the document in the RPW
    assert box_poll(box_address=BOX, transport=simulated_platforms["epuap"].transport).stored == 1
    assert register_pending_inbound() == 1
    entry = IncomingEntry.objects.get(form_code="IN-1")
    assert entry.sender == world.party

    # the registry clerk sees it in the EZD's incoming register
    page.context.clear_cookies()
    page.goto("/accounts/login/?next=/documents/rpw/")
    page.get_by_label(gettext("Username")).fill(registry.username)
    page.get_by_label(gettext("Password")).fill(PASSWORD)
    page.locator("form [type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/documents/rpw/"))
    expect(page.locator("main")).to_contain_text(entry.rpw_number)
    expect(page.locator("main")).to_contain_text("IN-1")
    shot(page, "flow-in1-4-rpw")
    assert page_problems.errors == []
