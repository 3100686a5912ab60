"""End to end in Chromium: a population clerk registers a stay, then issues a certificate (PDF).

pytest -m e2e tests/e2e
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from core import roles
from population.services import ResidentInput, resident_create
from tests.e2e.test_backoffice_e2e import PASSWORD, _log_in
from tests.factories import PersonFactory
from tests.population.conftest import demo_teryt, town_street  # noqa: F401 (fixtures)

pytestmark = pytest.mark.e2e


def test_register_a_stay_then_issue_a_certificate(page, live_server, make_user, town_street, page_problems):  # noqa: F811
    clerk = make_user(roles.POPULATION_CLERK, username="ewidencja-e2e", first_name="Jan", last_name="Urzędnik")
    person = PersonFactory(first_names="Zofia", surname="Żółkiewska", birth_date=datetime.date(1985, 4, 2), sex="F")
    resident = resident_create(actor=clerk, party=person, data=ResidentInput())
    start = timezone.localdate() - datetime.timedelta(days=30)

    _log_in(page, "ewidencja-e2e", PASSWORD)
    page.goto(f"/population/residents/{resident.pk}/")
    expect(page.get_by_role("heading", name=re.compile("Żółkiewska"))).to_be_visible()

    # Register a permanent stay: choosing the locality loads its streets with HTMX.
    page.get_by_role("link", name="Zamelduj").click()
    page.wait_for_load_state("networkidle")  # htmx initialised before the first change event
    with page.expect_response(lambda r: "/core/streets/options/" in r.url and r.status == 200):
        page.get_by_label("Miejscowość").select_option(value=str(town_street.locality_id))
    street_select = page.get_by_label("Ulica")
    expect(street_select.locator(f"option[value='{town_street.pk}']")).to_have_count(1)
    street_select.select_option(value=str(town_street.pk))
    page.get_by_label("Numer budynku").fill("12")
    page.get_by_label("Numer lokalu").fill("3")
    page.get_by_label("Kod pocztowy").fill("05-990")
    page.get_by_label("Zameldowany od").fill(start.strftime("%d.%m.%Y"))
    page.get_by_role("button", name=re.compile("Zamelduj")).click()

    expect(page).to_have_url(re.compile(rf"/population/residents/{resident.pk}/$"))
    history = page.get_by_test_id("registration-table")
    expect(history).to_contain_text(town_street.full_name)
    expect(history).to_contain_text(start.strftime("%d.%m.%Y"))

    # Issue a certificate of the current registration.
    page.get_by_test_id("issue-certificate").click()
    page.get_by_role("button", name=re.compile("Wydaj")).click()
    expect(page).to_have_url(re.compile(r"/population/certificates/\d+/$"))
    expect(page.locator("body")).to_contain_text(f"SO.5341.1.{timezone.localdate().year}")
    expect(page.locator("body")).to_contain_text("17,00")

    pdf_link = page.get_by_role("link", name=re.compile("PDF"))
    response = page.request.get(pdf_link.first.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
    # A stylesheet request cancelled by a quick navigation (ERR_ABORTED) is not a problem of the page.
    assert [e for e in page_problems.errors if "ERR_ABORTED" not in e] == []
