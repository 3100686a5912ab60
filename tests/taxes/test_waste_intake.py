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
