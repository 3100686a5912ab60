"""Transport tax classes (upol art. 8, 10 and annexes 1–3): the class of a vehicle, the statutory brackets, the
minima and maxima of 2024–2026 as reference data, the automatic class in the register and in a DT-1, the rate
checks with real figures and the transport tax of a DT-1 vehicle."""

import csv
import datetime
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils.translation import gettext as _
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exceptions import ServiceValidationError
from taxes.domain.engine import Conventions, EngineError, TaxableItem, VehicleData, assess_tax
from taxes.domain.forms import CategoryInfo, check_payload
from taxes.domain.vehicles import BRACKETS, BY_CODE, HEAVY_KG, TAXABLE_FROM_KG, kind_of_category, vehicle_category
from taxes.models import Liability, MaxRate, ObjectVersion, Rate, RateCategory, TaxObject
from taxes.selectors import year_rates
from taxes.services.declarations import declaration_accept, declaration_record
from taxes.services.rates import rate_set, rates_copy_from_year, resolution_create
from taxes.services.register import object_create, object_version_add
from taxes.vehicles import expected_vehicle_class
from tests.factories import PersonFactory
from tests.taxes.conftest_rates import *  # noqa: F403
from tests.taxes.conftest_register import *  # noqa: F403
from tests.taxes.conftest_register import counts

D = Decimal
JAN26 = datetime.date(2026, 1, 1)
DATA = Path(__file__).resolve().parents[2] / "taxes" / "data"


def V(kind, mass=0, axles=0, air=False, seats=0):
    return VehicleData(kind=kind, mass_kg=mass, axles=axles, air_suspension=air, seats=seats)


# --- the class of a vehicle (pure) ---------------------------------------------------------------------------------

REAL_VEHICLES = [
    (V("truck", 18_000, 2, air=True), "truck_2ax_15_plus_air"),  # two-axle distribution truck, 18 t
    (V("truck", 26_000, 3), "truck_3ax_25_plus_other"),  # three-axle tipper, 26 t, leaf springs
    (V("truck", 32_000, 4), "truck_4ax_31_plus_other"),  # four-axle concrete mixer, 32 t
    (V("truck", 12_000, 2), "truck_2ax_12_13_other"),  # "nie mniej niż 12 t"
    (V("truck", 12_999, 2, air=True), "truck_2ax_12_13_air"),  # "mniej niż 13 t"
    (V("truck", 13_000, 2, air=True), "truck_2ax_13_14_air"),
    (V("truck", 3_501), "truck_3_5_5_5"),  # "powyżej 3,5 t"
    (V("truck", 5_500), "truck_3_5_5_5"),  # "do 5,5 t włącznie"
    (V("truck", 5_501), "truck_5_5_9"),
    (V("truck", 9_000), "truck_5_5_9"),
    (V("truck", 11_999, 2), "truck_9_12"),  # "poniżej 12 t"
    (V("tractor", 40_000, 2, air=True), "tractor_2ax_36_plus_air"),  # tractor 2 axles + semi-trailer 3 axles, 40 t
    (V("trailer", 40_000, 3, air=True), "trailer_3ax_38_plus_air"),  # … and that semi-trailer itself
    (V("tractor", 36_000, 2), "tractor_2ax_31_36_other"),  # art. 10 ust. 1 pkt 4 a: "do 36 ton włącznie"
    (V("tractor", 36_001, 2), "tractor_2ax_36_plus_other"),  # pkt 4 b: "powyżej 36 ton"
    (V("tractor", 40_000, 3), "tractor_3ax_40_plus_other"),
    (V("tractor", 39_999, 3, air=True), "tractor_3ax_36_40_air"),
    (V("tractor", 3_500, 2), "tractor_3_5_12"),
    (V("trailer", 7_000, 1), "trailer_7_12"),
    (V("trailer", 24_000, 1), "trailer_1ax_18_25_other"),
    (V("trailer", 35_000, 2, air=True), "trailer_2ax_33_36_air"),
    (V("bus", 18_000, 2, seats=30), "bus_22_plus"),
    (V("bus", 5_000, 2, seats=21), "bus_lt22"),
    (V("bus", 5_000, 2, seats=22), "bus_22_plus"),
]


@pytest.mark.parametrize(("vehicle", "code"), REAL_VEHICLES)
def test_class_of_real_vehicles(vehicle, code):
    assert vehicle_category(vehicle) == code
    assert kind_of_category(code) == vehicle.kind


@pytest.mark.parametrize(
    ("vehicle", "code"),
    [
        (V("truck", 3_500, 2), "not_taxable"),  # a truck of at most 3.5 t
        (V("tractor", 3_499, 2), "not_taxable"),
        (V("trailer", 6_999, 1), "not_taxable"),  # a trailer below 7 t combined
        (V("truck", 18_000, 0), "vehicle_data"),  # no axles for a heavy truck
        (V("truck", 18_000, 1), "vehicle_data"),
        (V("trailer", 20_000, 0), "vehicle_data"),
        (V("bus", 5_000, 2, seats=0), "vehicle_data"),
        (V("car", 1_500, 2), "vehicle_data"),
    ],
)
def test_not_taxable_and_missing_data(vehicle, code):
    with pytest.raises(EngineError) as exc:
        vehicle_category(vehicle)
    assert exc.value.code == code


taxable = st.one_of(
    st.builds(V, st.sampled_from(["truck", "tractor", "trailer"]), st.integers(3_500, 80_000), st.integers(0, 6),
              st.booleans()),
    st.builds(V, st.just("bus"), st.integers(1_000, 30_000), st.integers(2, 4), st.booleans(), st.integers(1, 90)),
)  # fmt: skip


@given(taxable)
@settings(max_examples=400, deadline=None)
def test_every_taxable_vehicle_has_exactly_one_class(vehicle):
    if vehicle.kind != "bus" and vehicle.mass_kg < TAXABLE_FROM_KG[vehicle.kind]:
        with pytest.raises(EngineError) as exc:
            vehicle_category(vehicle)
        assert exc.value.code == "not_taxable"
        return
    heavy_without_axles = (
        vehicle.kind != "bus"
        and vehicle.mass_kg >= HEAVY_KG
        and vehicle.axles < (1 if vehicle.kind == "trailer" else 2)
    )
    if heavy_without_axles:
        with pytest.raises(EngineError):
            vehicle_category(vehicle)
        return
    code = vehicle_category(vehicle)
    assert [b.code for b in BRACKETS if b.contains(vehicle)] == [code]


def test_brackets_are_contiguous_without_gaps_or_overlaps():
    """Per kind, axle group and suspension the mass brackets chain from the taxable threshold to infinity."""
    assert len(BY_CODE) == len(BRACKETS) == 77
    groups: dict[tuple, list] = {}
    for b in BRACKETS:
        if b.kind == "bus":
            continue
        if b.annex == 0:
            groups.setdefault((b.kind, "light"), []).append(b)
            continue
        groups.setdefault((b.kind, b.axles_from, b.air), []).append(b)
    for key, brackets in groups.items():
        brackets.sort(key=lambda b: b.mass_from)
        expected_start = TAXABLE_FROM_KG[key[0]] if key[1] == "light" else HEAVY_KG
        assert brackets[0].mass_from == expected_start, key
        for a, b in itertools.pairwise(brackets):
            assert a.mass_to == b.mass_from, (key, a.code, b.code)
        assert brackets[-1].mass_to == (HEAVY_KG if key[1] == "light" else None), key
    for kind in ("truck", "tractor", "trailer"):  # axle groups of a kind cover 1 / 2 … without gaps
        ranges = sorted({(b.axles_from, b.axles_to) for b in BRACKETS if b.kind == kind and b.annex})
        assert ranges[-1][1] is None
        for (_a_from, a_to), (b_from, _b_to) in itertools.pairwise(ranges):
            assert a_to + 1 == b_from
    buses = sorted((b for b in BRACKETS if b.kind == "bus"), key=lambda b: b.seats_from)
    assert [(b.seats_from, b.seats_to) for b in buses] == [(0, 22), (22, None)]


def test_every_class_has_a_category_and_limits_for_2024_to_2026():
    with (DATA / "rate_categories.csv").open(encoding="utf-8") as fh:
        categories = {r["code"]: r for r in csv.DictReader(fh)}
    with (DATA / "max_rates.csv").open(encoding="utf-8") as fh:
        limits = {(int(r["year"]), r["category"]): r for r in csv.DictReader(fh)}
    transport = {code for code, r in categories.items() if r["tax"] == "transport"}
    assert transport == set(BY_CODE)
    for code in BY_CODE:
        assert categories[code]["unit"] == "vehicle"
        for year in (2024, 2025, 2026):
            row = limits[(year, code)]
            assert D(row["minimum"]) <= D(row["maximum"]), (year, code)
            assert 0 < len(row["source"]) <= 300


# --- reference data: the official figures -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "code", "minimum", "maximum"),
    [
        # annex 1, M.P. 2025 poz. 1113; maximum art. 10 ust. 1 pkt 2 (obwieszczenie MFiG 1.08.2025)
        (2026, "truck_2ax_12_13_air", "0", "4809.70"),
        (2026, "truck_2ax_15_plus_other", "1199.27", "4809.70"),
        (2026, "truck_3ax_25_plus_other", "1510.12", "4809.70"),
        (2026, "truck_4ax_29_31_other", "2349.79", "4809.70"),
        (2026, "truck_4ax_12_25_air", "630.63", "4809.70"),
        # annex 2; maximum pkt 4 a (≤ 36 t) / b (> 36 t)
        (2026, "tractor_2ax_31_36_other", "1856.37", "3717.57"),
        (2026, "tractor_2ax_36_plus_other", "1856.37", "4809.70"),
        (2026, "tractor_3ax_40_plus_other", "2441.61", "4809.70"),
        (2026, "tractor_3ax_12_36_air", "1193.73", "3717.57"),
        (2025, "truck_2ax_15_plus_other", "1199.27", "4602.58"),
        (2025, "tractor_2ax_12_18_other", "36.54", "3557.48"),
        (2024, "truck_2ax_12_13_other", "146.51", "4481.57"),
        (2024, "truck_4ax_31_plus_other", "2529.10", "4481.57"),
        (2024, "tractor_2ax_36_plus_air", "0", "4481.57"),  # 2024 minimum not verified: not entered
        (2024, "trailer_2ax_38_plus_other", "0", "3463.95"),
        (2026, "trailer_1ax_12_18_other", "24.39", "2940.51"),
        (2024, "trailer_7_12", "0", "2348.52"),
        (2026, "bus_22_plus", "0", "3762.73"),
        (2026, "truck_9_12", "0", "2520.48"),
    ],
)
def test_minima_and_maxima_loaded(year, code, minimum, maximum):
    limit = MaxRate.objects.get(year=year, category__code=code)
    assert (limit.minimum, limit.maximum) == (D(minimum), D(maximum))


# --- rates: below the minimum, above the maximum, copying a year ----------------------------------------------------


@pytest.fixture
def transport_2026(rates_admin):
    return resolution_create(
        actor=rates_admin, year=2026, tax="transport", number="XV/130/2025", adopted_on=datetime.date(2025, 11, 27)
    )


@pytest.mark.django_db
def test_rate_outside_the_statutory_limits_refused_with_the_limit_shown(
    rates_admin, transport_2026, rate_category, rate_counts
):
    before = rate_counts()
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=transport_2026, category=rate_category("tractor_3ax_40_plus_other"),
                 rate="2441.60")  # fmt: skip
    expected = _("The rate %(rate)s is below the statutory minimum %(minimum)s %(unit)s for %(year)s.") % {
        "rate": "2441.60", "minimum": "2441.61", "unit": _("zł per vehicle"), "year": 2026}  # fmt: skip
    assert exc.value.errors == {"rate": [expected]}
    with pytest.raises(ServiceValidationError) as exc:
        rate_set(actor=rates_admin, resolution=transport_2026, category=rate_category("tractor_2ax_31_36_air"),
                 rate="3717.58")  # fmt: skip
    expected = _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.") % {
        "rate": "3717.58", "maximum": "3717.57", "unit": _("zł per vehicle"), "year": 2026}  # fmt: skip
    assert exc.value.errors == {"rate": [expected]}
    assert rate_counts() == before
    low = rate_set(actor=rates_admin, resolution=transport_2026, category=rate_category("tractor_3ax_40_plus_other"),
                   rate="2441.61")  # fmt: skip
    high = rate_set(actor=rates_admin, resolution=transport_2026, category=rate_category("tractor_2ax_31_36_air"),
                    rate="3717.57")  # fmt: skip
    assert (low.rate, high.rate) == (D("2441.61"), D("3717.57"))


@pytest.mark.django_db
def test_copy_from_year_with_an_index_refuses_rates_outside_min_max(
    rates_admin, transport_2026, rate_category, rate_counts
):
    """rates_copy_from_year does not clamp: a copied rate outside [minimum, maximum] of the target year refuses the
    whole copy (the limit is shown per category) and nothing is written."""
    old = resolution_create(
        actor=rates_admin, year=2025, tax="transport", number="XI/80/2024", adopted_on=datetime.date(2024, 11, 28)
    )
    rate_set(actor=rates_admin, resolution=old, category=rate_category("truck_2ax_15_plus_other"), rate="1199.27")
    rate_set(actor=rates_admin, resolution=old, category=rate_category("truck_3ax_25_plus_air"), rate="4602.58")
    before = rate_counts()
    with pytest.raises(ServiceValidationError) as exc:  # 1199.27 × 0.99 = 1187.28 < 1199.27; 4602.58 × 1.05 > max
        rates_copy_from_year(actor=rates_admin, year=2026, from_year=2025, index=D("0.99"))
    assert exc.value.errors == {
        "truck_2ax_15_plus_other": [
            _("The rate %(rate)s is below the statutory minimum %(minimum)s %(unit)s for %(year)s.")
            % {"rate": "1187.28", "minimum": "1199.27", "unit": _("zł per vehicle"), "year": 2026}
        ]
    }
    with pytest.raises(ServiceValidationError) as exc:
        rates_copy_from_year(actor=rates_admin, year=2026, from_year=2025, index=D("1.05"))
    assert exc.value.errors == {
        "truck_3ax_25_plus_air": [
            _("The rate %(rate)s exceeds the maximum %(maximum)s %(unit)s for %(year)s.")
            % {"rate": "4832.71", "maximum": "4809.70", "unit": _("zł per vehicle"), "year": 2026}
        ]
    }
    assert rate_counts() == before
    result = rates_copy_from_year(actor=rates_admin, year=2026, from_year=2025, index=D("1.045"))
    assert sorted((r.category.code, r.rate) for r in result.copied) == [
        ("truck_2ax_15_plus_other", D("1253.24")),  # 1199.27 × 1.045 = 1253.237 → 1253.24
        ("truck_3ax_25_plus_air", D("4809.70")),  # 4602.58 × 1.045 = 4809.696 → 4809.70
    ]


# --- register: automatic class, inconsistent class refused -----------------------------------------------------------


def _vehicle(actor, version, identifier="WZ 1234A"):
    return object_create(
        actor=actor, kind=TaxObject.Kind.VEHICLE, precinct="", parcel="", identifier=identifier,
        version={"valid_from": JAN26, **version},
        liabilities=[{"party": PersonFactory(), "role": Liability.Role.OWNER, "valid_from": JAN26}],
    )  # fmt: skip


@pytest.mark.django_db
def test_register_version_without_class_gets_it_from_the_vehicle_data(tax_clerk):
    obj = _vehicle(tax_clerk, {"vehicle_kind": "truck", "vehicle_mass_kg": 18_000, "vehicle_axles": 2,
                               "vehicle_air_suspension": True})  # fmt: skip
    assert obj.versions.get().category.code == "truck_2ax_15_plus_air"
    v = object_version_add(actor=tax_clerk, object=obj, valid_from=datetime.date(2026, 6, 1), vehicle_kind="truck",
                           vehicle_mass_kg=18_000, vehicle_axles=2, vehicle_air_suspension=False)  # fmt: skip
    assert v.category.code == "truck_2ax_15_plus_other"
    # without kind nor class: the kind of the latest version (a truck), the class from the new data
    v = object_version_add(actor=tax_clerk, object=obj, valid_from=datetime.date(2026, 9, 1),
                           vehicle_mass_kg=26_000, vehicle_axles=3)  # fmt: skip
    assert v.category.code == "truck_3ax_25_plus_other"
    bus = _vehicle(tax_clerk, {"vehicle_kind": "bus", "vehicle_mass_kg": 18_000, "vehicle_seats": 30}, "WZ 777")
    assert bus.versions.get().category.code == "bus_22_plus"
    given = _vehicle(tax_clerk, {"category": "tractor_2ax_36_plus_air", "vehicle_mass_kg": 40_000,
                                 "vehicle_axles": 2, "vehicle_air_suspension": True}, "WZ 4040")  # fmt: skip
    assert given.versions.get().category.code == "tractor_2ax_36_plus_air"


@pytest.mark.django_db
def test_register_inconsistent_or_not_taxable_vehicle_refused(tax_clerk):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        _vehicle(tax_clerk, {"category": "truck_3ax_12_17_air", "vehicle_mass_kg": 26_000, "vehicle_axles": 3})
    name = RateCategory.objects.get(code="truck_3ax_25_plus_other").name
    assert exc.value.errors["category"] == [
        _("The vehicle data give the transport tax class %(expected)s (%(name)s), not %(given)s.")
        % {"expected": "truck_3ax_25_plus_other", "name": name, "given": "truck_3ax_12_17_air"}
    ]
    assert name == "Samochód ciężarowy od 12 t, 3 osie, DMC od 25 t, inne systemy zawieszenia"
    with pytest.raises(ServiceValidationError) as exc:
        _vehicle(tax_clerk, {"vehicle_kind": "truck", "vehicle_mass_kg": 3_500, "vehicle_axles": 2})
    assert exc.value.errors["category"] == [
        _("A vehicle of this kind with a permissible mass of %(mass)s kg is not subject to the transport tax.")
        % {"mass": 3500}
    ]
    with pytest.raises(ServiceValidationError) as exc:
        _vehicle(tax_clerk, {"vehicle_mass_kg": 18_000, "vehicle_axles": 2})
    assert exc.value.errors["category"] == [
        _("Give the kind of the vehicle (truck, tractor unit, trailer, bus) or its tax class.")
    ]
    with pytest.raises(ServiceValidationError) as exc:
        _vehicle(tax_clerk, {"vehicle_kind": "truck", "vehicle_mass_kg": 18_000})
    assert exc.value.errors["category"] == [_("A vehicle of 12 t or more needs its number of axles.")]
    assert counts() == before


# --- DT-1: optional class, checked; the transport tax with the class rate ------------------------------------------


def test_dt1_check_accepts_a_blank_class_and_names_the_expected_one():
    categories = {b.code: CategoryInfo(b.code, "transport", "vehicle") for b in BRACKETS}
    taxpayer = {"pesel": "44051401359", "role": "owner", "share": "1/1"}
    vehicle = {"kind": "vehicle", "identifier": "WE 1", "vehicle_kind": "trailer", "vehicle_mass_kg": 40_000,
               "vehicle_axles": 3, "vehicle_air_suspension": True}  # fmt: skip
    payload = {"taxpayer": taxpayer, "objects": [vehicle]}
    assert [p for p in check_payload(form="DT-1", payload=payload, categories=categories) if p.code == "category"] == []
    wrong = {"taxpayer": taxpayer, "objects": [{**vehicle, "category": "trailer_3ax_36_38_air"}]}
    problems = [p for p in check_payload(form="DT-1", payload=wrong, categories=categories) if p.code == "category"]
    assert [p.message for p in problems] == [
        _("%(object)s: %(problem)s") % {
            "object": problems[0].message.split(": ")[0],
            "problem": _("The vehicle data give the transport tax class %(expected)s, not %(given)s.")
            % {"expected": "trailer_3ax_38_plus_air", "given": "trailer_3ax_36_38_air"},
        }
    ]  # fmt: skip
    assert expected_vehicle_class(vehicle, "", "trailer", names={}) == ("trailer_3ax_38_plus_air", "")


@pytest.mark.django_db
def test_dt1_vehicle_gets_its_class_and_is_taxed_at_the_class_rate(tax_clerk, rates_admin, transport_2026, make_user):
    from core import roles

    clerk = make_user(roles.TAX_CLERK, username="referent-dt1-test")
    owner = PersonFactory()
    vehicle = {"kind": "vehicle", "identifier": "WE 4040", "vehicle_kind": "tractor", "vehicle_mass_kg": 40_000,
               "vehicle_axles": 2, "vehicle_air_suspension": True}  # fmt: skip
    declaration = declaration_record(
        actor=clerk, form="DT-1", party=owner, year=2026, purpose="first", event_date=None,
        filed_on=datetime.date(2026, 2, 10),
        payload={"taxpayer": {"pesel": owner.pesel, "role": "owner", "share": "1/1"}, "objects": [vehicle]},
    )  # fmt: skip
    assert [p["code"] for p in declaration.problems] == []
    declaration_accept(actor=clerk, declaration=declaration)
    version = ObjectVersion.objects.get(object__identifier="WE 4040")
    assert version.category.code == "tractor_2ax_36_plus_air"
    rate_set(actor=rates_admin, resolution=transport_2026, category=version.category, rate="2500.00")
    assert Rate.objects.get(resolution=transport_2026).rate == D("2500.00")
    item = TaxableItem(tax="transport", category=version.category.code, unit="vehicle", months=12)
    result = assess_tax("transport", [item], year_rates(2026), Conventions())
    assert result.amount == D("2500")


@pytest.mark.django_db
def test_demo_rates_cover_every_class_within_the_limits():
    from taxes.hooks.rates import seed_demo

    seed_demo()
    for year in (2024, 2025, 2026):
        rates = {r.category.code: r.rate for r in Rate.objects.filter(resolution__year=year).select_related("category")}
        limits = {m.category.code: m for m in MaxRate.objects.filter(year=year).select_related("category")}
        assert set(BY_CODE) <= set(rates), year
        for code in BY_CODE:
            assert limits[code].minimum <= rates[code] <= limits[code].maximum, (year, code)
    assert Rate.objects.get(resolution__year=2026, category__code="truck_2ax_15_plus_other").rate == D("4809.70")


@pytest.mark.django_db
def test_sync_drops_the_unused_coarse_categories_and_keeps_a_used_one(rates_admin):
    from taxes.reference import reference_sync

    old = RateCategory.objects.create(code="truck_12_2ax_air", tax="transport", unit="vehicle", name="stara")
    MaxRate.objects.create(year=2025, category=old, maximum=D("4602.58"))
    used = RateCategory.objects.create(code="tractor_12_36", tax="transport", unit="vehicle", name="używana")
    MaxRate.objects.create(year=2025, category=used, maximum=D("3557.48"))
    resolution = resolution_create(
        actor=rates_admin, year=2025, tax="transport", number="X/1/2024", adopted_on=datetime.date(2024, 11, 1)
    )
    rate_set(actor=rates_admin, resolution=resolution, category=used, rate="3000")
    assert reference_sync() == 0
    assert set(RateCategory.objects.filter(code__in=["truck_12_2ax_air", "tractor_12_36"]).values_list(
        "code", flat=True)) == {"tractor_12_36"}  # fmt: skip
    assert not MaxRate.objects.filter(category__code="truck_12_2ax_air").exists()
