"""Point 8: the generated accessibility statement (deklaracja dostępności), public, from settings and the axe report."""

import json

import pytest
from django.utils.translation import gettext, ngettext

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(tmp_path, settings):
    settings.PORTAL_A11Y_REPORT = str(tmp_path / "axe-portal.json")
    return tmp_path / "axe-portal.json"


def test_statement_without_an_automated_check_says_so(client, report, settings):
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.PORTAL_A11Y_PUBLISHED = "2026-11-02"
    settings.PORTAL_A11Y_UPDATED = "2026-11-10"
    settings.PORTAL_A11Y_CONTACT_NAME = "Jan Dostępny"
    settings.PORTAL_A11Y_CONTACT_EMAIL = "dostepnosc@magistrowo.example.pl"
    settings.PORTAL_A11Y_CONTACT_PHONE = "+48 22 000 00 00"
    response = client.get("/portal/deklaracja-dostepnosci/")  # public: no login
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="a11y-subject">Urząd Gminy Magistrowo</span>' in html
    assert '<span id="a11y-publication-date">02.11.2026</span>' in html
    assert '<span id="a11y-update-date">10.11.2026</span>' in html
    assert '<span id="a11y-contact-name">Jan Dostępny</span>' in html
    assert 'href="mailto:dostepnosc@magistrowo.example.pl"' in html
    assert '<span id="a11y-phone">+48 22 000 00 00</span>' in html
    assert (
        gettext(
            "No result of the automated check is available on this server; the statement is based on the manual "
            "self-assessment only."
        )
        in html
    )
    assert (
        gettext("The office handles the request without undue delay, no later than within 7 days of its receipt.")
        in html
    )
    assert html.count('id="a11y-') >= 8
    assert '<html lang="pl">' in html


def test_statement_reports_the_latest_axe_check(client, report, settings):
    settings.PORTAL_A11Y_PUBLISHED = "2026-11-02"
    settings.PORTAL_A11Y_UPDATED = ""
    report.write_text(json.dumps({
        "checked_at": "2026-11-20T10:15:00+00:00",
        "axe_version": "4.14.1",
        "pages": [
            {"url": "/portal/", "violations": []},
            {"url": "/portal/podatki/", "violations": [{"id": "color-contrast", "impact": "serious", "help": "x"}]},
            {"url": "/portal/sprawy/", "violations": [{"id": "region", "impact": "moderate", "help": "y"}]},
        ],
    }))  # fmt: skip
    html = client.get("/portal/deklaracja-dostepnosci/").content.decode()
    assert '<span id="a11y-update-date">20.11.2026</span>' in html  # the check is the latest update
    check = html.split('data-testid="a11y-check">', 1)[1].split("</p>", 1)[0]
    assert "axe-core 4.14.1" in check
    assert "20.11.2026" in check
    assert " 3 " in check
    serious = ngettext(
        'the automated check found a problem "%(rule_id)s" on %(pages)s page',
        'the automated check found a problem "%(rule_id)s" on %(pages)s pages',
        1,
    ) % {"rule_id": "color-contrast", "pages": 1}
    moderate = ngettext(
        'the automated check found a problem "%(rule_id)s" on %(pages)s page',
        'the automated check found a problem "%(rule_id)s" on %(pages)s pages',
        1,
    ) % {"rule_id": "region", "pages": 1}
    assert serious in html
    assert moderate in html
    assert html.index(serious) < html.index(moderate)  # serious first


def test_an_unreadable_report_is_ignored(client, report):
    report.write_text("{not json")
    response = client.get("/portal/deklaracja-dostepnosci/")
    assert response.status_code == 200
    assert gettext("The check found no serious or critical problems.") not in response.content.decode()


def test_invalid_dates_fall_back(client, report, settings):
    settings.PORTAL_A11Y_PUBLISHED = "2026-02-30"
    settings.PORTAL_A11Y_UPDATED = "nonsense"
    response = client.get("/portal/deklaracja-dostepnosci/")  # renders without the dates rather than failing
    assert response.status_code == 200
    assert '<span id="a11y-publication-date"></span>' in response.content.decode()
