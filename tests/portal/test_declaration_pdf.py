"""Portal "My taxes and fees": the resident downloads each of their declarations as a PDF (issue 10 point 2).

The PDF the declaration came with in EZD (the RPW entry's original, scan or PDF preview — not an annex of an
e-form) is served byte for byte; without one, a visualisation of the data stored is rendered. Only the resident's own
declaration (tax: the taxpayer; waste: the payer); any other id is the same 404 and reads nothing (no audit event);
each download is logged; the year page and the API link every declaration without a query per declaration."""

import datetime
import subprocess

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from core import roles
from core.models import AuditEvent
from documents.models import StoredFile
from documents.services.files import file_store
from taxes.models import Declaration, WasteDeclaration, WasteProperty
from tests.factories import AddressFactory, PersonFactory
from tests.factories.documents import IncomingEntryFactory
from tests.factories.taxes import category
from tests.tools import has_tool, needs_pdftotext

pytestmark = pytest.mark.django_db

YEAR = 2026
SCAN = b"%PDF-1.4\n% scan of the DN-1 filed on paper\n%%EOF\n"
WASTE_SCAN = b"%PDF-1.7\n% DO-1 as sent\n%%EOF\n"
TAX_READ, WASTE_READ = "taxes.declaration.read", "taxes.waste_declaration.read"


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0), tick=False):
        yield datetime.date(2026, 3, 2)


@pytest.fixture
def people(db):
    return {"a": PersonFactory(first_names="Alicja", surname="Nowicka"), "b": PersonFactory(surname="Kowalczyk")}


@pytest.fixture
def residents(make_user, people):
    return {k: make_user(roles.RESIDENT, party=p, username=f"resident-decl-{k}") for k, p in people.items()}


def tax_declaration(
    party, *, form="IN-1", filed_on=datetime.date(2026, 1, 12), entry=None, status=Declaration.Status.RECEIVED
):
    category("land_other")
    category("building_residential")
    payload = {
        "taxpayer": {"pesel": party.pesel, "first_name": party.first_names, "surname": party.surname,
                     "role": "co_owner", "share": "1/2"},
        "objects": [
            {"kind": "land", "event": "acquired", "precinct": "Obręb Zielona", "parcel": "123/4",
             "category": "land_other", "area": "812.5000"},
            {"kind": "building", "event": "acquired", "precinct": "Obręb Zielona", "parcel": "123/4",
             "identifier": "B-77", "category": "building_residential", "area": "96.40"},
        ],
        "co_owners": [{"pesel": "85010112345", "first_name": "Jan", "surname": "Nowicki", "share": "1/2"}],
    }  # fmt: skip
    return Declaration.objects.create(
        form=form, purpose=Declaration.Purpose.FIRST, party=party, year=YEAR, filed_on=filed_on,
        event_date=datetime.date(2026, 1, 5), status=status, payload=payload, incoming_entry=entry,
    )  # fmt: skip


def waste_declaration(party, *, number="DO/7/2026", entry=None, purpose=WasteDeclaration.Purpose.FIRST):
    prop = WasteProperty.objects.get_or_create(identifier=f"ODP/{party.pk}", defaults={"address": AddressFactory()})[0]
    return WasteDeclaration.objects.create(
        property=prop, payer=party, number=number, filed_on=datetime.date(2026, 1, 20),
        effective_from=datetime.date(2026, 1, 1), purpose=purpose, method="per_resident", residents=3,
        composts=True, status=WasteDeclaration.Status.ACCEPTED, incoming_entry=entry,
        containers=[{"capacity_l": 120, "frequency": 2, "count": 1}],
    )  # fmt: skip


def entry_with(party, *files):
    """An RPW entry of ``party`` with ``files`` [(role, name, content, mime)] stored as EZD stores them."""
    entry = IncomingEntryFactory(sender=party)
    for role, name, content, mime in files:
        file_store(entry=entry, role=role, file_name=name, content=content, mime_type=mime)
    return entry


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "declaration.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return " ".join(text.split())


def url(declaration) -> str:
    name = "portal:taxes-waste-declaration-pdf" if isinstance(declaration, WasteDeclaration) else (
        "portal:taxes-declaration-pdf")  # fmt: skip
    return reverse(name, args=[declaration.pk])


def test_the_routes():
    assert reverse("portal:taxes-declaration-pdf", args=[7]) == "/portal/podatki/deklaracja/7.pdf"
    assert reverse("portal:taxes-waste-declaration-pdf", args=[7]) == "/portal/podatki/deklaracja-odpady/7.pdf"


def test_the_scan_held_in_ezd_is_served_as_it_is(client, residents, people):
    entry = entry_with(people["a"], (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    declaration = tax_declaration(people["a"], form="DN-1", entry=entry)
    client.force_login(residents["a"])
    response = client.get(url(declaration))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="deklaracja-DN-1-2026-01-12-{declaration.pk}.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content == SCAN
    event = AuditEvent.objects.get(action=TAX_READ)
    assert (event.actor_id, event.object_type, event.object_id) == (
        residents["a"].pk, "taxes.declaration", str(declaration.pk),
    )  # fmt: skip
    assert event.details == {"format": "pdf", "channel": "portal", "party": people["a"].pk, "source": "ezd"}


def test_the_original_pdf_comes_before_a_scan_and_a_non_pdf_is_never_served(client, residents, people):
    entry = entry_with(
        people["a"],
        (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"),
        (StoredFile.Role.ORIGINAL, "deklaracja.pdf", b"%PDF-1.5\n% the original\n", "application/pdf"),
    )
    client.force_login(residents["a"])
    assert client.get(url(tax_declaration(people["a"], entry=entry))).content == b"%PDF-1.5\n% the original\n"


@needs_pdftotext
def test_without_a_pdf_in_ezd_a_visualisation_of_the_data_is_rendered(client, residents, people, tmp_path):
    declaration = tax_declaration(people["a"])  # no RPW entry at all
    client.force_login(residents["a"])
    response = client.get(url(declaration))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    assert str(declaration.get_form_display()) in text
    assert gettext("Visualisation of the data stored in the system") in text
    assert f"{gettext('Filed on')} 12.01.2026" in text
    assert f"{gettext('Purpose')} {declaration.get_purpose_display()}" in text
    assert f"{gettext('Status')} {declaration.get_status_display()}" in text
    assert "Alicja Nowicka" in text
    for declared in ("Obręb Zielona 123/4", "812,5 m²", "Obręb Zielona 123/4 B-77", "96,4 m²", "Jan Nowicki"):
        assert declared in text
    assert "Grunty pozostałe" in text  # the rate category's name, not its code
    event = AuditEvent.objects.get(action=TAX_READ)
    assert event.details["source"] == "visualisation"


def test_an_e_form_annex_is_not_taken_for_the_declaration(client, residents, people):
    """An ePUAP form: its original is the XML, its PDF attachment an annex → the visualisation, not the annex."""
    annex = b"%PDF-1.4\n% power of attorney\n"
    entry = entry_with(
        people["a"],
        (StoredFile.Role.ORIGINAL, "IN-1.xml", b"<?xml version='1.0'?><Deklaracja/>", "application/xml"),
        (StoredFile.Role.ATTACHMENT, "pelnomocnictwo.pdf", annex, "application/pdf"),
    )
    client.force_login(residents["a"])
    response = client.get(url(tax_declaration(people["a"], entry=entry)))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert response.content != annex
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


def test_an_attachment_is_never_served_as_the_declaration(client, residents, people):
    """Typed in at the registry desk with files uploaded as attachments (no original): an attachment may be a power
    of attorney or another person's document, so the visualisation is rendered instead."""
    entry = entry_with(people["a"], (StoredFile.Role.ATTACHMENT, "DN-1.pdf", SCAN, "application/pdf"))
    client.force_login(residents["a"])
    response = client.get(url(tax_declaration(people["a"], entry=entry)))
    assert response.status_code == 200
    assert response.content != SCAN
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


def test_an_original_that_is_not_a_pdf_excludes_the_scans(client, residents, people):
    entry = entry_with(
        people["a"],
        (StoredFile.Role.ORIGINAL, "deklaracja.pdf", b"GIF89a labelled as a pdf", "application/pdf"),
        (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"),
    )
    client.force_login(residents["a"])
    response = client.get(url(tax_declaration(people["a"], entry=entry)))
    assert response.content != SCAN
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


def test_the_file_of_an_entry_sent_by_someone_else_is_never_served(client, residents, people):
    """B's entry (e.g. a form with A's PESEL mistyped, recorded for A): A gets the visualisation, never B's scan."""
    entry = entry_with(people["b"], (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    declaration = tax_declaration(people["a"], entry=entry)
    client.force_login(residents["a"])
    response = client.get(url(declaration))
    assert response.status_code == 200
    assert response.content != SCAN
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


def test_a_file_above_the_size_limit_is_not_served(client, residents, people, settings):
    entry = entry_with(people["a"], (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    settings.DOCUMENTS_MAX_FILE_BYTES = len(SCAN) - 1
    client.force_login(residents["a"])
    assert client.get(url(tax_declaration(people["a"], entry=entry))).content != SCAN
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


@needs_pdftotext
def test_a_rejected_declaration_shows_the_record_without_its_content(client, residents, people, tmp_path):
    entry = entry_with(people["a"], (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    declaration = tax_declaration(people["a"], entry=entry, status=Declaration.Status.REJECTED)
    client.force_login(residents["a"])
    response = client.get(url(declaration))
    assert response.status_code == 200
    assert response.content != SCAN
    text = pdf_text(response.content, tmp_path)
    assert f"{gettext('Filed on')} 12.01.2026" in text
    assert gettext("not shown: the declaration was rejected") in text
    for declared in ("Obręb Zielona", "812,5", "Jan Nowicki", "Alicja Nowicka"):
        assert declared not in text


def test_head_renders_nothing_and_logs_nothing(client, residents, people):
    declaration = tax_declaration(people["a"])
    client.force_login(residents["a"])
    assert client.head(url(declaration)).status_code == 405
    assert not AuditEvent.objects.filter(action=TAX_READ).exists()


def test_a_file_named_pdf_that_is_not_one_is_not_served(client, residents, people):
    entry = entry_with(people["a"], (StoredFile.Role.SCAN, "skan.pdf", b"GIF89a not a pdf", "application/pdf"))
    client.force_login(residents["a"])
    response = client.get(url(tax_declaration(people["a"], entry=entry)))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.get(action=TAX_READ).details["source"] == "visualisation"


def test_waste_declaration_from_ezd_and_rendered(client, residents, people, tmp_path):
    entry = entry_with(people["a"], (StoredFile.Role.SCAN, "do1.pdf", WASTE_SCAN, "application/pdf"))
    scanned = waste_declaration(people["a"], number="DO/7/2026", entry=entry)
    client.force_login(residents["a"])
    response = client.get(url(scanned))
    assert response.status_code == 200
    assert response.content == WASTE_SCAN
    assert response["Content-Disposition"] == f'attachment; filename="deklaracja-DO-1-2026-01-20-{scanned.pk}.pdf"'
    event = AuditEvent.objects.get(action=WASTE_READ)
    assert (event.actor_id, event.object_type, event.object_id) == (
        residents["a"].pk, "taxes.wastedeclaration", str(scanned.pk),
    )  # fmt: skip
    assert event.details == {"format": "pdf", "channel": "portal", "party": people["a"].pk, "source": "ezd"}
    if not has_tool("pdftotext"):
        return
    rendered = waste_declaration(people["a"], number="DO/8/2026")
    response = client.get(url(rendered))
    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "DO-1" in text
    assert "DO/8/2026" in text
    assert f"{gettext('Filed on')} 20.01.2026" in text
    assert gettext("Visualisation of the data stored in the system") in text
    assert f"{gettext('Residents')} 3" in text
    assert f"{gettext('Bio-waste composted at home')} {gettext('yes')}" in text
    assert "120 2 1" in text  # the container: capacity, collections a month, count
    assert AuditEvent.objects.filter(action=WASTE_READ).count() == 2


def test_another_residents_or_a_missing_declaration_is_404_and_nothing_is_logged(client, residents, people):
    entry = entry_with(people["b"], (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    theirs = tax_declaration(people["b"], entry=entry)
    their_waste = waste_declaration(people["b"])
    mine = tax_declaration(people["a"])
    client.force_login(residents["a"])
    before = AuditEvent.objects.count()
    for path in (
        url(theirs),
        url(their_waste),
        reverse("portal:taxes-declaration-pdf", args=[theirs.pk + 1000]),
        reverse("portal:taxes-waste-declaration-pdf", args=[their_waste.pk + 1000]),
        # the ids of one kind are not those of the other
        reverse("portal:taxes-waste-declaration-pdf", args=[mine.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert SCAN not in response.content
    # the resident's own party read is logged by every portal page (party.viewed); nothing else was written
    assert not AuditEvent.objects.filter(action__in=(TAX_READ, WASTE_READ)).exists()
    assert set(AuditEvent.objects.order_by("seq")[before:].values_list("action", flat=True)) <= {"party.viewed"}
    # the owner gets it
    client.force_login(residents["b"])
    assert client.get(url(theirs)).content == SCAN


def test_a_record_made_by_a_waste_decision_is_not_a_declaration(client, residents, people):
    record = waste_declaration(people["a"], number="", purpose=WasteDeclaration.Purpose.DECISION)
    client.force_login(residents["a"])
    assert client.get(url(record)).status_code == 404
    assert not AuditEvent.objects.filter(action=WASTE_READ).exists()


def test_anonymous_and_office_users_are_refused(client, people, clerk):
    paths = (url(tax_declaration(people["a"])), url(waste_declaration(people["a"])))
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))
    client.force_login(clerk)
    for path in paths:
        assert client.get(path).status_code == 403
    assert not AuditEvent.objects.filter(action__in=(TAX_READ, WASTE_READ)).exists()


def test_year_page_and_api_link_each_declaration(client, residents, people):
    tax = tax_declaration(people["a"], form="DN-1", filed_on=datetime.date(2026, 1, 30))
    waste = waste_declaration(people["a"])
    tax_declaration(people["b"])  # another resident's: never linked for A
    client.force_login(residents["a"])
    data = client.get(f"/api/v1/portal/taxes/{YEAR}/").json()
    assert [(d["kind"], d["form"], d["filed_on"], d["pdf_url"]) for d in data["taxes"]["declarations"]] == [
        ("tax", "DN-1", "2026-01-30", f"/portal/podatki/deklaracja/{tax.pk}.pdf"),
        ("waste", "DO-1", "2026-01-20", f"/portal/podatki/deklaracja-odpady/{waste.pk}.pdf"),
    ]
    body = client.get(reverse("portal:taxes-year", args=[YEAR])).content.decode()
    link_text = gettext("Download %(form)s of %(day)s (PDF)")
    for declaration, form, day in ((tax, "DN-1", "30.01.2026"), (waste, "DO-1", "20.01.2026")):
        href = f'href="{url(declaration)}"'
        assert href in body
        anchor = body[body.index(href) :]
        assert anchor[anchor.index(">") + 1 : anchor.index("</a>")] == link_text % {"form": form, "day": day}
    assert body.count('data-testid="declaration-pdf-') == 2


def _year_queries(party) -> int:
    from portal.views_taxes import year_data

    with CaptureQueriesContext(connection) as ctx:
        year_data(party, year=YEAR, as_of=datetime.date(2026, 3, 2))
    return len(ctx.captured_queries)


def test_the_links_add_no_query_per_declaration(client, residents, people):
    party = people["a"]
    tax_declaration(party)
    waste_declaration(party)
    client.force_login(residents["a"])
    client.get(reverse("portal:taxes-year", args=[YEAR]))  # the first request of a session reads more (caches)
    with CaptureQueriesContext(connection) as one_each:
        assert client.get(reverse("portal:taxes-year", args=[YEAR])).status_code == 200
    before = _year_queries(party)
    entry = entry_with(party, (StoredFile.Role.SCAN, "skan.pdf", SCAN, "application/pdf"))
    for n in range(3):
        tax_declaration(party, form="DN-1", filed_on=datetime.date(2026, 1, 20 + n), entry=entry)
        waste_declaration(party, number=f"DO/{10 + n}/2026")
    assert _year_queries(party) == before
    with CaptureQueriesContext(connection) as four_each:
        response = client.get(reverse("portal:taxes-year", args=[YEAR]))
    assert response.content.decode().count('data-testid="declaration-pdf-') == 8
    assert len(four_each.captured_queries) == len(one_each.captured_queries)
