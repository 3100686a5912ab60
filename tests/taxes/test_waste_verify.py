"""Waste fee verification (ucpg art. 6o): the water readings and collection contracts imports (idempotent by file and
by row, refused whole on bad or duplicate lines), the nightly comparison of the declarations with the registered
residents, the water consumed and the contracted containers, and the clerk's dismissal or case."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from documents.models import Case
from taxes.models import (
    CollectionContract,
    ContractImport,
    VerificationFinding,
    WasteDeclaration,
    WasteProperty,
    WaterImport,
    WaterReading,
)
from taxes.services.waste_verify import (
    contracts_import,
    finding_dismiss,
    finding_open_case,
    normalise_address,
    waste_verify,
    water_import,
)
from taxes.tasks_waste import verify
from tests.factories import AddressFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory
from tests.factories.population import RegistrationFactory

D = Decimal
pytestmark = pytest.mark.django_db
MARCH = datetime.date(2025, 3, 1)
F = VerificationFinding


@pytest.fixture
def fn_unit(db):
    return OrgUnitFactory(symbol="FN", name="Referat Finansowy")


@pytest.fixture
def w_clerk(make_user, fn_unit):
    return make_user(roles.TAX_CLERK, username="odpady-weryfikacja", org_unit=fn_unit)


@pytest.fixture
def house(db):
    """A residential property declared (per resident, 2 people) from January 2025, with 5 people registered."""
    prop = WasteProperty.objects.create(identifier="ODP/0100", address=AddressFactory(building_number="7"))
    declaration = WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), number="DO/100/2025", filed_on=datetime.date(2025, 1, 10),
        effective_from=datetime.date(2025, 1, 1), method="per_resident", residents=2,
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    for _i in range(5):
        RegistrationFactory(address=prop.address)
    return declaration


def line(prop: WasteProperty) -> str:
    return f"{prop.address.street.full_name} {prop.address.building_number}, 05-123 {prop.address.locality.name}"


def water_csv(*rows: str) -> bytes:
    return ("meter_point;address;period;m3\n" + "".join(f"{r}\n" for r in rows)).encode()


def counts():
    return (
        WaterImport.objects.count(),
        WaterReading.objects.count(),
        AuditEvent.objects.filter(action="taxes.waste_water_import").count(),
    )


def test_normalise_address():
    assert normalise_address("ul. Testowa  1 m. 2, 05-123 Testowo") == "testowa 1/2"
    assert normalise_address("UL. TESTOWA 1 / 2") == "testowa 1/2"
    assert normalise_address("Stara Wieś 12") == "stara wieś 12"


def test_water_import_idempotent_by_file_and_row(w_clerk, house):
    content = water_csv(f"W-1;{line(house.property)};2025-03;30,000", "W-2;ul. Nieznana 1;2025-03;5.5")
    first = water_import(actor=w_clerk, content=content, file_name="woda-03.csv")
    assert (first.rows, first.created, first.skipped, first.unmatched, first.status, first.errors) == (
        2, 2, 0, 1, "imported", []
    )  # fmt: skip
    assert list(
        WaterReading.objects.order_by("meter_point").values_list("meter_point", "property_id", "period", "m3")
    ) == [
        ("W-1", house.property_id, MARCH, D("30.000")),
        ("W-2", None, MARCH, D("5.500")),
    ]
    again = water_import(actor=w_clerk, content=content, file_name="woda-03-kopia.csv")
    assert again.pk == first.pk
    assert counts() == (1, 2, 1)

    changed = water_import(
        actor=w_clerk, content=water_csv(f"W-1;{line(house.property)};2025-03;30", "W-2;ul. Nieznana 1;2025-03;6"),
        file_name="woda-03-korekta.csv",
    )  # fmt: skip
    message = _(
        "Line %(line)s: meter point %(meter)s in %(period)s was imported earlier with %(old)s m³, not %(new)s m³."
    ) % {"line": 3, "meter": "W-2", "period": "2025-03", "old": D("5.500"), "new": D("6")}
    assert (changed.created, changed.skipped, changed.status) == (0, 1, "with_errors")
    assert changed.errors == [{"line": 3, "message": message}]
    assert WaterReading.objects.get(meter_point="W-2").m3 == D("5.500")
    assert counts() == (2, 2, 2)


def test_water_import_duplicate_meter_period_refused_whole(w_clerk, house):
    content = water_csv("W-1;ul. A 1;2025-03;1", "W-2;ul. A 2;2025-03;2", "W-1;ul. A 1;2025-03;3")
    with pytest.raises(ServiceValidationError) as exc:
        water_import(actor=w_clerk, content=content, file_name="woda.csv")
    what = _("meter point %(m)s in %(p)s") % {"m": "W-1", "p": "2025-03"}
    assert exc.value.errors == {
        "file": [_("Line %(line)s: %(what)s repeats line %(first)s.") % {"line": 4, "what": what, "first": 2}]
    }
    assert counts() == (0, 0, 0)


def test_water_import_bad_lines_refused_with_line_numbers(w_clerk, nobody):
    content = water_csv("W-1;ul. A 1;2025-13;1", "W-2;ul. A 2;2025-03;-2", "W-3;ul. A 3;2025-03")
    with pytest.raises(ServiceValidationError) as exc:
        water_import(actor=w_clerk, content=content, file_name="woda.csv")
    assert exc.value.errors == {
        "file": [
            _("Line %(line)s: the month must be YYYY-MM.") % {"line": 2},
            _("Line %(line)s: the m³ must be a non-negative number with at most 3 decimals.") % {"line": 3},
            _("Line %(line)s: expected 4 fields, found %(n)s.") % {"line": 4, "n": 3},
        ]
    }
    with pytest.raises(ServiceValidationError) as exc:
        water_import(actor=w_clerk, content=b"licznik;adres\nW-1;x\n", file_name="woda.csv")
    assert exc.value.errors == {
        "file": [_("Line 1: the header must be %(header)s.") % {"header": "meter_point;address;period;m3"}]
    }
    with pytest.raises(ApplicationError) as exc:
        water_import(actor=nobody, content=water_csv("W-1;ul. A 1;2025-03;1"), file_name="woda.csv")
    assert exc.value.code == "forbidden"
    assert counts() == (0, 0, 0)


def test_verify_residents_and_water_findings_idempotent(w_clerk, house):
    water_import(actor=w_clerk, content=water_csv(f"W-1;{line(house.property)};2025-03;30"), file_name="w.csv")
    result = waste_verify(month=datetime.date(2025, 3, 17))
    assert result == {"month": "2025-03", "declarations": 1, "created": 2, "updated": 0}
    rows = list(F.objects.order_by("kind").values_list("kind", "month", "declared_value", "evidence_value", "details"))
    assert rows == [
        ("residents", MARCH, D("2.000"), D("5.000"), {"registered": 5}),
        ("water", MARCH, D("2.000"), D("30.000"), {"m3": "30.000", "m3_per_person": "4.0", "implied_residents": 8}),
    ]
    assert waste_verify(month=MARCH) == {"month": "2025-03", "declarations": 1, "created": 0, "updated": 0}
    assert verify.run("2025-03-01") == {"month": "2025-03", "declarations": 1, "created": 0, "updated": 0}
    assert F.objects.count() == 2
    assert AuditEvent.objects.filter(action="taxes.waste_verify").count() == 1


def test_verify_thresholds_and_months_before_the_declaration(house):
    assert waste_verify(month=MARCH, thresholds={"residents": 4})["created"] == 0
    assert waste_verify(month=datetime.date(2024, 12, 1))["declarations"] == 0
    assert F.objects.count() == 0


def test_verify_containers_from_contracts(w_clerk):
    prop = WasteProperty.objects.create(
        identifier="ODP/0200", address=AddressFactory(building_number="12A"), kind=WasteProperty.Kind.NON_RESIDENTIAL
    )
    WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), filed_on=datetime.date(2025, 1, 10),
        effective_from=datetime.date(2025, 1, 1), containers=[{"capacity_l": 120, "frequency": 2, "count": 1}],
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    content = (
        "address;capacity_l;frequency;count;valid_from;valid_to\n"
        f"{line(prop).upper()};1100;4;1;2025-01-01;\n"
        f"{line(prop)};240;4;2;2024-01-01;2024-12-31\n"
    ).encode()
    imp = contracts_import(actor=w_clerk, content=content, file_name="umowy.csv")
    assert (imp.rows, imp.created, imp.unmatched) == (2, 2, 0)
    assert contracts_import(actor=w_clerk, content=content, file_name="umowy.csv").pk == imp.pk
    assert (ContractImport.objects.count(), CollectionContract.objects.filter(property=prop).count()) == (1, 2)
    assert waste_verify(month=MARCH)["created"] == 1
    finding = F.objects.get()
    assert (finding.kind, finding.declared_value, finding.evidence_value) == ("containers", D("240"), D("4400"))


def test_dismiss_requires_reason_then_final(w_clerk, house):
    waste_verify(month=MARCH)
    finding = F.objects.get(kind="residents")
    with pytest.raises(ServiceValidationError) as exc:
        finding_dismiss(actor=w_clerk, finding=finding, reason="  ")
    assert exc.value.errors == {"reason": [_("Give the reason for dismissing the finding.")]}
    finding.refresh_from_db()
    assert (finding.status, finding.reason) == ("open", "")
    done = finding_dismiss(
        actor=w_clerk, finding=finding, reason="Studenci zameldowani czasowo, mieszkają w akademiku."
    )
    assert (done.status, done.decided_by) == ("dismissed", w_clerk)
    with pytest.raises(ApplicationError) as exc:
        finding_open_case(actor=w_clerk, finding=finding)
    assert exc.value.code in {"invalid_transition", "no_jrwa"}
    assert AuditEvent.objects.filter(action="taxes.waste_finding_dismiss").count() == 1


def test_open_case_creates_one_case(w_clerk, house):
    JrwaClassFactory(symbol="3120", title="Wymiar podatków i opłat", archival_category="B5")
    waste_verify(month=MARCH)
    finding = F.objects.get(kind="residents")
    done = finding_open_case(actor=w_clerk, finding=finding)
    case = Case.objects.get()
    assert (done.status, done.case) == ("case_opened", case)
    assert case.jrwa.symbol == "3120"
    assert list(case.parties.all()) == [house.payer]
    with pytest.raises(ApplicationError) as exc:
        finding_open_case(actor=w_clerk, finding=finding)
    assert exc.value.code == "invalid_transition"
    assert Case.objects.count() == 1
    # A second nightly run keeps the decided finding as it is.
    assert waste_verify(month=MARCH)["created"] == 0
    assert F.objects.get(pk=finding.pk).status == "case_opened"


def test_contracts_import_changed_row_and_bad_lines(w_clerk, nobody):
    header = "address;capacity_l;frequency;count;valid_from;valid_to\n"
    first = contracts_import(actor=w_clerk, content=(header + "ul. Polna 1;1100;4;2;2025-01-01;\n").encode(),
                             file_name="u1.csv")  # fmt: skip
    assert (first.created, first.unmatched, first.status) == (1, 1, "imported")
    rows = "ul. Polna 1;1100;4;3;2025-01-01;\nul. Polna 2;120;2;1;2025-01-01;\n"
    changed = contracts_import(actor=w_clerk, content=(header + rows).encode(), file_name="u2.csv")
    assert (changed.created, changed.status) == (1, "with_errors")
    assert changed.errors == [
        {"line": 2, "message": _("Line %(line)s: this contract was imported earlier with other data.") % {"line": 2}}
    ]
    assert CollectionContract.objects.get(address="ul. Polna 1").count == 2
    bad = (
        header
        + "ul. Polna 3;0;4;1;2025-01-01;\nul. Polna 4;120;4;1;2025-02-01;2025-01-31\nul. Polna 5;120;4;1;1.01.2025;\n"
    )
    with pytest.raises(ServiceValidationError) as exc:
        contracts_import(actor=w_clerk, content=bad.encode(), file_name="u3.csv")
    assert exc.value.errors == {
        "file": [
            _("Line %(line)s: capacity, frequency and count must be whole numbers (capacity and frequency above zero).")
            % {"line": 2},
            _("Line %(line)s: the contract ends before it starts.") % {"line": 3},
            _("Line %(line)s: the dates must be YYYY-MM-DD.") % {"line": 4},
        ]
    }
    with pytest.raises(ApplicationError):
        contracts_import(actor=nobody, content=(header + "ul. Polna 9;120;2;1;2025-01-01;\n").encode(), file_name="x")
    assert (ContractImport.objects.count(), CollectionContract.objects.count()) == (2, 2)


def test_import_size_bounded_and_empty(w_clerk, settings):
    settings.WASTE_IMPORT_MAX_BYTES = 40
    with pytest.raises(ServiceValidationError) as exc:
        water_import(actor=w_clerk, content=water_csv("W-1;ul. A 1;2025-03;1"), file_name="w.csv")
    assert exc.value.message == _("The file is larger than %(limit)s bytes.") % {"limit": 40}
    with pytest.raises(ServiceValidationError) as exc:
        water_import(actor=w_clerk, content=b"", file_name="w.csv")
    assert exc.value.message == _("The file is empty.")
    assert counts() == (0, 0, 0)


def test_finding_actions_need_permission(nobody, house):
    waste_verify(month=MARCH)
    finding = F.objects.get(kind="residents")
    with pytest.raises(ApplicationError) as exc:
        finding_dismiss(actor=nobody, finding=finding, reason="Bez powodu")
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError) as exc:
        finding_open_case(actor=nobody, finding=finding)
    assert exc.value.code == "forbidden"
    assert F.objects.get(pk=finding.pk).status == "open"


def test_nightly_task_registered_and_scheduled():
    from config.celery import app
    from config.schedule import BEAT_SCHEDULE
    from taxes import tasks  # noqa: F401

    assert BEAT_SCHEDULE["taxes.waste-verify"]["task"] == "taxes.tasks_waste.verify"
    assert "taxes.tasks_waste.verify" in app.tasks


# --- the set-based nightly run (issue 9 "Performance": 100 000 declarations, bench/waste_verify.py) -----------------


def accepted(prop, *, effective, residents=None, purpose="first", method="per_resident", **fields):
    return WasteDeclaration.objects.create(
        property=prop, payer=PersonFactory(), filed_on=effective, effective_from=effective, purpose=purpose,
        method=method, residents=residents, status=WasteDeclaration.Status.ACCEPTED, **fields,
    )  # fmt: skip


def reading(prop, meter, m3, period=MARCH):
    imp = WaterImport.objects.first() or WaterImport.objects.create(file_name="w.csv", sha256="a" * 64)
    return WaterReading.objects.create(
        meter_point=meter, address="x", property=prop, period=period, m3=D(m3), water_import=imp
    )


def test_verify_decision_in_force_checked_like_a_declaration():
    """A decision under art. 6o is a register row like a declaration: a finding is raised against it; the declaration
    it superseded is not checked; a received declaration and an accepted one from a later month are not in force."""
    prop = WasteProperty.objects.create(identifier="ODP/0300", address=AddressFactory(building_number="3"))
    first = accepted(prop, effective=datetime.date(2025, 1, 1), residents=2)
    decision = accepted(prop, effective=datetime.date(2025, 2, 1), residents=3, purpose="decision", previous=first)
    later = accepted(prop, effective=datetime.date(2025, 4, 1), residents=5, purpose="change", previous=decision)
    WasteDeclaration.objects.filter(pk=first.pk).update(superseded_by=decision)
    WasteDeclaration.objects.filter(pk=decision.pk).update(superseded_by=later)
    WasteDeclaration.objects.create(
        property=prop, payer=first.payer, filed_on=MARCH, effective_from=MARCH, purpose="change",
        method="per_resident", residents=1, status=WasteDeclaration.Status.RECEIVED,
    )  # fmt: skip
    for _i in range(5):
        RegistrationFactory(address=prop.address)

    assert waste_verify(month=MARCH) == {"month": "2025-03", "declarations": 1, "created": 1, "updated": 0}
    finding = F.objects.get()
    assert (finding.declaration_id, finding.property_id, finding.kind) == (decision.pk, prop.pk, "residents")
    assert (finding.declared_value, finding.evidence_value, finding.details) == (D("3"), D("5"), {"registered": 5})
    # April: the change declaring 5 is in force, nothing to find.
    assert waste_verify(month=datetime.date(2025, 4, 1)) == {
        "month": "2025-04", "declarations": 1, "created": 0, "updated": 0
    }  # fmt: skip
    assert F.objects.count() == 1


def test_verify_residents_on_the_first_of_the_month_building_sums_its_flats():
    """Registered on the 1st: ended before it or starting after it do not count; a temporary stay counts; a property
    at a building without a flat number sums its flats; a flat is matched regardless of case and spaces."""
    house = WasteProperty.objects.create(identifier="ODP/0400", address=AddressFactory(building_number="9"))
    street = house.address.street
    flat = WasteProperty.objects.create(
        identifier="ODP/0401", address=AddressFactory(street=street, building_number="11", flat_number="2a")
    )
    accepted(house, effective=datetime.date(2025, 1, 1), residents=1)
    accepted(flat, effective=datetime.date(2025, 1, 1), residents=1)
    for flat_number in ("1", "2", "2"):
        RegistrationFactory(address=AddressFactory(street=street, building_number="9", flat_number=flat_number))
    RegistrationFactory(address=house.address, kind="temporary", start_date=datetime.date(2025, 2, 1))
    RegistrationFactory(address=house.address, end_date=MARCH, end_reason="deregistered")  # ended on the 1st
    RegistrationFactory(address=house.address, start_date=datetime.date(2025, 3, 2))  # from the 2nd
    RegistrationFactory(address=AddressFactory(street=street, building_number="11", flat_number=" 2A "))
    RegistrationFactory(address=AddressFactory(street=street, building_number="11", flat_number="2A"))

    assert waste_verify(month=MARCH)["created"] == 2
    assert list(F.objects.order_by("property__identifier").values_list("property__identifier", "evidence_value")) == [
        ("ODP/0400", D("4")),
        ("ODP/0401", D("2")),
    ]


def test_verify_water_sums_meter_points_of_the_month_only_per_resident():
    prop = WasteProperty.objects.create(identifier="ODP/0500", address=AddressFactory(building_number="5"))
    accepted(prop, effective=datetime.date(2025, 1, 1), residents=4)
    for _i in range(4):
        RegistrationFactory(address=prop.address)
    reading(prop, "W-1", "10.000")
    reading(prop, "W-2", "7.500")  # 17.5 m³ / 4 = 4.375 > 4.0
    reading(prop, "W-1", "100.000", period=datetime.date(2025, 2, 1))
    reading(None, "W-9", "500.000")  # matched no property
    by_water = WasteProperty.objects.create(identifier="ODP/0501", address=AddressFactory(building_number="6"))
    accepted(by_water, effective=datetime.date(2025, 1, 1), method="per_m3", water_m3=D("3"))
    reading(by_water, "W-3", "90.000")  # the water method: the residents are not declared, no water finding

    assert waste_verify(month=MARCH) == {"month": "2025-03", "declarations": 2, "created": 1, "updated": 0}
    finding = F.objects.get()
    assert (finding.property_id, finding.kind, finding.declared_value, finding.evidence_value) == (
        prop.pk, "water", D("4"), D("17.500")
    )  # fmt: skip
    assert finding.details == {"m3": "17.500", "m3_per_person": "4.0", "implied_residents": 5}


def test_verify_updates_open_findings_keeps_decided_ones(w_clerk, house):
    reading(house.property, "W-1", "30.000")
    assert waste_verify(month=MARCH)["created"] == 2
    water = F.objects.get(kind="water")
    finding_dismiss(actor=w_clerk, finding=water, reason="Nieszczelna instalacja, naprawiona w marcu.")
    RegistrationFactory(address=house.property.address)
    reading(house.property, "W-2", "6.000")
    audits = AuditEvent.objects.filter(action="taxes.waste_verify").count()

    assert waste_verify(month=MARCH) == {"month": "2025-03", "declarations": 1, "created": 0, "updated": 1}
    residents = F.objects.get(kind="residents")
    assert (residents.status, residents.evidence_value, residents.details) == ("open", D("6"), {"registered": 6})
    water.refresh_from_db()
    assert (water.status, water.evidence_value, water.details["implied_residents"]) == ("dismissed", D("30"), 8)
    assert AuditEvent.objects.filter(action="taxes.waste_verify").count() == audits + 1
    last = AuditEvent.objects.filter(action="taxes.waste_verify").latest("pk")
    assert last.details == {"month": "2025-03", "declarations": 1, "created": 0, "updated": 1}
    # Nothing changed since: no update, no audit event.
    assert waste_verify(month=MARCH)["updated"] == 0
    assert AuditEvent.objects.filter(action="taxes.waste_verify").count() == audits + 1


def _property_with_findings(n: int) -> None:
    prop = WasteProperty.objects.create(
        identifier=f"ODP/Q{n:03d}", address=AddressFactory(building_number=str(n)),
        kind=WasteProperty.Kind.MIXED,
    )  # fmt: skip
    accepted(prop, effective=datetime.date(2025, 1, 1), residents=1, containers=[[120, 2]])
    RegistrationFactory(address=prop.address)
    RegistrationFactory(address=prop.address)
    reading(prop, f"W-Q{n}", "12.000", period=datetime.date(2025, 4, 1))
    imp = ContractImport.objects.first() or ContractImport.objects.create(file_name="u.csv", sha256="c" * 64)
    CollectionContract.objects.create(address=f"x {n}", property=prop, capacity_l=240, frequency=2, count=1,
                                      valid_from=datetime.date(2025, 1, 1), contract_import=imp)  # fmt: skip


def test_verify_set_based_queries_do_not_grow_and_no_model_instances(monkeypatch):
    """One query per source however many declarations and findings: the run for 1 property and for 21 properties
    (3 findings each) issues the same queries; no declaration, registration or reading is built as a model instance
    (100 000 of them would not fit the memory of the nightly worker)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.services.audit import audit_log
    from population.models import Registration

    audit_log(actor="system", action="test.chain_started", object_type="test")  # the chain's head row exists
    _property_with_findings(0)
    april = datetime.date(2025, 4, 1)
    for model in (WasteDeclaration, WasteProperty, Registration, WaterReading, CollectionContract):
        monkeypatch.setattr(model, "from_db", classmethod(lambda *a, **k: pytest.fail("a model instance was built")))
    with CaptureQueriesContext(connection) as one:
        assert waste_verify(month=april) == {"month": "2025-04", "declarations": 1, "created": 3, "updated": 0}
    monkeypatch.undo()
    F.objects.all().delete()
    for n in range(1, 21):
        _property_with_findings(n)
    with CaptureQueriesContext(connection) as many:
        assert waste_verify(month=april) == {"month": "2025-04", "declarations": 21, "created": 63, "updated": 0}
    assert len(many.captured_queries) == len(one.captured_queries)
    assert F.objects.filter(month=april).values("kind").distinct().count() == 3
    finding = F.objects.get(property__identifier="ODP/Q007", kind="containers")
    assert (finding.declared_value, finding.evidence_value) == (D("240"), D("480"))


def test_in_force_rows_match_the_selector():
    """The run's own read of the declarations in force chooses exactly what selectors_waste.declarations_in_force
    does (the charge run's choice): the latest by month then id, superseded ones left out, per property."""
    from taxes.selectors_waste import declarations_in_force
    from taxes.services.waste_verify import _in_force

    props = [
        WasteProperty.objects.create(identifier=f"ODP/S{n}", address=AddressFactory(building_number=str(n)))
        for n in range(4)
    ]
    jan, feb = datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)
    a0 = accepted(props[0], effective=jan, residents=1)
    b0 = accepted(props[0], effective=feb, residents=2, purpose="change")
    WasteDeclaration.objects.filter(pk=a0.pk).update(superseded_by=b0)
    accepted(props[1], effective=jan, residents=1)
    accepted(props[1], effective=jan, residents=3, purpose="correction")  # same month: the later one
    a2 = accepted(props[2], effective=jan, residents=1)
    b2 = accepted(props[2], effective=datetime.date(2025, 6, 1), residents=2, purpose="decision")
    WasteDeclaration.objects.filter(pk=a2.pk).update(superseded_by=b2)  # superseded from June only
    WasteDeclaration.objects.create(property=props[3], payer=PersonFactory(), filed_on=jan, effective_from=jan,
                                    residents=1, status=WasteDeclaration.Status.RECEIVED)  # fmt: skip
    for month in (jan, feb, MARCH, datetime.date(2025, 6, 1)):
        expected = sorted((d.property_id, d.pk) for d in declarations_in_force(month))
        assert [(row[1], row[0]) for row in _in_force(month)] == expected
    assert [row[3] for row in _in_force(MARCH)] == [2, 3, 1]


def test_nightly_task_default_month_is_the_current_one_and_logged(house, caplog):
    import logging

    import time_machine

    with (
        caplog.at_level(logging.INFO, logger="taxes.tasks_waste"),
        time_machine.travel(datetime.datetime(2025, 3, 17, 3, 30), tick=True),
    ):
        assert verify.run() == {"month": "2025-03", "declarations": 1, "created": 1, "updated": 0}
    assert F.objects.get().month == MARCH
    [record] = [r for r in caplog.records if r.name == "taxes.tasks_waste"]
    assert record.getMessage().startswith(
        "waste verification 2025-03: 1 declarations, 1 findings created, 0 updated in "
    )
