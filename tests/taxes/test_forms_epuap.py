"""The XML forms from ePUAP / e-Doręczenia beyond IN-1 / DT-1 (docs/integrations/tax-forms.md): IN-1 with ZIN-2,
DN-1 (+ZDN-1/2), IR-1 / DR-1, IL-1 / DL-1, DT-1/A corrections — each mapped into the payload of the clerk's form,
checked, and proposed as register operations; bad input refused with a precise message, nothing recorded and no case
opened."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ServiceValidationError
from epuap.xmlsafe import parse as xml_parse
from taxes.domain import forms as F
from taxes.models import Decision, Declaration, ObjectVersion
from taxes.services.declarations import declaration_accept, declaration_from_incoming, parse_form_xml
from tests.factories import CaseFactory, OrganisationFactory
from tests.taxes.conftest_declarations import *  # noqa: F403
from tests.taxes.conftest_declarations import counts, entry_with_xml
from tests.taxes.forms import (
    dt1_xml,
    form_xml,
    in1_xml,
    sample_dl1,
    sample_dn1,
    sample_dr1,
    sample_il1,
    sample_in1,
    sample_in1_exempt,
    sample_ir1,
)

D = datetime.date
ALL_FORMS = "DL-1, DN-1, DR-1, DT-1, IL-1, IN-1, IR-1"


@pytest.fixture
def company(db):
    return OrganisationFactory(name="Przetwórnia Magistrowo sp. z o.o.")


def _company_dict(company) -> dict:
    return {"nip": company.nip, "regon": company.regon, "name": company.name}


def _entry(clerk, content, *, with_case=True):
    entry = entry_with_xml(clerk=clerk, content=content)
    if with_case:
        entry.case = CaseFactory()
        entry.save(update_fields=["case"])
    return entry


def _label(n, where):
    return _("object %(n)s (%(where)s)") % {"n": n, "where": where}


# --- recognition ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "form", "root"),
    [
        (sample_in1_exempt("44051401359"), "IN-1", "Informacja"),
        (sample_dn1(), "DN-1", "Deklaracja"),
        (sample_ir1("44051401359"), "IR-1", "Informacja"),
        (sample_dr1(), "DR-1", "Deklaracja"),
        (sample_il1("44051401359", "02070803628"), "IL-1", "Informacja"),
        (sample_dl1(), "DL-1", "Deklaracja"),
    ],
)
def test_every_sample_is_recognised_and_valid(content, form, root):
    found, element = F.find_form(xml_parse(content))
    assert (found, element.tag) == (form, f"{{urn:magistrat:podatki:{form}:1}}{root}")
    assert F.schema_errors(form, element) == []


def test_form_inside_an_envelope_is_recognised():
    """The form element anywhere in an ePUAP / CRD document (``TrescDokumentu``), here an IR-1."""
    inner = sample_ir1("44051401359").decode().partition("?>")[2]
    envelope = (
        '<?xml version="1.0" encoding="UTF-8"?><Dokument xmlns="http://magistrat.local/formularze/IN-1/">'
        f"<TrescDokumentu><DaneFormularza>{inner}</DaneFormularza></TrescDokumentu></Dokument>"
    ).encode()
    parsed = parse_form_xml(envelope)
    assert (parsed.form, parsed.year, parsed.purpose, parsed.event_date) == ("IR-1", 2026, "change", D(2026, 3, 3))


# --- IN-1 with ZIN-2 ------------------------------------------------------------------------------------------------


def test_in1_zin2_exempt_object_keeps_its_exemption(decl_clerk, taxpayer, categories):
    declaration = declaration_from_incoming(
        actor=decl_clerk, entry=_entry(decl_clerk, sample_in1_exempt(taxpayer.pesel))
    )
    assert (declaration.form, declaration.year, declaration.purpose, declaration.party) == (
        "IN-1", 2026, "first", taxpayer)  # fmt: skip
    assert declaration.payload["objects"][1] == {
        "kind": "building", "event": "acquired", "precinct": "Testowo", "parcel": "12/1", "identifier": "B-12",
        "category": "building_residential", "area": "210.50", "area_low": "0", "value": "0",
        "exemption": "upol_monument",
    }  # fmt: skip
    # the totals of ZIN-1 are those of the taxable objects: 1500 m² of land, the exempt building not counted
    assert declaration.payload["totals"] == {"land_area": "1500"}
    assert [op["version"] for op in declaration.proposal] == [
        {"valid_from": "2026-01-01", "category": "land_other", "area": "1500", "area_low": "0", "value": "0"},
        {"valid_from": "2026-01-01", "category": "building_residential", "area": "210.50", "area_low": "0",
         "value": "0", "exemption": "upol_monument"},
    ]  # fmt: skip
    declaration_accept(actor=decl_clerk, declaration=declaration)
    versions = ObjectVersion.objects.filter(declaration=declaration).order_by("pk")
    assert [(v.category.code, v.area, v.exemption.code if v.exemption else None) for v in versions] == [
        ("land_other", Decimal("1500.0000"), None),
        ("building_residential", Decimal("210.5000"), "upol_monument"),
    ]


# --- DN-1 -----------------------------------------------------------------------------------------------------------


def test_dn1_legal_person_with_zdn1_zdn2_and_the_declared_tax(decl_clerk, company, categories, holidays):
    entry = _entry(decl_clerk, sample_dn1(_company_dict(company)))
    declaration = declaration_from_incoming(actor=decl_clerk, entry=entry)
    assert (declaration.form, declaration.year, declaration.purpose, declaration.party) == (
        "DN-1", 2026, "first", company)  # fmt: skip
    assert declaration.deadline == D(2026, 2, 2)  # 31.01.2026 is a Saturday
    assert declaration.late is (timezone.localdate() > D(2026, 2, 2))
    payload = declaration.payload
    assert payload["taxpayer"] == {
        "pesel": "", "nip": company.nip, "regon": company.regon, "first_name": "", "surname": "",
        "name": "Przetwórnia Magistrowo sp. z o.o.", "role": "owner", "share": "1/1",
    }  # fmt: skip
    assert (payload["declared_tax"], payload["declared_tax_by_category"]) == (
        "18889", {"land_business": "2900.00", "building_business": "15988.50"})  # fmt: skip
    assert [(o["kind"], o["parcel"], o["category"], o["area"], o.get("exemption")) for o in payload["objects"]] == [
        ("land", "5/3", "land_business", "2000", None),
        ("building", "5/3", "building_business", "450", None),
        ("land", "5/4", "land_other", "300", "upol_public_roads"),
    ]
    assert [(op["op"], op["kind"], op["version"].get("exemption")) for op in declaration.proposal] == [
        ("object_create", "land", None), ("object_create", "building", None),
        ("object_create", "land", "upol_public_roads"),
    ]  # fmt: skip
    assert declaration.proposal[0]["liabilities"] == [
        {"party": company.pk, "role": "owner", "share_numerator": 1, "share_denominator": 1,
         "valid_from": "2026-01-01"}]  # fmt: skip


# --- IR-1 / DR-1 ----------------------------------------------------------------------------------------------------


def test_ir1_maps_the_egib_use_and_class_and_accepts_into_the_register(decl_clerk, taxpayer, categories):
    declaration = declaration_from_incoming(actor=decl_clerk, entry=_entry(decl_clerk, sample_ir1(taxpayer.pesel)))
    assert (declaration.form, declaration.purpose, declaration.event_date, declaration.deadline) == (
        "IR-1", "change", D(2026, 3, 3), D(2026, 3, 17))  # fmt: skip
    assert [op["version"] for op in declaration.proposal] == [
        {"valid_from": "2026-04-01", "category": "agri_farm", "area": "2.5000", "area_low": "0", "value": "0",
         "land_type": "arable", "land_class": "IIIa"},
        {"valid_from": "2026-04-01", "category": "agri_farm", "area": "1.2345", "area_low": "0", "value": "0",
         "land_type": "meadow", "land_class": "IV"},
        {"valid_from": "2026-04-01", "category": "agri_farm", "area": "0.0500", "area_low": "0", "value": "0",
         "land_type": "pond_other", "land_class": "Wsr"},
        {"valid_from": "2026-04-01", "category": "agri_farm", "area": "0.4000", "area_low": "0", "value": "0",
         "land_type": "arable", "land_class": "VI", "exemption": "upr_class_v_vi"},
    ]  # fmt: skip
    assert declaration.payload["totals"] == {"agricultural_area": "3.7845"}
    declaration_accept(actor=decl_clerk, declaration=declaration)
    versions = ObjectVersion.objects.filter(declaration=declaration).order_by("pk")
    assert [(v.object.kind, v.object.parcel, v.land_type, v.land_class, v.area, v.valid_from) for v in versions] == [
        ("agricultural", "201", "arable", "IIIa", Decimal("2.5000"), D(2026, 4, 1)),
        ("agricultural", "202", "meadow", "IV", Decimal("1.2345"), D(2026, 4, 1)),
        ("agricultural", "203", "pond_other", "Wsr", Decimal("0.0500"), D(2026, 4, 1)),
        ("agricultural", "204", "arable", "VI", Decimal("0.4000"), D(2026, 4, 1)),
    ]
    assert versions[3].exemption.code == "upr_class_v_vi"


def test_ir1_small_holding_defaults_to_other_agricultural_land(decl_clerk, taxpayer, categories):
    xml = form_xml("IR-1", taxpayer={"pesel": taxpayer.pesel}, objects=[
        {"element": "UzytekRolny", "Obreb": "Polowo", "NrDzialki": "9", "Uzytek": "Ps", "Klasa": "III",
         "Powierzchnia": "0.8000"}])  # fmt: skip
    declaration = declaration_from_incoming(actor=decl_clerk, entry=_entry(decl_clerk, xml))
    obj = declaration.payload["objects"][0]
    assert (obj["category"], obj["land_type"], obj["land_class"]) == ("agri_other", "meadow", "III")


def test_dr1_legal_person_orchard_and_declared_tax(decl_clerk, company, categories):
    declaration = declaration_from_incoming(
        actor=decl_clerk, entry=_entry(decl_clerk, sample_dr1(_company_dict(company)))
    )
    assert (declaration.form, declaration.party, declaration.deadline) == ("DR-1", company, D(2026, 1, 15))
    assert (declaration.payload["declared_tax"], declaration.payload["declared_tax_by_category"]) == (
        "1660.50", {"agri_farm": "1660.50"})  # fmt: skip
    assert declaration.proposal[0]["version"] == {
        "valid_from": "2026-01-01", "category": "agri_farm", "area": "10.0000", "area_low": "0", "value": "0",
        "land_type": "orchard", "land_class": "IV",
    }  # fmt: skip


# --- IL-1 / DL-1 ----------------------------------------------------------------------------------------------------


def test_il1_forest_reserve_exempt_stand_and_co_owner(decl_clerk, taxpayer, co_owner, categories):
    declaration = declaration_from_incoming(
        actor=decl_clerk, entry=_entry(decl_clerk, sample_il1(taxpayer.pesel, co_owner.pesel))
    )
    assert (declaration.form, declaration.deadline, declaration.late) == ("IL-1", None, False)
    assert [op["version"] for op in declaration.proposal] == [
        {"valid_from": "2026-01-01", "category": "forest", "area": "2.0000", "area_low": "0", "value": "0",
         "reserve": False},
        {"valid_from": "2026-01-01", "category": "forest_reserve", "area": "1.5000", "area_low": "0", "value": "0",
         "reserve": True},
        {"valid_from": "2026-01-01", "category": "forest", "area": "0.8000", "area_low": "0", "value": "0",
         "reserve": False, "exemption": "upl_young_stand"},
    ]  # fmt: skip
    assert [(h["party"], h["role"], h["share_numerator"], h["share_denominator"])
            for h in declaration.proposal[0]["liabilities"]] == [
        (taxpayer.pk, "co_owner", 1, 2), (co_owner.pk, "co_owner", 1, 2)]  # fmt: skip
    declaration_accept(actor=decl_clerk, declaration=declaration)
    versions = ObjectVersion.objects.filter(declaration=declaration).order_by("pk")
    assert [(v.category.code, v.area, v.reserve) for v in versions] == [
        ("forest", Decimal("2.0000"), False), ("forest_reserve", Decimal("1.5000"), True),
        ("forest", Decimal("0.8000"), False)]  # fmt: skip


def test_dl1_legal_person_with_the_declared_tax(decl_clerk, company, categories):
    declaration = declaration_from_incoming(
        actor=decl_clerk, entry=_entry(decl_clerk, sample_dl1(_company_dict(company)))
    )
    assert (declaration.form, declaration.party, declaration.deadline) == ("DL-1", company, D(2026, 1, 15))
    assert (declaration.payload["declared_tax"], declaration.payload["declared_tax_by_category"]) == (
        "764", {"forest": "764.20"})  # fmt: skip
    assert declaration.payload["totals"] == {"forest_area": "12.3456"}


# --- DT-1/A correction ----------------------------------------------------------------------------------------------


def test_dt1_correction_is_recorded_as_a_correction(decl_clerk, taxpayer, categories):
    """A DT-1/A correction: ``Cel`` korekta, with the tax the taxpayer declares (``Podatek``)."""
    xml = dt1_xml(purpose="korekta", taxpayer={"pesel": taxpayer.pesel},
                  vehicles=[{"NrRejestracyjny": "WE 777", "Kategoria": "truck_3_5_5_5", "DMC": "5200"}],
                  declared={"truck_3_5_5_5": "1204.87"}, total_tax="1205")  # fmt: skip
    declaration = declaration_from_incoming(actor=decl_clerk, entry=_entry(decl_clerk, xml))
    assert (declaration.form, declaration.purpose, declaration.payload["objects"][0]["vehicle_mass_kg"]) == (
        "DT-1", Declaration.Purpose.CORRECTION, 5200)  # fmt: skip
    assert (declaration.payload["declared_tax"], declaration.payload["declared_tax_by_category"]) == (
        "1205", {"truck_3_5_5_5": "1204.87"})  # fmt: skip


# --- bad input: a precise message, nothing recorded, no case opened ------------------------------------------------


def _refused(clerk, content) -> ServiceValidationError:
    entry = _entry(clerk, content, with_case=False)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        declaration_from_incoming(actor=clerk, entry=entry)
    entry.refresh_from_db()
    assert (counts(), entry.case_id) == (before, None)
    return exc.value


def test_no_known_form_lists_every_known_form(decl_clerk, categories):
    error = _refused(decl_clerk, b'<?xml version="1.0"?><Deklaracja xmlns="urn:magistrat:podatki:DO-1:1"/>')
    assert error.message == _(
        "The document is not a known tax form (root element %(root)s, namespaces: %(ns)s); known forms: %(known)s."
    ) % {"root": "Deklaracja", "ns": "urn:magistrat:podatki:DO-1:1", "known": ALL_FORMS}


@pytest.mark.parametrize(
    ("content", "element", "detail"),
    [
        # an EGiB use the form does not know
        (
            form_xml(
                "IR-1",
                taxpayer={"pesel": "44051401359"},
                objects=[
                    {
                        "element": "UzytekRolny",
                        "Obreb": "P",
                        "NrDzialki": "1",
                        "Uzytek": "X",
                        "Klasa": "I",
                        "Powierzchnia": "1.0000",
                    }
                ],
            ),
            "Uzytek",
            "'X'",
        ),
        # an area in ha with more than 4 decimals
        (
            form_xml(
                "IL-1",
                taxpayer={"pesel": "44051401359"},
                objects=[{"element": "Las", "Obreb": "B", "NrDzialki": "1", "Powierzchnia": "1.23456"}],
            ),
            "Powierzchnia",
            "1.23456",
        ),
        # an exempt object (ZIN-2) without its exemption reason
        (
            in1_xml(
                year=2026,
                purpose="pierwsza",
                event_date=None,
                taxpayer={"pesel": "44051401359"},
                objects=[
                    {
                        "element": "Grunt",
                        "Obreb": "T",
                        "NrDzialki": "1",
                        "Kategoria": "land_other",
                        "Powierzchnia": "10",
                    }
                ],
                exempt=[
                    {
                        "element": "Grunt",
                        "Obreb": "T",
                        "NrDzialki": "2",
                        "Kategoria": "land_other",
                        "Powierzchnia": "10",
                    }
                ],
            ),
            "Grunt",
            "Zwolnienie",
        ),
        # a DN-1 without the company's NIP
        (
            form_xml(
                "DN-1",
                taxpayer={"name": "Firma"},
                objects=[
                    {
                        "element": "Grunt",
                        "Obreb": "T",
                        "NrDzialki": "1",
                        "Kategoria": "land_business",
                        "Powierzchnia": "10",
                    }
                ],
            ),
            "Nazwa",
            "NIP",
        ),
    ],
)
def test_schema_violation_names_the_element(decl_clerk, categories, content, element, detail):
    error = _refused(decl_clerk, content)
    form = F.find_form(xml_parse(content))[0]
    assert error.message.startswith(_("The %(form)s form does not match its schema: %(problems)s") % {
        "form": form, "problems": ""})  # fmt: skip
    assert f"}}{element}'" in error.message
    assert detail in error.message


def test_agricultural_areas_that_do_not_add_up(decl_clerk, taxpayer, categories):
    xml = form_xml("IR-1", taxpayer={"pesel": taxpayer.pesel}, objects=[
        {"element": "UzytekRolny", "Obreb": "P", "NrDzialki": "1", "Uzytek": "R", "Klasa": "II",
         "Powierzchnia": "1.5000"},
        {"element": "UzytekRolny", "Obreb": "P", "NrDzialki": "2", "Uzytek": "R", "Klasa": "V",
         "Powierzchnia": "0.2500"}], totals={"PowierzchniaUzytkowRolnych": "1.8000"})  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("The totals do not add up: %(what)s is %(declared)s, the objects sum to %(sum)s.")
        % {"what": _("the total area of agricultural land"), "declared": "1.8000", "sum": "1.7500"}
    ]


def test_forest_areas_that_do_not_add_up(decl_clerk, company, categories):
    xml = form_xml("DL-1", taxpayer=_company_dict(company), objects=[
        {"element": "Las", "Obreb": "B", "NrDzialki": "1", "Powierzchnia": "2.0000"}],
        totals={"PowierzchniaLasow": "2.5000"})  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("The totals do not add up: %(what)s is %(declared)s, the objects sum to %(sum)s.")
        % {"what": _("the total area of forests"), "declared": "2.5000", "sum": "2.0000"}
    ]


def test_negative_forest_area(decl_clerk, taxpayer, categories):
    xml = form_xml("IL-1", taxpayer={"pesel": taxpayer.pesel}, objects=[
        {"element": "Las", "Obreb": "Borowo", "NrDzialki": "5", "Powierzchnia": "-0.5000"}])  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("%(object)s: the %(field)s cannot be negative (%(value)s).")
        % {"object": _label(1, "Borowo 5"), "field": _("area"), "value": "-0.5000"}
    ]


def test_unknown_category_in_dn1(decl_clerk, company, categories):
    xml = form_xml("DN-1", taxpayer=_company_dict(company), objects=[
        {"element": "Budynek", "Obreb": "T", "NrDzialki": "3", "Kategoria": "building_castle",
         "Powierzchnia": "100"}])  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("%(object)s: unknown category %(code)s.") % {"object": _label(1, "T 3"), "code": "building_castle"}
    ]


def test_unknown_exemption_and_an_exemption_of_another_tax(decl_clerk, taxpayer, categories):
    xml = form_xml("IL-1", taxpayer={"pesel": taxpayer.pesel},
                   objects=[{"element": "Las", "Obreb": "B", "NrDzialki": "1", "Powierzchnia": "1.0000"}],
                   exempt=[{"element": "Las", "Obreb": "B", "NrDzialki": "2", "Powierzchnia": "1.0000",
                            "Zwolnienie": "upl_moon"},
                           {"element": "Las", "Obreb": "B", "NrDzialki": "3", "Powierzchnia": "1.0000",
                            "Zwolnienie": "upol_monument"}])  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("%(object)s: unknown exemption reason %(code)s.") % {"object": _label(2, "B 2"), "code": "upl_moon"},
        _("%(object)s: exemption %(code)s belongs to another tax.") % {"object": _label(3, "B 3"),
                                                                       "code": "upol_monument"},
    ]  # fmt: skip


def test_soil_class_not_of_the_land_use(decl_clerk, taxpayer, categories):
    xml = form_xml("IR-1", taxpayer={"pesel": taxpayer.pesel}, objects=[
        {"element": "UzytekRolny", "Obreb": "P", "NrDzialki": "1", "Uzytek": "Ł", "Klasa": "IIIa",
         "Powierzchnia": "2.0000"}])  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("%(object)s: %(class)s is not a land register class of %(type)s (allowed: %(allowed)s).")
        % {"object": _label(1, "P 1"), "class": "IIIa", "type": "meadow", "allowed": "I, II, III, IV, V, VI, VIz"}
    ]


def test_declared_tax_that_does_not_add_up(decl_clerk, company, categories):
    xml = form_xml("DN-1", taxpayer=_company_dict(company), objects=[
        {"element": "Grunt", "Obreb": "T", "NrDzialki": "1", "Kategoria": "land_business", "Powierzchnia": "100"}],
        declared={"land_business": "145.00", "building_business": "50.00"}, total_tax="190")  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("The declared tax does not add up: the total is %(total)s, the groups sum to %(sum)s.")
        % {"total": "190", "sum": "195.00"}
    ]


def test_declared_tax_of_a_category_of_another_tax(decl_clerk, company, categories):
    xml = form_xml("DL-1", taxpayer=_company_dict(company), objects=[
        {"element": "Las", "Obreb": "B", "NrDzialki": "1", "Powierzchnia": "1.0000"}],
        declared={"land_business": "62.00"})  # fmt: skip
    assert _refused(decl_clerk, xml).errors["payload"] == [
        _("The declared tax names category %(code)s, which is not a category of form %(form)s.")
        % {"code": "land_business", "form": "DL-1"}
    ]


def test_in1_sample_still_maps_as_before(decl_clerk, taxpayer, co_owner, categories):
    """The IN-1 path (ZIN-1, ZIN-3) is unchanged by the new sections."""
    declaration = declaration_from_incoming(
        actor=decl_clerk, entry=_entry(decl_clerk, sample_in1(taxpayer.pesel, co_owner.pesel))
    )
    assert [o.get("exemption") for o in declaration.payload["objects"]] == [None, None]
    assert declaration.payload["totals"] == {"land_area": "800.0000", "building_area": "120.0000"}


def test_the_demo_in1_of_the_simulated_epuap_carries_the_taxes_in1():
    """The IN-1 the demo's test resident sends (epuap.demo) is read by "from ePUAP" (the resident-side web form is
    covered by tests/taxes/test_flow_epuap.py)."""
    from epuap import demo, pki

    parsed = parse_form_xml(demo.in1(2, today=D(2026, 11, 20)))
    assert (parsed.form, parsed.year, parsed.purpose, parsed.event_date) == ("IN-1", 2026, "change", D(2026, 11, 11))
    assert parsed.payload["taxpayer"]["pesel"] == pki.resident_identity(2)["pesel"]
    assert [(o["kind"], o["parcel"], o["category"], o["area"]) for o in parsed.payload["objects"]] == [
        ("land", "123/4", "land_other", "812"),
        ("building", "123/4", "building_residential", "146.5"),
    ]
    assert parsed.payload["totals"] == {"land_area": "812", "building_area": "146.5"}
    assert F.check_payload(form="IN-1", payload=parsed.payload, categories={
        "land_other": F.CategoryInfo("land_other", "property", "m2"),
        "building_residential": F.CategoryInfo("building_residential", "property", "m2")}) == []  # fmt: skip


@pytest.mark.parametrize(("declared", "total", "differs"), [
    ({"land_business": "2900.00", "building_business": "15988.50"}, "18889", False),
    ({"land_business": "2900.00", "building_business": "15100.00"}, "18000", True),
])  # fmt: skip
def test_dn1_from_epuap_accepted_is_posted_and_its_declared_tax_compared(
    decl_clerk, company, categories, declared, total, differs
):
    """Accepting an ePUAP DN-1 posts the self-assessment (taxes.services.changes); the form's ``declared_tax`` is
    compared with the computed tax (2026 rates at the maxima: 2 000 × 1.45 + 450 × 35.53 = 18 888.50 → 18 889)."""
    from taxes.hooks.rates import seed_demo

    seed_demo()
    xml = form_xml("DN-1", taxpayer=_company_dict(company), objects=[
        {"element": "Grunt", "Obreb": "P", "NrDzialki": "5/3", "Kategoria": "land_business", "Powierzchnia": "2000"},
        {"element": "Budynek", "Obreb": "P", "NrDzialki": "5/3", "Identyfikator": "H-1",
         "Kategoria": "building_business", "Powierzchnia": "450"}], declared=declared, total_tax=total)  # fmt: skip
    declaration = declaration_accept(
        actor=decl_clerk, declaration=declaration_from_incoming(actor=decl_clerk, entry=_entry(decl_clerk, xml))
    )
    declaration.refresh_from_db()
    codes = [p["code"] for p in declaration.problems]
    assert ("declared_tax_differs" in codes, "post_failed" in codes) == (differs, False), declaration.problems
    decision = Decision.objects.get(declaration=declaration)
    assert (decision.kind, decision.total) == (Decision.Kind.SELF_ASSESSMENT, Decimal("18889.00"))
