"""The waste fee declaration DO-1 from ePUAP / e-Doręczenia (issue 9 point 2, docs/integrations/waste-declaration.md):
recognised in a CRD envelope, validated against taxes/data/forms/DO-1.xsd, its property matched by the address and
recorded RECEIVED, linked to the entry and the case; every refusal records nothing and opens no case."""

import datetime
import zoneinfo

import pytest
from django.utils.translation import gettext as _

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from documents.models import Case, IncomingEntry, JrwaClass
from taxes.domain import waste_forms as W
from taxes.hooks.waste import seed_demo
from taxes.models import WasteDeclaration, WasteProperty
from taxes.services.waste_declarations import waste_property_create
from taxes.services.waste_intake import waste_declaration_from_incoming
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.taxes.conftest_declarations import entry_with_xml

pytestmark = pytest.mark.django_db
WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


@pytest.fixture
def clerk(make_user):
    if not JrwaClass.objects.filter(version__is_current=True, symbol="3120").exists():
        JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    unit = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    return make_user(roles.TAX_CLERK, username="referent-odpady-epuap", org_unit=unit)


@pytest.fixture
def prop(clerk):
    seed_demo()
    address = AddressFactory(locality_name="Magistrowo", street_name="ul. Lipowa", building_number="7",
                             flat_number="2")  # fmt: skip
    return waste_property_create(
        actor=clerk, identifier="ODP/0100", address=address, kind=WasteProperty.Kind.RESIDENTIAL
    )


@pytest.fixture
def payer(db):
    return PersonFactory(first_names="Ewa", surname="Lis", pesel="44051401359")


def do1(*, pesel="44051401359", residents="4", street="Lipowa", number="7", ns=W.NAMESPACE, extra="") -> bytes:
    form = (
        f'<Deklaracja xmlns="{ns}"><Naglowek><Cel>pierwsza</Cel><DataZdarzenia>2025-03-05</DataZdarzenia></Naglowek>'
        f"<Platnik><PESEL>{pesel}</PESEL><Imie>Ewa</Imie><Nazwisko>Lis</Nazwisko></Platnik>"
        f"<Nieruchomosc><Miejscowosc>Magistrowo</Miejscowosc><Ulica>{street}</Ulica><NrDomu>{number}</NrDomu>"
        f"<NrLokalu>2</NrLokalu></Nieruchomosc>"
        f"<Oplata><Metoda>od_mieszkanca</Metoda><LiczbaMieszkancow>{residents}</LiczbaMieszkancow>{extra}"
        f"<Selektywnie>true</Selektywnie><Kompostownik>true</Kompostownik></Oplata></Deklaracja>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Dokument xmlns="http://crd.gov.pl/xml/schematy/dziedzinowe/">'
        f"<TrescDokumentu><DaneFormularza>{form}</DaneFormularza></TrescDokumentu></Dokument>"
    ).encode()


def _entry(clerk, content):
    entry = entry_with_xml(clerk=clerk, content=content)
    IncomingEntry.objects.filter(pk=entry.pk).update(received_at=datetime.datetime(2025, 3, 12, 10, tzinfo=WARSAW))
    entry.refresh_from_db()
    return entry


def counts():
    return (
        WasteDeclaration.objects.count(),
        Case.objects.count(),
        AuditEvent.objects.filter(action__startswith="taxes.waste_declaration").count(),
    )


def test_valid_form_in_envelope_recorded_received(clerk, prop, payer):
    entry = _entry(clerk, do1())
    declaration = waste_declaration_from_incoming(actor=clerk, entry=entry)
    declaration.refresh_from_db()
    assert declaration.status == WasteDeclaration.Status.RECEIVED
    assert (declaration.property, declaration.payer, declaration.incoming_entry) == (prop, payer, entry)
    assert declaration.case is not None
    assert declaration.case == IncomingEntry.objects.get(pk=entry.pk).case
    assert declaration.case.jrwa.symbol == "3120"
    assert (declaration.purpose, declaration.method, declaration.residents, declaration.composts) == (
        "first", "per_resident", 4, True)  # fmt: skip
    assert (declaration.filed_on, declaration.effective_from) == (datetime.date(2025, 3, 12), datetime.date(2025, 3, 1))
    assert (declaration.deadline, declaration.late) == (datetime.date(2025, 3, 19), False)
    assert (
        AuditEvent.objects.filter(action="taxes.waste_declaration.record", object_id=str(declaration.pk)).count() == 1
    )


def test_unknown_pesel_falls_back_to_sender(clerk, prop):
    entry = _entry(clerk, do1(pesel="02070803628"))
    declaration = waste_declaration_from_incoming(actor=clerk, entry=entry)
    assert declaration.payer == entry.sender


def _refused(clerk, content, **kwargs):
    entry = _entry(clerk, content)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_declaration_from_incoming(actor=clerk, entry=entry, **kwargs)
    assert counts() == before
    assert IncomingEntry.objects.get(pk=entry.pk).case_id is None
    return exc.value


def test_xsd_violation_names_the_element(clerk, prop, payer):
    error = _refused(clerk, do1(residents="cztery"))
    problem = _("Line %(line)s: %(message)s") % {"line": 1, "message": (
        "Element '{urn:magistrat:odpady:DO-1:1}LiczbaMieszkancow': 'cztery' is not a valid value of the atomic type "
        "'xs:integer'.")}  # fmt: skip
    assert error.errors["entry"] == [problem]
    assert str(error) == _("The DO-1 form does not match its schema: %(problems)s") % {"problems": problem}


def test_negative_residents_refused(clerk, prop, payer):
    error = _refused(clerk, do1(residents="-1"))
    assert error.errors["residents"] == [_("The number of residents cannot be negative (%(value)s).") % {"value": -1}]


def test_unknown_address_refused(clerk, prop, payer):
    error = _refused(clerk, do1(number="9"))
    assert error.errors["property"] == [
        _(
            "No waste fee property (or more than one) is registered at %(address)s; create the property first and "
            "record the declaration for it."
        )
        % {"address": "Magistrowo, Lipowa, 9/2"}
    ]


def test_other_namespace_refused(clerk, prop, payer):
    error = _refused(clerk, do1(ns="urn:magistrat:podatki:IN-1:1"))
    assert str(error) == _(
        "The document is not a waste fee declaration DO-1 (root element %(root)s, namespaces: %(ns)s); expected the "
        "namespace %(expected)s.") % {
        "root": "Dokument", "ns": "http://crd.gov.pl/xml/schematy/dziedzinowe/, urn:magistrat:podatki:IN-1:1",
        "expected": W.NAMESPACE}  # fmt: skip


def test_explicit_property_used_when_address_unknown(clerk, prop, payer):
    entry = _entry(clerk, do1(number="9"))
    declaration = waste_declaration_from_incoming(actor=clerk, entry=entry, property=prop)
    assert (declaration.property, declaration.status) == (prop, WasteDeclaration.Status.RECEIVED)


def test_second_declaration_from_same_entry_refused(clerk, prop, payer):
    entry = _entry(clerk, do1())
    waste_declaration_from_incoming(actor=clerk, entry=entry)
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        waste_declaration_from_incoming(actor=clerk, entry=entry)
    assert (exc.value.code, counts()) == ("duplicate", before)


def test_permission_required(make_user, clerk, prop, payer):
    outsider = make_user(roles.REGISTRY_CLERK, username="kancelaria-odpady-epuap")
    entry = _entry(clerk, do1())
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        waste_declaration_from_incoming(actor=outsider, entry=entry)
    assert (exc.value.code, counts()) == ("forbidden", before)
    assert IncomingEntry.objects.get(pk=entry.pk).case_id is None


# --- the screen and the API (waste/declarations/from-entry/) ----------------------------------------------------


@pytest.fixture
def outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-odpady-do1")


def _api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


URL = "/taxes/waste/declarations/from-entry/"
API = "/api/v1/taxes/waste/declarations/from-entry/"


def test_screen_lists_recent_do1_entries_only(client, clerk, prop, payer):
    from django.utils import timezone

    do1_entry = _entry(clerk, do1())
    IncomingEntry.objects.filter(pk=do1_entry.pk).update(received_at=timezone.now())
    other = entry_with_xml(clerk=clerk, content=do1(ns="urn:magistrat:podatki:IN-1:1"))
    client.force_login(clerk)
    response = client.get(URL)
    assert response.status_code == 200
    recent = list(response.context["recent"])
    assert recent == [IncomingEntry.objects.get(pk=do1_entry.pk)]
    assert other not in recent
    waste_declaration_from_incoming(actor=clerk, entry=do1_entry)
    assert list(client.get(URL).context["recent"]) == []


def test_review_page_shows_form_beside_property_and_payer_and_records_nothing(client, clerk, prop, payer):
    entry = _entry(clerk, do1())
    client.force_login(clerk)
    before = counts()
    response = client.get(URL, {"entry": f"{entry.number}/{entry.year}"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert (preview.entry, preview.property, preview.property_matched) == (entry, prop, True)
    assert (preview.payer, preview.payer_matched, preview.problems) == (payer, True, [])
    assert preview.address_text == "Magistrowo, Lipowa, 7/2"
    html = response.content.decode()
    assert "ODP/0100" in html
    assert 'data-testid="waste-intake-form"' in html
    assert counts() == before


def test_screen_records_and_redirects_to_property(client, clerk, prop, payer):
    entry = _entry(clerk, do1())
    client.force_login(clerk)
    before = counts()
    response = client.post(URL, {"entry": str(entry.pk), "property": str(prop.pk)})
    assert response.status_code == 302
    assert response["Location"] == f"/taxes/waste/properties/{prop.pk}/"
    declaration = WasteDeclaration.objects.get(incoming_entry=entry)
    assert (declaration.property, declaration.payer, declaration.residents) == (prop, payer, 4)
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_screen_unknown_address_shows_problem_and_lets_the_clerk_choose(client, clerk, prop, payer):
    entry = _entry(clerk, do1(number="9"))
    client.force_login(clerk)
    message = _(
        "No waste fee property (or more than one) is registered at %(address)s; create the property first and "
        "record the declaration for it."
    ) % {"address": "Magistrowo, Lipowa, 9/2"}
    review = client.get(URL, {"entry": str(entry.pk)})
    assert review.status_code == 200
    assert review.context["preview"].problems == [message]
    assert review.context["query"] == "Lipowa 9"
    assert list(client.get(URL, {"entry": str(entry.pk), "q": "lipowa"}).context["candidates"]) == [prop]
    before = counts()
    refused = client.post(URL, {"entry": str(entry.pk)})
    assert refused.status_code == 422
    assert refused.context["errors"] == [message]
    assert counts() == before
    assert IncomingEntry.objects.get(pk=entry.pk).case_id is None
    chosen = client.post(URL, {"entry": str(entry.pk), "property": str(prop.pk)})
    assert chosen.status_code == 302
    assert WasteDeclaration.objects.get(incoming_entry=entry).property == prop


def test_screen_unknown_entry_and_invalid_form(client, clerk, prop, payer):
    client.force_login(clerk)
    response = client.get(URL, {"entry": "999/1999"})
    assert response.status_code == 422
    assert response.context["form"].errors["entry"] == [_("There is no EZD entry %(entry)s.") % {"entry": "999/1999"}]
    entry = _entry(clerk, do1(ns="urn:magistrat:podatki:IN-1:1"))
    before = counts()
    refused = client.post(URL, {"entry": str(entry.pk)})
    assert refused.status_code == 422
    assert len(refused.context["errors"]) == 1
    assert refused.context["errors"][0].startswith(_("The document is not a waste fee declaration DO-1 (root element "
                                                     "%(root)s, namespaces: %(ns)s); expected the namespace "
                                                     "%(expected)s.").split("%(root)s")[0])  # fmt: skip
    assert counts() == before


def test_screen_and_api_refuse_without_permission(client, outsider, clerk, prop, payer):
    entry = _entry(clerk, do1())
    client.force_login(outsider)
    before = counts()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"entry": str(entry.pk)}).status_code == 403
    assert _api(outsider).get(API, {"entry": str(entry.pk)}).status_code == 403
    assert _api(outsider).post(API, {"entry": str(entry.pk)}, format="json").status_code == 403
    assert counts() == before


def test_api_preview_and_record(clerk, prop, payer):
    entry = _entry(clerk, do1())
    before = counts()
    preview = _api(clerk).get(API, {"entry": f"{entry.number}/{entry.year}"})
    assert preview.status_code == 200
    body = preview.json()
    assert body["entry"]["id"] == entry.pk
    assert body["property"] == {"id": prop.pk, "identifier": "ODP/0100", "address": str(prop.address)}
    assert body["payer"] == {"id": payer.pk, "name": str(payer)}
    assert (body["property_matched"], body["payer_matched"], body["problems"]) == (True, True, [])
    assert body["form"]["residents"] == "4"
    assert (body["form"]["method"], body["form"]["event_date"], body["form"]["composts"]) == (
        "per_resident", "2025-03-05", True)  # fmt: skip
    assert counts() == before
    created = _api(clerk).post(API, {"entry": entry.pk}, format="json")
    assert created.status_code == 201
    declaration = WasteDeclaration.objects.get(incoming_entry=entry)
    assert created.json()["id"] == declaration.pk
    assert (created.json()["status"], created.json()["residents"], created.json()["property"]) == (
        "received", 4, prop.pk)  # fmt: skip
    again = _api(clerk).post(API, {"entry": entry.pk}, format="json")
    assert again.status_code == 400
    assert again.json()["detail"] == _("A waste fee declaration from this entry is already recorded.")


def test_api_refusals_are_precise_and_record_nothing(clerk, prop, payer):
    entry = _entry(clerk, do1(number="9"))
    before = counts()
    missing = _api(clerk).post(API, {"entry": "12345/2001"}, format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"]["entry"] == [_("There is no EZD entry %(entry)s.") % {"entry": "12345/2001"}]
    no_prop = _api(clerk).post(API, {"entry": entry.pk, "property": 999999}, format="json")
    assert no_prop.status_code == 400
    assert no_prop.json()["errors"]["property"] == [_("There is no waste fee property %(id)s.") % {"id": 999999}]
    unmatched = _api(clerk).post(API, {"entry": entry.pk}, format="json")
    assert unmatched.status_code == 400
    assert list(unmatched.json()["errors"]) == ["property"]
    assert counts() == before
    preview = _api(clerk).get(API, {"entry": entry.pk, "property": prop.pk}).json()
    assert (preview["property"]["id"], preview["property_matched"], preview["problems"]) == (prop.pk, False, [])


def test_recent_entries_read_the_epuap_document_and_skip_scans(clerk, prop, payer):
    import hashlib

    from django.utils import timezone

    from documents.models import StoredFile
    from documents.services import files as file_service
    from epuap.models import InboundDocument
    from taxes.services.waste_intake import entry_by_reference, recent_waste_entries
    from tests.factories import IncomingEntryFactory

    content = do1()
    inbound = InboundDocument.objects.create(
        box_address="/magistrowo/skrytka", skrot="x", file_name="do-1.xml", mime_type="application/xml",
        content=content, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
        submitted_at=timezone.now(), form_code="DEKLARACJA", title="DO-1", status="accepted",
    )  # fmt: skip
    from_epuap = IncomingEntryFactory(sender=payer, title="Deklaracja DO-1", inbound_document=inbound,
                                      received_at=timezone.now(), assigned_to=clerk)  # fmt: skip
    scan = IncomingEntryFactory(sender=payer, title="Skan", received_at=timezone.now(), assigned_to=clerk)
    file_service.file_store(entry=scan, role=StoredFile.Role.ORIGINAL, file_name="skan.pdf",
                            content=b"%PDF-1.4 " + W.NAMESPACE.encode(), mime_type="application/pdf")  # fmt: skip
    old = _entry(clerk, do1())  # received 12.03.2025: older than 90 days
    found = recent_waste_entries(user=clerk)
    assert from_epuap in found
    # an entry the clerk may not see in EZD (another unit's, not assigned to him) is neither listed nor found
    hidden = IncomingEntryFactory(sender=payer, title="Deklaracja DO-1", received_at=timezone.now())
    file_service.file_store(entry=hidden, role=StoredFile.Role.ORIGINAL, file_name="do-1.xml", content=content,
                            mime_type="application/xml")  # fmt: skip
    assert hidden not in recent_waste_entries(user=clerk)
    assert entry_by_reference(str(hidden.pk), user=clerk) is None
    assert entry_by_reference(str(from_epuap.pk), user=clerk) == from_epuap
    assert scan not in found
    assert old not in found
