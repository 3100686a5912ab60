"""End to end in Chromium: the registry desk registers a paper letter with its scan and passes it to FN; the head
assigns it to a clerk; the clerk finds it in the inbox and opens case FN.3120.1.<year> from it.

pytest -m e2e tests/e2e
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core import roles
from documents.models import Case, IncomingEntry, JrwaClass, StoredFile
from tests.e2e.test_backoffice_e2e import PASSWORD, _log_in
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.e2e

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _log_out(page) -> None:
    page.wait_for_load_state("load")
    page.context.clear_cookies()


def test_registry_desk_then_dekretacja_then_clerk_inbox_opens_a_case(page, make_user, page_problems, tmp_path):
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    pd = OrgUnitFactory(symbol="PD", name="Referat Podatków i Opłat", parent=fn)
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik-e2e", org_unit=fn, first_name="Krzysztof",
                     last_name="Wiśniewski")  # fmt: skip
    fn.head = head
    fn.save(update_fields=["head"])
    clerk = make_user(roles.TAX_CLERK, username="referent-e2e", org_unit=pd, first_name="Łukasz", last_name="Zieliński")
    make_user(roles.REGISTRY_CLERK, username="kancelaria-e2e", first_name="Agnieszka", last_name="Kamińska")
    scan = tmp_path / "skan-pisma.pdf"
    scan.write_bytes(SCAN)
    year = timezone.localdate().year

    # 1. The registry desk registers a paper letter from a new sender, with the scan.
    _log_in(page, "kancelaria-e2e", PASSWORD)
    page.goto("/documents/rpw/new/")
    expect(page.get_by_role("heading", name="Zarejestruj pismo")).to_be_visible()
    form = page.get_by_test_id("register-form")
    form.locator("[name=sender_kind]").select_option("person")
    form.locator("[name=sender_first_names]").fill("Zofia")
    form.locator("[name=sender_surname]").fill("Żółkiewska")
    form.locator("[name=title]").fill("Informacja o nieruchomościach IN-1")
    form.locator("[name=form_code]").fill("IN-1")
    form.locator("[name=files]").set_input_files(str(scan))
    page.get_by_role("button", name="Zarejestruj pismo").click()

    expect(page.locator("h1")).to_contain_text(f"RPW/1/{year}")
    expect(page.get_by_test_id("entry-files")).to_contain_text("skan-pisma.pdf")
    entry = IncomingEntry.objects.get()
    assert bytes(entry.files.get(role=StoredFile.Role.SCAN).content) == SCAN
    assert entry.sender.status == "pending_review"

    # … and passes it to FN (dekretacja on the unit).
    page.get_by_test_id("entry-actions").get_by_role("link", name="Dekretacja").click()
    unit_form = page.get_by_test_id("assign-unit-form")
    unit_form.locator("select[name='unit-unit']").select_option(str(fn.pk))
    unit_form.locator("[name='unit-instruction']").fill("wg właściwości")
    unit_form.get_by_role("button", name="Zadekretuj na komórkę").click()
    expect(page.locator("body")).to_contain_text(f"Zadekretowano pismo RPW/1/{year}.")
    _log_out(page)

    # 2. The head of FN assigns it to the clerk.
    _log_in(page, "kierownik-e2e", PASSWORD)
    page.goto(f"/documents/entries/{entry.pk}/dekretacja/")
    clerk_form = page.get_by_test_id("assign-clerk-form")
    clerk_form.locator("select[name='clerk-clerk']").select_option(str(clerk.pk))
    clerk_form.locator("[name='clerk-instruction']").fill("proszę o wymiar")
    clerk_form.get_by_role("button", name="Zadekretuj na prowadzącego").click()
    expect(page.locator("body")).to_contain_text(f"Zadekretowano pismo RPW/1/{year}.")
    _log_out(page)

    # 3. The clerk sees it in the inbox and opens the case from it.
    _log_in(page, "referent-e2e", PASSWORD)
    page.goto("/documents/inbox/?tab=entries")
    entries = page.get_by_test_id("inbox-entries")
    expect(entries).to_contain_text(f"RPW/1/{year}")
    expect(entries).to_contain_text("proszę o wymiar")
    page.get_by_test_id(f"open-case-{entry.pk}").click()
    expect(page.locator("[name=title]")).to_have_value("Informacja o nieruchomościach IN-1")
    jrwa = JrwaClass.objects.get(version__is_current=True, symbol="3120")
    page.locator("select[name=jrwa]").select_option(str(jrwa.pk))
    page.get_by_role("button", name="Załóż sprawę").click()

    expect(page.get_by_role("heading", name=re.compile(rf"FN\.3120\.1\.{year}"))).to_be_visible()
    case = Case.objects.get()
    assert (case.mark, case.owner.username) == (f"FN.3120.1.{year}", "referent-e2e")
    entry.refresh_from_db()
    assert (entry.status, entry.case_id) == (IncomingEntry.Status.IN_CASE, case.pk)
    # A request cut short by the next navigation (net::ERR_ABORTED) is the test clicking on, not a page problem;
    # JavaScript errors, HTTP 5xx and any other failed request are.
    assert [e for e in page_problems.errors if "net::ERR_ABORTED" not in e] == []
