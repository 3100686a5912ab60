"""TW-1 XML against the XSD (valid, values, an invalid one refused), the API and the screens with permissions."""

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from core.exceptions import ApplicationError
from finance.models import EnforcementTitle
from finance.services.titles import SCHEMA_DIR, title_create_for_reminder, validate_tw1
from tests.finance.conftest_titles import *  # noqa: F403

pytestmark = pytest.mark.django_db
D = Decimal
d = datetime.date
NS = {"t": "urn:magistrat:etw:tw1:1"}


@pytest.fixture
def title(accountant, person, property_tax, charge, reminder_for, settings):
    settings.FINANCE_ENFORCEMENT_ORGAN = "Naczelnik Urzędu Skarbowego w Magistrowie"
    settings.FINANCE_CREDITOR_NIP = "5250001009"
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00"), (d(2026, 3, 16), "200.00")],
                        value_date=d(2025, 12, 1))  # fmt: skip
    reminder = reminder_for(person, [account], delivered_on=d(2026, 3, 17), number="UP/2026/000007")
    return title_create_for_reminder(actor=accountant, reminder=reminder, issue_date=d(2026, 3, 25))


def test_xml_valid_and_values(title, person):
    xml = bytes(title.xml)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "tw1-magistrat-1.xsd")))
    root = etree.fromstring(xml)
    assert schema.validate(root)
    assert root.get("wersjaSchematu") == "magistrat-tw1-1"
    x = lambda p: root.findtext(p, namespaces=NS)  # noqa: E731
    assert x("t:Naglowek/t:Numer") == "TW/2026/000001"
    assert x("t:Naglowek/t:DataWystawienia") == "2026-03-25"
    assert x("t:Naglowek/t:OrganEgzekucyjny") == "Naczelnik Urzędu Skarbowego w Magistrowie"
    assert x("t:A_Zobowiazany/t:OsobaFizyczna/t:PESEL") == person.pesel
    assert x("t:A_Zobowiazany/t:OsobaFizyczna/t:DataUrodzenia") == person.birth_date.isoformat()
    fields = ("t:TerminPlatnosci", "t:KwotaNaleznosciGlownej", "t:OdsetkiOd")
    rows = [tuple(n.findtext(f, namespaces=NS) for f in fields) for n in root.findall("t:E_Naleznosci/t:Naleznosc", NS)]
    assert rows == [("2026-01-15", "300.00", "2026-01-16"), ("2026-03-16", "200.00", "2026-03-17")]
    assert x("t:E_Naleznosci/t:KwotaRazem") == "500.00"
    assert x("t:E_Naleznosci/t:StawkaOdsetek") == "10.50"
    assert x("t:E_Naleznosci/t:OdsetkiOd") == "2026-01-16"
    assert x("t:Upomnienie/t:Numer") == "UP/2026/000007"
    assert x("t:Upomnienie/t:DataDoreczenia") == "2026-03-17"
    assert x("t:Wierzyciel/t:NIP") == "5250001009"


def test_invalid_xml_refused(title):
    bad = bytes(title.xml).replace(b"<KwotaRazem>500.00</KwotaRazem>", b"<KwotaRazem>-5</KwotaRazem>")
    with pytest.raises(ApplicationError) as exc:
        validate_tw1(bad)
    assert exc.value.code == "invalid"
    with pytest.raises(ApplicationError) as exc:
        validate_tw1(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    assert exc.value.code == "xml_invalid"
    with pytest.raises(ApplicationError) as exc:
        validate_tw1(bytes(title.xml), "tw1-unknown")
    assert exc.value.code == "schema_unknown"


def test_api(client, accountant, nobody, title, person, property_tax, charge, reminder_for):
    client.force_login(nobody)
    assert client.get("/api/v1/finance/titles/").status_code == 403
    assert client.post(f"/api/v1/finance/titles/{title.pk}/transition/", {"to": "withdrawn"}).status_code == 404
    client.force_login(accountant)
    data = client.get("/api/v1/finance/titles/?status=prepared").json()
    assert [t["number"] for t in data["results"]] == ["TW/2026/000001"]
    detail = client.get(f"/api/v1/finance/titles/{title.pk}/").json()
    assert [i["principal"] for i in detail["items"]] == ["300.00", "200.00"]
    assert client.get(f"/api/v1/finance/titles/{title.pk}/xml/").content == bytes(title.xml)
    assert client.get(f"/api/v1/finance/titles/{title.pk}/pdf/").content.startswith(b"%PDF")
    r = client.post(f"/api/v1/finance/titles/{title.pk}/transition/", {"to": "sent"}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (400, "transition_refused")
    r = client.post("/api/v1/finance/title-runs/", {"cutoff_date": "2026-03-20", "issue_date": "2026-03-26"},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 201
    assert r.json()["summary"]["titles"] == 0
    r = client.post(f"/api/v1/finance/title-runs/{r.json()['id']}/confirm/")
    assert (r.status_code, r.json()["status"]) == (200, "issued")
    r = client.post("/api/v1/finance/enforcement-payment-reports/", {"period_start": "2026-03-01",
                    "period_end": "2026-03-31"}, content_type="application/json")  # fmt: skip
    assert (r.status_code, r.json()["total"]) == (201, "0.00"), r.json()
    r = client.post(f"/api/v1/finance/titles/{title.pk}/transition/", {"to": "withdrawn", "reason": "błąd"},
                    content_type="application/json")  # fmt: skip
    assert r.json()["status"] == "withdrawn"


def test_screens(client, accountant, nobody, title):
    client.force_login(nobody)
    assert client.get("/finance/titles/").status_code == 403
    client.force_login(accountant)
    page = client.get("/finance/titles/?status=prepared").content.decode()
    assert "TW/2026/000001" in page
    assert client.get(f"/finance/titles/{title.pk}/").status_code == 200
    assert client.get("/finance/titles/runs/").status_code == 200
    r = client.post("/finance/titles/runs/", {"cutoff_date": "20.03.2026", "issue_date": "26.03.2026"})
    assert r.status_code == 302
    assert client.get(r["Location"]).status_code == 200
    r = client.post(f"/finance/titles/{title.pk}/", {"to": "withdrawn", "reason": "błąd"})
    assert EnforcementTitle.objects.get(pk=title.pk).status == "withdrawn"
    r = client.post("/finance/titles/payments/", {"period_start": "01.03.2026", "period_end": "31.03.2026"})
    assert r.status_code == 302
    assert client.get(r["Location"] + "?format=csv")["Content-Type"].startswith("text/csv")


def test_title_for_one_reminder_api_and_screen(client, accountant, nobody, person, property_tax, charge, reminder_for):
    """A title outside a run: refused on the 7th day after the delivery (nothing written), made on the 8th."""
    account, _ = charge(person, property_tax, [(d(2026, 1, 15), "300.00")], value_date=d(2025, 12, 1))
    reminder = reminder_for(person, [account], delivered_on=d(2026, 3, 10), number="UP/2026/000011")
    client.force_login(nobody)
    r = client.post("/api/v1/finance/titles/", {"reminder": reminder.pk, "issue_date": "2026-03-18"},
                    content_type="application/json")  # fmt: skip
    assert r.status_code == 403
    assert (
        client.post("/finance/titles/new/", {"reminder": "UP/2026/000011", "issue_date": "18.03.2026"}).status_code
        == 403
    )
    client.force_login(accountant)
    r = client.post("/api/v1/finance/titles/", {"reminder": reminder.pk, "issue_date": "2026-03-17"},
                    content_type="application/json")  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (400, "wait_not_over")
    assert EnforcementTitle.objects.count() == 0
    r = client.post("/finance/titles/new/", {"reminder": "UP/2026/999999", "issue_date": "18.03.2026"})
    assert r.status_code == 400
    assert EnforcementTitle.objects.count() == 0
    r = client.post("/finance/titles/new/", {"reminder": "UP/2026/000011", "issue_date": "18.03.2026"})
    title = EnforcementTitle.objects.get()
    assert (r.status_code, r["Location"]) == (302, f"/finance/titles/{title.pk}/")
    assert (title.number, title.principal, title.issue_date) == ("TW/2026/000001", D("300.00"), d(2026, 3, 18))
    r = client.post("/api/v1/finance/titles/", {"reminder": reminder.pk, "issue_date": "2026-03-19"},
                    content_type="application/json")  # fmt: skip
    assert (r.status_code, r.json()["code"]) == (400, "title_exists")
    assert EnforcementTitle.objects.count() == 1
