"""Point 7: "My data" — the ZIP of everything the office holds about the resident, only their own."""

import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from core import roles
from core.models import AuditEvent
from portal import export
from tests.factories import PersonFactory
from tests.portal.world_pa11y import office_clerk, resident_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(make_user):
    clerk = office_clerk(make_user)
    anna = resident_world(n=1, clerk=clerk, first_names="Anna", surname="Zielińska", total="727.00",
                          make_user=make_user)  # fmt: skip
    piotr = resident_world(n=2, clerk=clerk, first_names="Piotr", surname="Borowski", total="1234.56",
                           make_user=make_user)  # fmt: skip
    _consent(anna, "Zgoda Anny na e-mail", True)
    _consent(anna, "Zgoda Anny na e-mail", False)
    _consent(piotr, "Zgoda Piotra na e-mail", True)
    return clerk, anna, piotr


def _consent(world, text, granted):
    from django.utils import timezone

    from portal.models import NotificationConsent

    now = timezone.now()
    NotificationConsent.objects.create(
        party=world.party, channel="email", topic="due_dates", granted=granted, address=world.party.email,
        consent_text=text, granted_at=now if granted else None, withdrawn_at=None if granted else now,
    )  # fmt: skip


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def _section(archive, key):
    payload = json.loads(archive.read(export.FILES[key]))
    assert payload["section"] == key
    return payload["data"]


def test_zip_holds_every_area_of_the_resident(client, two):
    _clerk, anna, piotr = two
    client.force_login(anna.user)
    archive = _zip(client.get("/portal/moje-dane/pobierz/moje-dane.zip"))

    names = set(archive.namelist())
    assert set(export.FILES.values()) <= names
    assert "README.txt" in names
    pdfs = sorted(n for n in names if n.startswith("pdf/"))
    assert pdfs == [f"pdf/decyzja-{anna.decision.pk}-FN.3120.1.2026.pdf", f"pdf/pismo-{anna.letter.pk}.pdf"]
    assert archive.read(pdfs[0]).startswith(b"%PDF")
    assert b"Zieli" in archive.read(pdfs[0])

    party = _section(archive, "party")
    assert (party["pesel"], party["first_names"], party["surname"]) == (anna.party.pesel, "Anna", "Zielińska")
    residency = _section(archive, "residency")
    assert [r["start_date"] for r in residency["registrations"]] == ["2019-05-01"]
    objects = _section(archive, "tax_objects")
    assert [(o["parcel"], o["precinct"]) for o in objects] == [("101/7", "Obręb1")]
    declarations = _section(archive, "declarations")
    assert [d["form"] for d in declarations["taxes"]] == ["IN-1"]
    assert [(d["number"], d["residents"]) for d in declarations["waste_fee"]] == [("DO-1", 4)]
    decisions = _section(archive, "decisions")["taxes"]
    assert [(d["number"], d["total"], d["pdf"]) for d in decisions] == [("FN.3120.1.2026", "727.00", pdfs[0])]
    assert [(i["number"], i["amount"]) for i in decisions[0]["installments"]] == [(1, "363.50"), (2, "363.50")]
    assert [(c["base"], c["rate"], c["months"]) for c in decisions[0]["computation"]] == [("1000.0000", "0.5000", 12)]
    accounts = _section(archive, "accounts")
    assert len(accounts) == 1
    installments = accounts[0]["installments"]
    assert [(i["number"], Decimal(i["paid"]), Decimal(i["outstanding"])) for i in installments] == [
        (1, Decimal("363.50"), Decimal("0")), (2, Decimal("0"), Decimal("363.50"))]  # fmt: skip
    entries = [(e["kind"], e["amount"], e["installment"], e["payment_date"]) for e in accounts[0]["entries"]]
    assert entries == [
        (gettext("charge (przypis)"), "727.00", None, None),
        (gettext("allocation"), "363.50", 1, "2026-03-10"),
    ]
    cases = _section(archive, "cases")
    assert [c["mark"] for c in cases["cases"]] == [anna.case.mark]
    # letters: those sent to the resident (a shipment to him), as on the "my cases" pages — the decision, handed over
    # without a shipment in this world, is in the decisions section only
    letters = sorted((letter["title"], letter["pdf"]) for letter in cases["letters"])
    assert letters == [("Wezwanie Zielińska", pdfs[1])]
    assert [s["status"] for s in cases["letters"][0]["shipments"]] == [gettext("delivered")]
    consents = _section(archive, "consents")
    assert consents["contact"] == {"email_consent": False, "phone_consent": False}
    assert [(c["granted"], c["consent_text"], c["address"]) for c in consents["notifications"]] == [
        (True, "Zgoda Anny na e-mail", anna.party.email),
        (False, "Zgoda Anny na e-mail", anna.party.email),
    ]

    log = _section(archive, "access_log")
    office_reads = [e for e in log if not e["by_resident"] and e["action"] == "party.viewed"]
    assert [(e["who"], e["username"], e["unit"], e["purpose"]) for e in office_reads] == [
        ("Ewa Urzędnicza", "referent-world", "Referat Finansowy", "test: clerk reads the party")]  # fmt: skip
    assert any(e["by_resident"] for e in log)  # the resident's own portal read is there, marked as such

    # nothing of the other resident anywhere in the archive
    blob = b"".join(archive.read(n) for n in archive.namelist())
    for secret in piotr.secrets:
        assert secret.encode() not in blob, secret
    assert b"1234.56" not in blob
    assert b"Borowski" not in blob
    assert b"Zgoda Piotra" not in blob


def test_export_is_audited_with_counts(client, two):
    _clerk, anna, _piotr = two
    client.force_login(anna.user)
    before = AuditEvent.objects.filter(action="portal.mydata.exported").count()
    _zip(client.get("/portal/moje-dane/pobierz/moje-dane.zip"))
    events = AuditEvent.objects.filter(action="portal.mydata.exported")
    assert events.count() == before + 1
    event = events.order_by("-seq").first()
    assert (event.object_type, event.object_id, event.actor_id) == ("core.party", str(anna.party.pk), anna.user.pk)
    assert event.details["pdfs"] == 2
    assert event.details["counts"]["decisions"] == 1
    assert event.details["counts"]["tax_objects"] == 1


def test_page_describes_the_export(client, two):
    _clerk, anna, _piotr = two
    client.force_login(anna.user)
    page = client.get("/portal/moje-dane/pobierz/")
    assert page.status_code == 200
    html = page.content.decode()
    assert gettext("Download my data") in html
    assert 'href="/portal/moje-dane/pobierz/moje-dane.zip"' in html
    assert 'aria-current="page"' in html


def test_build_zip_refuses_another_party(two):
    _clerk, anna, piotr = two
    from core.exceptions import NotFoundOrForbidden

    before = AuditEvent.objects.count()
    with pytest.raises(NotFoundOrForbidden):
        export.build_zip(actor=anna.user, party=piotr.party)
    assert AuditEvent.objects.count() == before


def test_api_json_and_zip(client, two):
    _clerk, anna, piotr = two
    client.force_login(anna.user)
    data = client.get("/api/v1/portal/my-data/").json()
    assert data["party"]["pesel"] == anna.party.pesel
    assert [d["number"] for d in data["decisions"]["taxes"]] == ["FN.3120.1.2026"]
    assert piotr.party.pesel not in json.dumps(data)
    archive = _zip(client.get("/api/v1/portal/my-data.zip"))
    assert export.FILES["party"] in archive.namelist()


def test_anonymous_and_non_residents_are_refused(client, make_user, two):
    assert client.get("/portal/moje-dane/pobierz/moje-dane.zip")["Location"].startswith("/portal/login/")
    assert client.get("/api/v1/portal/my-data/").status_code in (401, 403)
    clerk = make_user(roles.TAX_CLERK, username="clerk-no-portal", party=PersonFactory())
    client.force_login(clerk)
    before = AuditEvent.objects.filter(action="portal.mydata.exported").count()
    assert client.get("/portal/moje-dane/pobierz/moje-dane.zip").status_code == 403
    assert client.get("/api/v1/portal/my-data.zip").status_code == 403
    assert AuditEvent.objects.filter(action="portal.mydata.exported").count() == before


def test_portal_user_without_a_party_gets_403(client, make_user):
    user = make_user(roles.RESIDENT, username="pz-noparty")
    client.force_login(user)
    assert client.get("/portal/moje-dane/pobierz/moje-dane.zip").status_code == 403
    assert client.get("/api/v1/portal/my-data/").status_code == 403


def test_a_letter_waiting_in_the_box_is_listed_without_its_file(client, two):
    """A letter sent to the resident's box and not yet collected: in the ZIP its data, not its content — opening it on
    its page records the delivery; the export must not be a way round that."""
    from documents.models import Shipment

    _clerk, anna, _piotr = two
    Shipment.objects.filter(party=anna.party).update(status=Shipment.Status.SENT, delivered_on=None)
    client.force_login(anna.user)
    archive = _zip(client.get("/portal/moje-dane/pobierz/moje-dane.zip"))
    letters = _section(archive, "cases")["letters"]
    assert [(letter["title"], letter["pdf"]) for letter in letters] == [("Wezwanie Zielińska", "")]
    assert not [name for name in archive.namelist() if name.startswith("pdf/pismo-")]
