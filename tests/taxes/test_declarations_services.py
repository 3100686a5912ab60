"""Declarations: deadlines and late flags, the payload checks, the proposal, accept / reject, ePUAP forms."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from taxes.models import Declaration, Liability, ObjectVersion, TaxObject
from taxes.services.declarations import (
    declaration_accept,
    declaration_from_incoming,
    declaration_record,
    declaration_reject,
    filing_deadline,
)
from tests.factories import CaseFactory, PersonFactory
from tests.taxes.conftest_declarations import *  # noqa: F403
from tests.taxes.conftest_declarations import counts, entry_with_xml
from tests.taxes.forms import dt1_xml, in1_xml, sample_in1

D = datetime.date


# --- deadlines ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "year", "event", "expected"),
    [
        ("IN-1", 2025, D(2025, 6, 10), D(2025, 6, 24)),
        ("IN-1", 2025, D(2025, 6, 14), D(2025, 6, 30)),  # 28.06.2025 is a Saturday
        ("IN-1", 2026, D(2025, 12, 23), D(2026, 1, 7)),  # 6.01.2026 is a holiday
        ("IR-1", 2025, D(2025, 3, 1), D(2025, 3, 17)),  # 15.03.2025 is a Saturday
        ("IL-1", 2025, None, None),
        ("DN-1", 2026, None, D(2026, 2, 2)),  # 31.01.2026 is a Saturday
        ("DN-1", 2026, D(2026, 5, 4), D(2026, 5, 18)),  # a later event: 14 days
        ("DN-1", 2026, D(2026, 1, 5), D(2026, 2, 2)),  # never before the annual deadline
        ("DR-1", 2025, None, D(2025, 1, 15)),
        ("DL-1", 2028, None, D(2028, 1, 17)),  # 15.01.2028 is a Saturday
        ("DT-1", 2025, None, D(2025, 2, 17)),  # 15.02.2025 is a Saturday (domain reference §3)
        ("DT-1", 2026, None, D(2026, 2, 16)),  # 15.02.2026 is a Sunday
    ],
)
def test_filing_deadline_per_form(holidays, form, year, event, expected):
    assert filing_deadline(form=form, year=year, event_date=event) == expected


def land(parcel="7/1", area="500", **extra):
    return {"kind": "land", "precinct": "Testowo", "parcel": parcel, "category": "land_other", "area": area, **extra}


def payload(taxpayer, objects, **extra):
    return {"taxpayer": {"pesel": taxpayer.pesel, "role": "owner", "share": "1/1"}, "objects": objects, **extra}


@pytest.mark.parametrize(("filed_on", "late"), [(D(2025, 2, 17), False), (D(2025, 2, 18), True)])
def test_late_flag_dt1_weekend_shift(decl_clerk, taxpayer, categories, filed_on, late):
    vehicle = {"kind": "vehicle", "identifier": "WE 12345", "category": "truck_3_5_5_5", "vehicle_mass_kg": 5000}
    declaration = declaration_record(
        actor=decl_clerk,
        form="DT-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=filed_on,
        payload=payload(taxpayer, [vehicle]),
    )
    assert (declaration.deadline, declaration.late) == (D(2025, 2, 17), late)
    assert [p["code"] for p in declaration.problems] == (["late"] if late else [])


def test_late_flag_in1_fourteen_days(decl_clerk, taxpayer, categories):
    on_time = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="change",
        event_date=D(2025, 6, 14),
        filed_on=D(2025, 6, 30),
        payload=payload(taxpayer, [land()]),
    )
    late = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="change",
        event_date=D(2025, 6, 14),
        filed_on=D(2025, 7, 1),
        payload=payload(taxpayer, [land("7/2")]),
    )
    assert (on_time.deadline, on_time.late, late.deadline, late.late) == (D(2025, 6, 30), False, D(2025, 6, 30), True)
    assert late.problems[0]["message"] == _("Filed late: the deadline was %(date)s.") % {"date": "30.06.2025"}


# --- the XML mapping and the proposal -----------------------------------------------------------------------------


@pytest.fixture
def in1_entry(decl_clerk, taxpayer, co_owner):
    entry = entry_with_xml(clerk=decl_clerk, content=sample_in1(taxpayer.pesel, co_owner.pesel))
    case = CaseFactory()
    entry.case = case
    entry.save(update_fields=["case"])
    return entry


def test_in1_with_two_objects_and_a_co_owner_maps_to_the_exact_proposal(
    decl_clerk, taxpayer, co_owner, categories, in1_entry
):
    declaration = declaration_from_incoming(actor=decl_clerk, entry=in1_entry)
    assert (declaration.form, declaration.year, declaration.purpose, declaration.event_date) == (
        "IN-1",
        2025,
        "change",
        D(2025, 6, 10),
    )
    assert (declaration.party, declaration.incoming_entry, declaration.case) == (taxpayer, in1_entry, in1_entry.case)
    assert (declaration.deadline, declaration.late, declaration.problems) == (
        D(2025, 6, 24),
        True,
        [
            {
                "code": "late",
                "message": _("Filed late: the deadline was %(date)s.") % {"date": "24.06.2025"},
                "severity": "warning",
                "object": None,
            }
        ],
    )
    holders = [
        {
            "party": taxpayer.pk,
            "role": "co_owner",
            "share_numerator": 1,
            "share_denominator": 2,
            "valid_from": "2025-07-01",
        },
        {
            "party": co_owner.pk,
            "role": "co_owner",
            "share_numerator": 1,
            "share_denominator": 2,
            "valid_from": "2025-07-01",
        },
    ]
    assert declaration.proposal == [
        {
            "op": "object_create",
            "kind": "land",
            "precinct": "Testowo",
            "parcel": "101/2",
            "identifier": "",
            "description": "",
            "version": {
                "valid_from": "2025-07-01",
                "category": "land_other",
                "area": "800.0000",
                "area_low": "0",
                "value": "0",
            },
            "liabilities": holders,
        },
        {
            "op": "object_create",
            "kind": "building",
            "precinct": "Testowo",
            "parcel": "101/2",
            "identifier": "B-101",
            "description": "",
            "version": {
                "valid_from": "2025-07-01",
                "category": "building_residential",
                "area": "120.0000",
                "area_low": "0",
                "value": "0",
            },
            "liabilities": holders,
        },
    ]


def test_accept_writes_exactly_the_proposed_rows(decl_clerk, taxpayer, co_owner, categories, in1_entry):
    declaration = declaration_from_incoming(actor=decl_clerk, entry=in1_entry)
    before = counts()
    accepted = declaration_accept(actor=decl_clerk, declaration=declaration)
    assert (accepted.status, accepted.decided_by) == (Declaration.Status.ACCEPTED, decl_clerk)
    objects = list(TaxObject.objects.order_by("pk"))
    assert [(o.kind, o.precinct, o.parcel, o.identifier) for o in objects] == [
        ("land", "Testowo", "101/2", ""),
        ("building", "Testowo", "101/2", "B-101"),
    ]
    versions = list(ObjectVersion.objects.order_by("pk"))
    assert [(v.object_id, v.valid_from, v.valid_to, v.category.code, v.area, v.declaration_id) for v in versions] == [
        (objects[0].pk, D(2025, 7, 1), None, "land_other", Decimal("800.0000"), declaration.pk),
        (objects[1].pk, D(2025, 7, 1), None, "building_residential", Decimal("120.0000"), declaration.pk),
    ]
    liabilities = list(Liability.objects.order_by("object_id", "party_id"))
    assert [
        (li.object_id, li.party_id, li.role, li.share_numerator, li.share_denominator, li.valid_from, li.declaration_id)
        for li in liabilities
    ] == sorted(
        [(o.pk, p.pk, "co_owner", 1, 2, D(2025, 7, 1), declaration.pk) for o in objects for p in (taxpayer, co_owner)]
    )
    assert counts()[:4] == (before[0], 2, 2, 4)


def test_accept_is_all_or_nothing(decl_clerk, taxpayer, categories):
    declaration = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=D(2025, 1, 10),
        payload=payload(taxpayer, [land("1/1"), land("1/2")]),
    )
    edited = [dict(op) for op in declaration.proposal]
    edited[1] = {**edited[1], "version": {**edited[1]["version"], "valid_from": "2025-01-15"}}  # not a 1st
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        declaration_accept(actor=decl_clerk, declaration=declaration, proposal=edited)
    assert exc.value.message.startswith(
        _("Operation %(n)s (%(op)s): %(message)s") % {"n": 2, "op": "object_create", "message": ""}
    )
    assert counts() == before
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.RECEIVED


def test_sale_ends_the_taxpayers_liability(decl_clerk, taxpayer, categories):
    first = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=D(2025, 1, 10),
        payload=payload(taxpayer, [land()]),
    )
    declaration_accept(actor=decl_clerk, declaration=first)
    sale = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="change",
        event_date=D(2025, 9, 3),
        filed_on=D(2025, 9, 10),
        payload=payload(taxpayer, [land(event="disposed")]),
    )
    liability = Liability.objects.get()
    assert sale.proposal == [{"op": "liability_end", "liability": liability.pk, "valid_to": "2025-09-30"}]
    declaration_accept(actor=decl_clerk, declaration=sale)
    liability.refresh_from_db()
    assert liability.valid_to == D(2025, 9, 30)


# --- bad input: a precise message and no change -------------------------------------------------------------------


def _refused(actor, party, objects, **extra):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        declaration_record(
            actor=actor,
            form="IN-1",
            party=party,
            year=2025,
            purpose="first",
            event_date=None,
            filed_on=D(2025, 1, 10),
            payload=payload(party, objects, **extra),
        )
    assert counts() == before
    return exc.value.errors["payload"]


def test_negative_area_refused(decl_clerk, taxpayer, categories):
    assert _refused(decl_clerk, taxpayer, [land(area="-5")]) == [
        _("%(object)s: the %(field)s cannot be negative (%(value)s).")
        % {
            "object": _("object %(n)s (%(where)s)") % {"n": 1, "where": "Testowo 7/1"},
            "field": _("area"),
            "value": "-5",
        }
    ]


def test_missing_parcel_refused(decl_clerk, taxpayer, categories):
    assert _refused(decl_clerk, taxpayer, [land(parcel="")]) == [
        _("%(object)s: the parcel number is missing.")
        % {"object": _("object %(n)s (%(where)s)") % {"n": 1, "where": "Testowo"}}
    ]


def test_areas_that_do_not_add_up_refused(decl_clerk, taxpayer, categories):
    errors = _refused(decl_clerk, taxpayer, [land("1/1", "500"), land("1/2", "300")], totals={"land_area": "900"})
    assert errors == [
        _("The totals do not add up: %(what)s is %(declared)s, the objects sum to %(sum)s.")
        % {"what": _("the total area of land"), "declared": "900", "sum": "800"}
    ]


def test_unknown_category_refused(decl_clerk, taxpayer, categories):
    assert _refused(decl_clerk, taxpayer, [land(category="land_moon")]) == [
        _("%(object)s: unknown category %(code)s.")
        % {"object": _("object %(n)s (%(where)s)") % {"n": 1, "where": "Testowo 7/1"}, "code": "land_moon"}
    ]


def test_shares_over_the_whole_refused(decl_clerk, taxpayer, co_owner, categories):
    errors = _refused(decl_clerk, taxpayer, [land()], co_owners=[{"pesel": co_owner.pesel, "share": "1/2"}])
    assert errors == [_("The shares add up to %(total)s, more than the whole.") % {"total": "3/2"}]


def test_unknown_form_xml_refused(decl_clerk, categories):
    entry = entry_with_xml(clerk=decl_clerk, content=b'<?xml version="1.0"?><Wniosek xmlns="urn:inny:1"><A/></Wniosek>')
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        declaration_from_incoming(actor=decl_clerk, entry=entry)
    assert exc.value.message == _(
        "The document is not a known tax form (root element %(root)s, namespaces: %(ns)s); known forms: %(known)s."
    ) % {"root": "Wniosek", "ns": "urn:inny:1", "known": "DL-1, DN-1, DR-1, DT-1, IL-1, IN-1, IR-1"}
    assert counts() == before


def test_form_not_matching_its_schema_refused(decl_clerk, taxpayer, categories):
    bad = in1_xml(
        taxpayer={"pesel": taxpayer.pesel},
        objects=[
            {"element": "Grunt", "Obreb": "T", "NrDzialki": "1", "Kategoria": "land_other", "Powierzchnia": "dużo"}
        ],
    )
    entry = entry_with_xml(clerk=decl_clerk, content=bad)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        declaration_from_incoming(actor=decl_clerk, entry=entry)
    assert "Powierzchnia" in exc.value.message
    assert "dużo" in exc.value.message
    assert counts() == before


def test_negative_area_in_epuap_form_refused_without_opening_a_case(decl_clerk, taxpayer, categories):
    bad = in1_xml(
        taxpayer={"pesel": taxpayer.pesel},
        objects=[{"element": "Grunt", "Obreb": "T", "NrDzialki": "1", "Kategoria": "land_other", "Powierzchnia": "-1"}],
    )
    entry = entry_with_xml(clerk=decl_clerk, content=bad)
    before = counts()
    with pytest.raises(ServiceValidationError):
        declaration_from_incoming(actor=decl_clerk, entry=entry)
    entry.refresh_from_db()
    assert (counts(), entry.case_id) == (before, None)


def test_dt1_from_epuap(decl_clerk, taxpayer, categories):
    xml = dt1_xml(
        taxpayer={"pesel": taxpayer.pesel},
        vehicles=[{"NrRejestracyjny": "WE 777", "Kategoria": "truck_3_5_5_5", "DMC": "5000", "Osie": "2"}],
    )
    entry = entry_with_xml(clerk=decl_clerk, content=xml)
    entry.case = CaseFactory()
    entry.save(update_fields=["case"])
    declaration = declaration_from_incoming(actor=decl_clerk, entry=entry)
    assert declaration.payload["objects"][0]["vehicle_mass_kg"] == 5000
    assert declaration.proposal[0]["version"] == {
        "valid_from": "2026-01-01",
        "category": "truck_3_5_5_5",
        "area": "0",
        "area_low": "0",
        "value": "0",
        "vehicle_mass_kg": 5000,
        "vehicle_axles": 2,
        "vehicle_air_suspension": False,
    }


# --- reject, permissions ------------------------------------------------------------------------------------------


def test_reject_keeps_the_reason(decl_clerk, taxpayer, categories):
    declaration = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=D(2025, 1, 10),
        payload=payload(taxpayer, [land()]),
    )
    rejected = declaration_reject(actor=decl_clerk, declaration=declaration, reason="Brak podpisu")
    rejected.refresh_from_db()
    assert (rejected.status, rejected.decision_reason, rejected.decided_by) == ("rejected", "Brak podpisu", decl_clerk)
    with pytest.raises(ApplicationError):
        declaration_accept(actor=decl_clerk, declaration=rejected)


def test_permissions(outsider, decl_clerk, taxpayer, categories):
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        declaration_record(
            actor=outsider,
            form="IN-1",
            party=taxpayer,
            year=2025,
            purpose="first",
            event_date=None,
            filed_on=D(2025, 1, 10),
            payload=payload(taxpayer, [land()]),
        )
    assert (exc.value.code, counts()) == ("forbidden", before)
    declaration = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=D(2025, 1, 10),
        payload=payload(taxpayer, [land()]),
    )
    before = counts()
    for call in (
        lambda: declaration_accept(actor=outsider, declaration=declaration),
        lambda: declaration_reject(actor=outsider, declaration=declaration, reason="x"),
    ):
        with pytest.raises(ApplicationError):
            call()
    assert counts() == before


def test_new_co_owner_is_added_on_accept(decl_clerk, taxpayer, categories):
    stranger = PersonFactory.build()
    declaration = declaration_record(
        actor=decl_clerk,
        form="IN-1",
        party=taxpayer,
        year=2025,
        purpose="first",
        event_date=None,
        filed_on=D(2025, 1, 10),
        payload={
            "taxpayer": {"pesel": taxpayer.pesel, "share": "1/2"},
            "objects": [land()],
            "co_owners": [{"pesel": stranger.pesel, "surname": "Obcy", "share": "1/2"}],
        },
    )
    assert declaration.proposal[0]["liabilities"][1]["new_party"]["pesel"] == stranger.pesel
    declaration_accept(actor=decl_clerk, declaration=declaration)
    assert sorted(Liability.objects.values_list("party__pesel", flat=True)) == sorted([taxpayer.pesel, stranger.pesel])
