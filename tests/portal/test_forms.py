"""Issue 10 point 4: the portal's e-forms end to end against the real simulated ePUAP — fill → preview → sign with
the (simulated) podpis zaufany → the office's box issues the UPP → the adapter polls the box (as the issue 8 flow
does) → an IncomingEntry in the RPW with the document → the taxes services read the IN-1 and the DO-1."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core import roles
from core.models import AuditEvent
from documents.models import IncomingEntry
from documents.services.assignment import assign_to_clerk, assign_to_unit
from documents.services.intake import register_pending_inbound
from epuap import crd, upo
from epuap import pki as test_pki
from epuap.models import InboundDocument
from epuap.platform.models import Podmiot, QueuedDocument
from epuap.services import box_poll
from portal.eforms import documents as D
from portal.eforms import sending
from taxes.hooks.waste import seed_demo as seed_waste_resolution
from taxes.services.declarations import declaration_from_incoming
from taxes.services.waste_declarations import waste_property_create
from taxes.services.waste_intake import waste_declaration_from_incoming
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.finance.conftest_reminders import simulated_platforms  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
BOX = "/magistrowo/skrytka"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SENT = "portal.eform.sent"


@pytest.fixture
def office(settings, make_user, simulated_platforms, tmp_path):  # noqa: F811
    settings.PORTAL_EFORMS_DRAFT_DIR = str(tmp_path / "drafts")
    settings.PORTAL_LOGIN_RATE_LIMIT = 1000
    cache.clear()
    fn = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    clerk = make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="wymiar-portal", org_unit=fn)
    fn.head = clerk
    fn.save(update_fields=["head"])
    registry = make_user(roles.REGISTRY_CLERK, username="kancelaria-portal")
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    yield {"fn": fn, "clerk": clerk, "registry": registry, **simulated_platforms}
    cache.clear()


def _resident(make_user, username, **party):
    person = PersonFactory(**party)
    return make_user(roles.RESIDENT, username=username, party=person), person


@pytest.fixture
def anna(make_user):
    """A resident without a test account on the platform: the profil zaufany account is opened on first use."""
    return _resident(make_user, "anna-portal", first_names="Anna", surname="Zielińska")


@pytest.fixture
def piotr(make_user):
    return _resident(make_user, "piotr-portal", first_names="Piotr", surname="Borowski")


def _token(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def _send(client, url_name, kind, data, files=None):
    """Fill → preview → sign; returns (preview response, the response after signing)."""
    payload = dict(data)
    if files:
        payload.update(files)
    preview = client.post(reverse(url_name), payload)
    assert preview.status_code == 200, preview.content.decode()[:3000]
    signed = client.post(reverse("portal:forms-sign", args=[kind]), {"token": _token(preview)})
    return preview, signed


def _document_id(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.fullmatch(r"/portal/formularze/wyslane/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _poll(office) -> IncomingEntry:
    assert box_poll(box_address=BOX, transport=office["epuap"].transport).stored == 1
    assert register_pending_inbound() == 1
    entry = IncomingEntry.objects.get()
    assert entry.rpw_number == f"RPW/1/{timezone.localdate().year}"
    return entry


def _to_clerk(office, entry) -> IncomingEntry:
    """The registry assigns the entry to FN, the head of FN to the clerk (dekretacja), as for any other letter."""
    assign_to_unit(actor=office["registry"], entry=entry, unit=office["fn"], instruction="wymiar")
    assign_to_clerk(actor=office["clerk"], entry=entry, clerk=office["clerk"], instruction="deklaracja")
    entry.refresh_from_db()
    return entry


IN1 = {
    "year": "", "purpose": "zmiana", "event_date": "", "role": "wspolwlasciciel", "share": "1/2",
    "obj-TOTAL_FORMS": "3", "obj-INITIAL_FORMS": "0", "obj-MIN_NUM_FORMS": "0", "obj-MAX_NUM_FORMS": "10",
    "obj-0-kind": "land", "obj-0-precinct": "Magistrowo", "obj-0-parcel": "101/7", "obj-0-category": "land_other",
    "obj-0-area": "812.50",
    "obj-1-kind": "building", "obj-1-precinct": "Magistrowo", "obj-1-parcel": "101/7", "obj-1-identifier": "B-1",
    "obj-1-category": "building_residential", "obj-1-area": "146.30", "obj-1-area_low": "20.00",
}  # fmt: skip


def _in1(**changes):
    today = timezone.localdate()
    data = {**IN1, "year": str(today.year), "event_date": (today - datetime.timedelta(days=3)).isoformat()}
    data.update(changes)
    return data


def test_in1_end_to_end_upp_rpw_and_readable_by_the_tax_register(client, office, anna):
    user, party = anna
    client.force_login(user)
    page = client.get(reverse("portal:forms-in1"))
    assert page.status_code == 200
    assert party.pesel in page.content.decode()  # the sender's data come from the register

    preview, signed = _send(client, "portal:forms-in1", "in1", _in1())
    assert "Informacja" in preview.context["xml"]
    assert party.pesel in preview.context["xml"]
    assert [row for row in preview.context["summary"] if "812,50 m²" in row[1]]  # amounts as the resident reads them
    document_id = _document_id(signed)

    # the UPP: shown on the submission's page, downloadable, signed by the platform
    page = client.get(signed["Location"])
    assert page.status_code == 200
    submission = page.context["submission"]
    assert submission.kind == "in1"
    assert submission.upp_identifier
    assert submission.upp_identifier in page.content.decode()
    assert f"{timezone.localtime(submission.upp_created_at):%d.%m.%Y}" in page.content.decode()
    upp = client.get(reverse("portal:forms-upp", args=[document_id]))
    assert (upp.status_code, upp["Content-Type"]) == (200, "application/xml")
    parsed_upp = upo.parse_upo(upp.content)
    assert (parsed_upp["kind"], parsed_upp["identifier"], parsed_upp["document_id"], parsed_upp["signed"]) == (
        "UPP", submission.upp_identifier, document_id, True)  # fmt: skip
    # the list of submissions
    index = client.get(reverse("portal:forms"))
    assert [(r.document_id, r.kind) for r in index.context["submissions"]] == [(document_id, "in1")]
    assert AuditEvent.objects.filter(action=SENT, object_id=str(party.pk)).count() == 1

    # the office's adapter polls the box: signature valid, IN-1 recognised, registered in the RPW from the resident
    entry = _poll(office)
    inbound = InboundDocument.objects.get()
    assert (inbound.signature_verdict, inbound.validation_verdict, inbound.form_code) == ("valid", "valid", "IN-1")
    assert inbound.sender_pesel == party.pesel
    assert (entry.channel, entry.form_code, entry.sender) == ("epuap", "IN-1", party)
    assert entry.inbound_document == inbound
    original = entry.files.get(role="original")
    assert (original.file_name, bytes(original.content)) == ("IN-1.xml", bytes(QueuedDocument.objects.get().content))

    # the tax register reads the entry
    declaration = declaration_from_incoming(actor=office["clerk"], entry=_to_clerk(office, entry))
    assert (declaration.form, declaration.year, declaration.purpose, declaration.party) == (
        "IN-1", timezone.localdate().year, "change", party)  # fmt: skip
    assert declaration.event_date == timezone.localdate() - datetime.timedelta(days=3)
    payload = declaration.payload
    assert (payload["taxpayer"]["pesel"], payload["taxpayer"]["role"], payload["taxpayer"]["share"]) == (
        party.pesel, "co_owner", "1/2")  # fmt: skip
    assert [(o["kind"], o["parcel"], o["category"], o["area"], o["area_low"]) for o in payload["objects"]] == [
        ("land", "101/7", "land_other", "812.50", "0"),
        ("building", "101/7", "building_residential", "146.30", "20.00"),
    ]
    assert payload["totals"] == {"land_area": "812.50", "building_area": "146.30"}


def test_do1_of_a_test_resident_signed_with_the_residents_certificate_read_by_the_waste_register(
    client, office, make_user
):
    """resident-1 of the platform's test PKI: the platform's own ``resident_document_send`` signs with the resident's
    certificate; the DO-1 is read by ``waste_declaration_from_incoming`` for the property at the address."""
    identity = test_pki.resident_identity(1)
    address = AddressFactory(building_number="12", flat_number="3")
    user, party = _resident(
        make_user, "resident-1-portal", first_names=identity["first_name"], surname=identity["surname"],
        pesel=identity["pesel"], registered_address=address,
    )  # fmt: skip
    seed_waste_resolution()
    prop = waste_property_create(actor=office["clerk"], identifier="ODP/P/0001", address=address, kind="residential")
    client.force_login(user)
    form = client.get(reverse("portal:forms-do1"))
    assert form.context["form"].initial["number"] == "12"
    assert form.context["form"].initial["flat"] == "3"
    event = timezone.localdate() - datetime.timedelta(days=2)
    data = {
        "purpose": "pierwsza", "event_date": event.isoformat(), "locality": address.locality.name,
        "street": address.street.full_name, "number": "12", "flat": "3", "method": "od_mieszkanca", "residents": "3",
        "selective": "on", "composts": "on",
    }  # fmt: skip
    _preview, signed = _send(client, "portal:forms-do1", "do1", data)
    _document_id(signed)
    sent = QueuedDocument.objects.get()
    assert sent.sender_identifier == "resident-1"  # the test account, not a new profil zaufany account
    assert b"resident-1" in sent.content  # the signer's certificate of resident-1

    entry = _poll(office)
    assert (entry.form_code, entry.sender) == ("DO-1", party)
    assert InboundDocument.objects.get().signature_verdict == "valid"
    declaration = waste_declaration_from_incoming(actor=office["clerk"], entry=_to_clerk(office, entry))
    assert (declaration.property, declaration.payer, declaration.purpose, declaration.method) == (
        prop, party, "first", "per_resident")  # fmt: skip
    assert (declaration.residents, declaration.selective, declaration.composts) == (3, True, True)
    assert declaration.effective_from == event.replace(day=1)


def test_certificate_request_reaches_the_rpw_as_the_offices_zas_form(client, office, anna):
    user, party = anna
    client.force_login(user)
    page = client.get(reverse("portal:forms-certificate"))
    assert page.context["stamp_duty"] == Decimal("21.00")
    data = {"purpose": "do banku", "receivables": ["property_tax_person", "waste_fee"], "copies": "2"}
    _preview, signed = _send(client, "portal:forms-certificate", "certificate", data)
    _document_id(signed)
    entry = _poll(office)
    assert (entry.form_code, entry.sender) == ("ZAS", party)
    document = crd.parse_document(bytes(InboundDocument.objects.get().content))
    assert document.form_namespace == crd.NS_ZAS
    assert document.sender.pesel == party.pesel
    assert document.title == D.CERTIFICATE_TITLE
    assert document.text_paragraphs == [
        f"MiejscowoscDokumentu: {party.registered_address.locality.name}", f"Tytul: {D.CERTIFICATE_TITLE}",
        "RodzajZaswiadczenia: niezaleganie-w-podatkach", "CelWydania: do banku",
        f"Naleznosc: {gettext('property tax')}", f"Naleznosc: {gettext('municipal waste fee')}",
        "LiczbaEgzemplarzy: 2",
    ]  # fmt: skip


def _upload(name, content, content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def test_letter_with_attachments_goes_to_the_rpw_with_the_files(client, office, anna):
    user, party = anna
    client.force_login(user)
    data = {"kind": "wniosek", "subject": "Wniosek o wycinkę drzewa", "text": "Proszę o zgodę.\n\nDrzewo jest chore."}
    files = {"attachment_1": _upload("zdjęcie drzewa.png", PNG, "image/png"), "attachment_2": _upload("mapa.pdf", PDF)}
    _preview, signed = _send(client, "portal:forms-letter", "letter", data, files)
    _document_id(signed)
    entry = _poll(office)
    assert (entry.form_code, entry.sender) == ("PISMO_OGOLNE", party)
    document = crd.parse_document(bytes(InboundDocument.objects.get().content))
    assert (document.title, document.kind) == ("Wniosek o wycinkę drzewa", "wniosek")
    assert document.text_paragraphs == ["Proszę o zgodę.", "Drzewo jest chore."]
    assert [(a.file_name, a.mime, a.content) for a in document.attachments] == [
        ("zdjęcie_drzewa.png", "image/png", PNG),
        ("mapa.pdf", "application/pdf", PDF),
    ]
    # the RPW entry holds the signed original and the attachments, byte-exact
    files = {(f.role, f.file_name): bytes(f.content) for f in entry.files.all()}
    assert files[("attachment", "zdjęcie_drzewa.png")] == PNG
    assert files[("attachment", "mapa.pdf")] == PDF
    assert files[("original", "pismo-ogolne.xml")] == bytes(QueuedDocument.objects.get().content)


def _nothing_sent(before_events: int):
    assert QueuedDocument.objects.count() == 0
    assert AuditEvent.objects.filter(action=SENT).count() == before_events


@pytest.mark.parametrize(
    ("changes", "field", "msgid"),
    [
        ({"obj-0-kind": "", "obj-0-precinct": "", "obj-0-parcel": "", "obj-0-category": "", "obj-0-area": "",
          "obj-1-kind": "", "obj-1-precinct": "", "obj-1-parcel": "", "obj-1-identifier": "", "obj-1-category": "",
          "obj-1-area": "", "obj-1-area_low": ""}, "objects", "Declare at least one object (land or building)."),
        ({"obj-0-category": "building_residential"}, "id_obj-0-category",
         "This category does not fit the chosen object."),
        ({"obj-1-area_low": "200"}, "id_obj-1-area_low", "This part cannot exceed the usable area."),
        ({"share": "3/2"}, "id_share", "The share must be a fraction greater than 0 and at most 1."),
        ({"event_date": ""}, "id_event_date", "Give the date of the event for a change."),
        ({"obj-0-parcel": ""}, "id_obj-0-parcel", "Give the parcel number."),
    ],
)  # fmt: skip
def test_invalid_in1_shows_the_errors_and_sends_nothing(client, office, anna, changes, field, msgid):
    user, _party = anna
    client.force_login(user)
    events = AuditEvent.objects.filter(action=SENT).count()
    response = client.post(reverse("portal:forms-in1"), _in1(**changes))
    assert response.status_code == 400
    assert (field, gettext(msgid)) in response.context["errors"]
    html = response.content.decode()
    assert 'role="alert"' in html
    assert f'href="#{field}"' in html
    _nothing_sent(events)


def test_do1_needs_the_quantity_of_its_method(client, office, anna):
    user, _party = anna
    client.force_login(user)
    data = {"purpose": "pierwsza", "event_date": timezone.localdate().isoformat(), "locality": "Magistrowo",
            "number": "1", "method": "od_mieszkanca", "water_m3": "4.5"}  # fmt: skip
    response = client.post(reverse("portal:forms-do1"), data)
    assert response.status_code == 400
    assert ("id_residents", gettext("Give this number for the chosen method of the fee.")) in response.context["errors"]
    assert ("id_water_m3", gettext("Leave this empty: it is not used by the chosen method of the fee.")) in (
        response.context["errors"])  # fmt: skip
    _nothing_sent(0)


def test_a_bad_attachment_type_is_refused_by_its_content_not_its_name(client, office, anna):
    user, _party = anna
    client.force_login(user)
    data = {"kind": "wniosek", "subject": "Skarga", "text": "Treść"}
    exe = _upload("faktura.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf")
    response = client.post(reverse("portal:forms-letter"), {**data, "attachment_1": exe})
    assert response.status_code == 400
    message = gettext("The file %(name)s is not a PDF, JPEG or PNG file.") % {"name": "faktura.pdf"}
    assert ("id_attachment_1", message) in response.context["errors"]
    _nothing_sent(0)
    assert not client.session.get("portal_eform_drafts")  # no draft kept


def test_an_attachment_over_5_mb_is_refused(client, office, anna):
    user, _party = anna
    client.force_login(user)
    big = _upload("skan.pdf", PDF + b"0" * (5 * 1024 * 1024))
    response = client.post(reverse("portal:forms-letter"), {"kind": "wniosek", "subject": "S", "text": "T",
                                                            "attachment_1": big})  # fmt: skip
    assert response.status_code == 400
    assert [anchor for anchor, _m in response.context["errors"]] == ["id_attachment_1"]
    _nothing_sent(0)


def test_submissions_are_rate_limited(client, office, anna, settings):
    user, _party = anna
    client.force_login(user)
    settings.PORTAL_LOGIN_RATE_LIMIT = 2
    cache.clear()
    data = {"purpose": "do banku", "receivables": ["waste_fee"], "copies": "1"}
    assert client.post(reverse("portal:forms-certificate"), data).status_code == 200
    assert client.post(reverse("portal:forms-certificate"), data).status_code == 200
    refused = client.post(reverse("portal:forms-certificate"), data)
    assert refused.status_code == 429
    assert gettext("Too many submissions") in refused.content.decode()
    _nothing_sent(0)


def test_a_draft_is_signed_once_and_only_by_its_resident(client, office, anna, piotr):
    user, _party = anna
    client.force_login(user)
    preview = client.post(reverse("portal:forms-certificate"), {"purpose": "x", "receivables": ["waste_fee"],
                                                                 "copies": "1"})  # fmt: skip
    token = _token(preview)
    # another resident cannot sign Anna's draft (it lives in her session only)
    other = client.__class__()
    other.force_login(piotr[0])
    response = other.post(reverse("portal:forms-sign", args=["certificate"]), {"token": token})
    assert (response.status_code, response["Location"]) == (302, reverse("portal:forms-certificate"))
    _nothing_sent(0)
    # nor as another form
    response = client.post(reverse("portal:forms-sign", args=["letter"]), {"token": token})
    assert response.status_code == 302
    _nothing_sent(0)
    assert _document_id(client.post(reverse("portal:forms-sign", args=["certificate"]), {"token": token}))
    again = client.post(reverse("portal:forms-sign", args=["certificate"]), {"token": token})
    assert (again.status_code, again["Location"]) == (302, reverse("portal:forms-certificate"))
    assert QueuedDocument.objects.count() == 1


def test_a_resident_sees_only_own_submissions(client, office, anna, piotr):
    user, _party = anna
    client.force_login(user)
    _preview, signed = _send(client, "portal:forms-certificate", "certificate",
                             {"purpose": "x", "receivables": ["waste_fee"], "copies": "1"})  # fmt: skip
    document_id = _document_id(signed)
    assert client.get(f"/api/v1/portal/forms/{document_id}/").json()["document_id"] == document_id
    assert [r["document_id"] for r in client.get("/api/v1/portal/forms/").json()] == [document_id]

    client.force_login(piotr[0])
    for url in (
        reverse("portal:forms-sent", args=[document_id]), reverse("portal:forms-upp", args=[document_id]),
        reverse("portal:forms-document", args=[document_id]), f"/api/v1/portal/forms/{document_id}/",
        f"/api/v1/portal/forms/{document_id}/upp/",
    ):  # fmt: skip
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("portal:forms")).context["submissions"] == []
    assert client.get("/api/v1/portal/forms/").json() == []


def test_anonymous_and_non_residents_are_refused(client, office, make_user):
    for name in ("portal:forms", "portal:forms-in1", "portal:forms-do1", "portal:forms-certificate",
                 "portal:forms-letter"):  # fmt: skip
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("portal:login")), name
    assert client.get("/api/v1/portal/forms/").status_code in (401, 403)
    client.force_login(make_user(roles.TAX_CLERK, username="clerk-no-portal"))
    assert client.get(reverse("portal:forms")).status_code == 403
    assert client.post(reverse("portal:forms-in1"), _in1()).status_code == 403
    assert client.get("/api/v1/portal/forms/").status_code == 403
    _nothing_sent(0)


def test_an_organisation_cannot_use_the_forms_of_natural_persons(client, office, make_user):
    from tests.factories import OrganisationFactory

    user = make_user(roles.RESIDENT, username="firma-portal", party=OrganisationFactory())
    client.force_login(user)
    response = client.get(reverse("portal:forms-in1"))
    assert response.status_code == 403
    assert gettext("The e-forms are for natural persons with a PESEL number; your entry in the register has none.") in (
        response.content.decode())  # fmt: skip


def test_the_profil_zaufany_signature_carries_the_residents_data(office, anna):
    _user, party = anna
    document = b'<?xml version="1.0"?><Dokument xmlns="urn:x"><A>1</A></Dokument>'
    sent = sending.sign_and_send(actor=_user, party=party, kind="letter", document=document)
    queued = QueuedDocument.objects.get(document_id=sent.document_id)
    assert queued.sender_identifier == sending.pz_identifier(party.pesel)
    assert (queued.sender_pesel, queued.sender_first_name, queued.sender_name) == (party.pesel, "Anna", "Zielińska")
    assert b"PodpisZP" in bytes(queued.content)
    assert party.pesel.encode() in bytes(queued.content)
    # a second submission uses the same account
    sending.sign_and_send(actor=_user, party=party, kind="letter", document=document)
    assert set(QueuedDocument.objects.values_list("sender_identifier", flat=True)) == {queued.sender_identifier}


def test_correcting_a_form_keeps_the_entered_data(client, office, anna):
    user, _party = anna
    client.force_login(user)
    preview = client.post(reverse("portal:forms-in1"), _in1())
    page = client.get(reverse("portal:forms-in1") + f"?popraw={_token(preview)}")
    assert page.status_code == 200
    assert page.context["objects"].forms[1]["area"].value() == "146.30"
    assert page.context["form"]["share"].value() == "1/2"


def test_a_refusal_by_the_platform_is_shown_and_records_nothing(client, office, anna, settings):
    user, party = anna
    client.force_login(user)
    preview = client.post(reverse("portal:forms-letter"), {"kind": "wniosek", "subject": "Pismo", "text": "Treść"})
    assert preview.status_code == 200
    settings.EPUAP_BOXES = ["/magistrowo/zamknieta"]  # a box the platform does not have
    response = client.post(reverse("portal:forms-sign", args=["letter"]), {"token": _token(preview)})
    assert response.status_code == 502
    assert response.context["message"] == gettext("The ePUAP platform refused the document: %(reason)s") % {
        "reason": "Skrytka o adresie /magistrowo/zamknieta nie istnieje."}  # fmt: skip
    _nothing_sent(0)
    assert not Podmiot.objects.filter(identifier=sending.pz_identifier(party.pesel)).exists()  # rolled back
    # the draft is kept: once the box is there again, the same preview can be signed
    settings.EPUAP_BOXES = [BOX]
    assert _document_id(client.post(reverse("portal:forms-sign", args=["letter"]), {"token": _token(preview)}))
    assert QueuedDocument.objects.count() == 1


def test_a_document_over_the_platform_limit_is_refused_before_the_preview(client, office, anna, settings):
    user, _party = anna
    client.force_login(user)
    settings.EPUAP_MAX_DOCUMENT_BYTES = 20 * 1024
    response = client.post(reverse("portal:forms-letter"), {"kind": "wniosek", "subject": "Długie pismo",
                                                            "text": "Treść pisma. " * 700})  # fmt: skip
    assert response.status_code == 400
    assert [anchor for anchor, _m in response.context["errors"]] == ["eform"]
    assert not client.session.get("portal_eform_drafts")
    _nothing_sent(0)


def test_outside_the_simulation_the_portal_does_not_send(client, office, anna, settings):
    user, _party = anna
    client.force_login(user)
    preview = client.post(reverse("portal:forms-certificate"), {"purpose": "x", "receivables": ["waste_fee"],
                                                                 "copies": "1"})  # fmt: skip
    settings.EPUAP_MODE = "production"
    response = client.post(reverse("portal:forms-sign", args=["certificate"]), {"token": _token(preview)})
    assert response.status_code == 409
    message = gettext("Sending from the portal needs the simulated ePUAP; in production send the form on epuap.gov.pl.")
    assert message in response.content.decode()
    _nothing_sent(0)


def test_a_second_click_cannot_send_the_draft_twice(client, office, anna, rf):
    """The draft is claimed (renamed) before the signature: a concurrent second request finds nothing."""
    from portal.eforms import drafts

    user, party = anna
    client.force_login(user)
    preview = client.post(reverse("portal:forms-certificate"), {"purpose": "x", "receivables": ["waste_fee"],
                                                                 "copies": "1"})  # fmt: skip
    token = _token(preview)
    request = rf.post("/")
    request.session = client.session
    assert drafts.claim(request, token, kind="certificate", party_id=party.pk) is not None
    # the first request is still signing: the second one is sent back to the form
    response = client.post(reverse("portal:forms-sign", args=["certificate"]), {"token": token})
    assert (response.status_code, response["Location"]) == (302, reverse("portal:forms-certificate"))
    _nothing_sent(0)


def test_an_upload_over_the_bound_is_refused_before_it_is_read(client, office, anna):
    user, _party = anna
    client.force_login(user)
    response = client.post(reverse("portal:forms-letter"), {"kind": "wniosek", "subject": "S", "text": "T"},
                           CONTENT_LENGTH=str(16 * 1024 * 1024 + 300 * 1024))  # fmt: skip
    assert response.status_code == 413
    assert response.context["message"] == gettext(
        "The files sent are too large: at most %(n)s attachments of %(size)s each."
    ) % {"n": 3, "size": filesizeformat(5 * 1024 * 1024)}
    _nothing_sent(0)


def test_a_form_the_offices_xsd_refuses_is_shown_as_an_error_and_not_kept(client, office, anna, monkeypatch):
    user, _party = anna
    client.force_login(user)

    def refused(data, header):
        raise D.DocumentInvalid(["Line 1: Element 'Udzial': not valid"])

    monkeypatch.setattr(D, "in1_document", refused)
    response = client.post(reverse("portal:forms-in1"), _in1())
    assert response.status_code == 400
    assert response.context["errors"] == [("eform", gettext("The form does not match the office's layout: %(errors)s")
                                           % {"errors": "Line 1: Element 'Udzial': not valid"})]  # fmt: skip
    assert not client.session.get("portal_eform_drafts")
    _nothing_sent(0)
