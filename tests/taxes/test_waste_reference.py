"""Waste fee reference data: the GUS income figures (loaded idempotently from taxes/data/waste_income.csv), the
resolutions with their rates checked against the statutory caps of the day (ucpg art. 6k ust. 2a, domain reference
§8), the non-selective multiplier, exemptions, permissions, the demo seeder and the declaration models."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from taxes.hooks.waste import seed_demo
from taxes.models import (
    WasteDeclaration,
    WasteExemption,
    WasteIncome,
    WasteMethod,
    WasteProperty,
    WasteRate,
    WasteResolution,
)
from taxes.reference import reference_sync
from taxes.selectors_waste import income_on, waste_rates_on, waste_resolution_on
from taxes.services.waste_rates import (
    rate_cap,
    waste_exemption_set,
    waste_rate_check,
    waste_rate_set,
    waste_resolution_create,
)
from tests.factories import AddressFactory, PersonFactory

D = Decimal
pytestmark = pytest.mark.django_db
CAP_MESSAGE = (
    "The rate %(rate)s %(unit)s exceeds the statutory cap %(cap)s on %(date)s (%(percent)s%% of the GUS "
    "disposable income %(income)s for %(year)s)."
)


@pytest.fixture
def waste_admin(make_user):
    return make_user(roles.ADMINISTRATOR, username="admin-odpady-test")


@pytest.fixture
def make_resolution(waste_admin):
    def make(valid_from: datetime.date, **kwargs):
        params = {
            "actor": waste_admin,
            "number": f"XX/{valid_from:%m%d}/{valid_from.year}",
            "adopted_on": valid_from - datetime.timedelta(days=30),
            "valid_from": valid_from,
            "methods": [WasteMethod.PER_RESIDENT],
        }
        return waste_resolution_create(**{**params, **kwargs})

    return make


@pytest.fixture
def counts():
    def _counts():
        return (
            WasteResolution.objects.count(),
            WasteRate.objects.count(),
            WasteExemption.objects.count(),
            AuditEvent.objects.filter(action__startswith="taxes.waste").count(),
        )

    return _counts


def test_income_seeded_and_sync_idempotent():
    assert list(WasteIncome.objects.order_by("year").values_list("year", "amount", "applies_from", "derived")) == [
        (2020, D("1919.00"), datetime.date(2021, 3, 30), True),
        (2021, D("2061.93"), datetime.date(2022, 3, 30), False),
        (2022, D("2249.79"), datetime.date(2023, 3, 29), False),
        (2023, D("2678.30"), datetime.date(2024, 3, 29), False),
        (2024, D("3167.17"), datetime.date(2025, 3, 31), True),
    ]
    assert "M.P. 2024 poz. 241" in WasteIncome.objects.get(year=2023).source
    assert reference_sync() == 0
    corrected = WasteIncome.objects.get(year=2024)
    corrected.applies_from = datetime.date(2025, 3, 28)
    corrected.save()
    WasteIncome.objects.filter(year=2021).delete()
    assert reference_sync() == 1
    assert reference_sync() == 0
    corrected.refresh_from_db()
    assert corrected.applies_from == datetime.date(2025, 3, 28)
    assert WasteIncome.objects.count() == 5


def test_income_on_picks_latest_published():
    assert income_on(datetime.date(2025, 3, 30)).year == 2023
    assert income_on(datetime.date(2025, 3, 31)).year == 2024
    assert income_on(datetime.date(2021, 3, 29)) is None


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("3167.17", {"per_resident": "63.34", "per_m3": "22.17", "per_m2": "2.53", "per_household": "177.36",
                     "cottage": "316.71", "container": None}),
        ("2678.30", {"per_resident": "53.56", "per_m3": "18.74", "per_m2": "2.14", "per_household": "149.98",
                     "cottage": "267.83", "container": None}),
        ("2061.93", {"per_resident": "41.23", "per_m3": "14.43", "per_m2": "1.64", "per_household": "115.46",
                     "cottage": "206.19", "container": None}),
    ],
)  # fmt: skip
def test_rate_caps_truncated_to_grosz(income, expected):
    assert {kind: rate_cap(kind, D(income)) for kind in expected} == {
        kind: None if value is None else D(value) for kind, value in expected.items()
    }


def test_cap_boundary_from_april_2025(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    before = counts()
    rate = waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="63.34")
    assert rate.rate == D("63.34")
    assert counts() == (before[0], before[1] + 1, before[2], before[3] + 1)
    event = AuditEvent.objects.filter(action="taxes.waste_rate.set").latest("seq")
    assert event.details == {
        "resolution": resolution.pk, "kind": "per_resident", "capacity_l": None, "frequency": None,
        "rate": "63.34", "previous": None,
    }  # fmt: skip
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="63.35")
    assert exc.value.message == _(CAP_MESSAGE) % {
        "rate": "63,35 zł",
        "unit": _("per resident per month"),
        "cap": "63,34 zł",
        "date": "01.04.2025",
        "percent": "2",
        "income": "3167,17 zł",
        "year": 2024,
    }
    assert "63,34 zł" in exc.value.message
    assert exc.value.errors == {"rate": [exc.value.message]}
    assert counts() == (before[0], before[1] + 1, before[2], before[3] + 1)
    rate.refresh_from_db()
    assert rate.rate == D("63.34")


def test_cap_of_2024_income_applies_before_31_march_2025(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 3, 30))
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="53.56")
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="53.57")
    assert "53,56 zł" in exc.value.message
    assert "30.03.2025" in exc.value.message
    assert counts() == before
    on_publication = make_resolution(datetime.date(2025, 3, 31))
    assert waste_rate_set(actor=waste_admin, resolution=on_publication, kind="per_resident", rate="63.34").rate == D(
        "63.34"
    )


@pytest.mark.parametrize(
    ("kind", "allowed", "refused", "cap_text", "percent"),
    [
        ("per_m3", "22.17", "22.18", "22,17 zł", "0,7"),
        ("per_m2", "2.53", "2.54", "2,53 zł", "0,08"),
        ("per_household", "177.36", "177.37", "177,36 zł", "5,6"),
        ("cottage", "316.71", "316.72", "316,71 zł", "10"),
    ],
)
def test_cap_of_each_kind(waste_admin, make_resolution, counts, kind, allowed, refused, cap_text, percent):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    waste_rate_set(actor=waste_admin, resolution=resolution, kind=kind, rate=allowed)
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind=kind, rate=refused)
    assert exc.value.message == _(CAP_MESSAGE) % {
        "rate": f"{refused} zł".replace(".", ","),
        "unit": WasteRate.Kind(kind).label,
        "cap": cap_text,
        "date": "01.04.2025",
        "percent": percent,
        "income": "3167,17 zł",
        "year": 2024,
    }
    assert counts() == before
    assert WasteRate.objects.get(resolution=resolution, kind=kind).rate == D(allowed)


def test_negative_rate_refused(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="-0.01")
    assert exc.value.message == _("The rate cannot be negative.")
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(
            actor=waste_admin, resolution=resolution, kind="container", rate="-1.00", capacity_l=120, frequency=2
        )
    assert exc.value.message == _("The rate cannot be negative.")
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="38.005")
    assert exc.value.message == _("Enter the rate in zł with at most 2 decimal places.")
    assert counts() == before


def test_no_income_figure_for_the_date(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2021, 1, 1))
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="30.00")
    assert exc.value.message == _(
        "There is no GUS disposable income figure applying on %(date)s, so the statutory cap is unknown; an "
        "administrator must enter it first."
    ) % {"date": "01.01.2021"}
    assert counts() == before
    # A container rate has no cap, so it does not need the income figure.
    rate = waste_rate_set(
        actor=waste_admin, resolution=resolution, kind="container", rate="500.00", capacity_l=1100, frequency=4
    )
    assert (rate.capacity_l, rate.frequency, rate.rate) == (1100, 4, D("500.00"))


def test_rate_change_keeps_one_row_and_audits_previous(waste_admin, make_resolution):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="38.00")
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate=D("40.50"))
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="container", rate="28", capacity_l=120, frequency=2)
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="container", rate="50", capacity_l=240, frequency=2)
    waste_rate_set(actor=waste_admin, resolution=resolution, kind="container", rate="30", capacity_l=120, frequency=2)
    assert sorted(resolution.rates.values_list("kind", "capacity_l", "frequency", "rate")) == [
        ("container", 120, 2, D("30.00")),
        ("container", 240, 2, D("50.00")),
        ("per_resident", None, None, D("40.50")),
    ]
    events = AuditEvent.objects.filter(action="taxes.waste_rate.set").order_by("seq")
    assert [e.details["previous"] for e in events] == [None, "38.00", None, None, "28.00"]


def test_container_rate_needs_capacity_and_frequency(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="container", rate="28.00", frequency=2)
    assert exc.value.errors == {"capacity_l": [_("Enter the capacity of the container in litres.")]}
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="container", rate="28.00", capacity_l=120)
    assert exc.value.errors == {"frequency": [_("Enter the number of collections per month.")]}
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_resident", rate="38.00", capacity_l=120)
    assert exc.value.message == _("Only a container rate has a capacity and a collection frequency.")
    with pytest.raises(ServiceValidationError) as exc:
        waste_rate_set(actor=waste_admin, resolution=resolution, kind="per_bag", rate="38.00")
    assert exc.value.message == _("Choose the kind of the rate.")
    assert counts() == before


def test_resolution_create_audited(waste_admin, counts):
    before = counts()
    resolution = waste_resolution_create(
        actor=waste_admin, number=" XIV/98/2024 ", adopted_on=datetime.date(2024, 11, 28),
        valid_from=datetime.date(2025, 1, 1), methods=["per_resident", "per_m3", "per_resident"],
        payment_frequency="quarterly", due_day=10, non_selective_multiplier="2.5", composting_discount="3.00",
        composting_basis="per_household",
    )  # fmt: skip
    resolution.refresh_from_db()
    assert (resolution.number, resolution.methods, resolution.payment_frequency, resolution.due_day) == (
        "XIV/98/2024",
        ["per_resident", "per_m3"],
        "quarterly",
        10,
    )
    assert (resolution.non_selective_multiplier, resolution.composting_discount) == (D("2.50"), D("3.00"))
    assert counts() == (before[0] + 1, before[1], before[2], before[3] + 1)
    event = AuditEvent.objects.get(action="taxes.waste_resolution.create")
    assert event.details["multiplier"] == "2.5"
    assert event.details["valid_from"] == "2025-01-01"


@pytest.mark.parametrize("multiplier", ["2", "4", "3.25"])
def test_multiplier_bounds_allowed(make_resolution, multiplier):
    resolution = make_resolution(datetime.date(2025, 1, 1), non_selective_multiplier=multiplier)
    resolution.refresh_from_db()
    assert resolution.non_selective_multiplier == D(multiplier)


@pytest.mark.parametrize(("multiplier", "shown"), [("1.99", "1,99"), ("4.01", "4,01"), ("1", "1"), ("0", "0")])
def test_multiplier_outside_2_4_refused(make_resolution, counts, multiplier, shown):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        make_resolution(datetime.date(2025, 1, 1), non_selective_multiplier=multiplier)
    message = _(
        "The fee for non-selective collection must be 2 to 4 times the basic rate; %(value)s is not allowed."
    ) % {"value": shown}
    assert exc.value.message == message
    assert exc.value.errors == {"non_selective_multiplier": [message]}
    assert counts() == before


def test_resolution_input_refused(make_resolution, counts):
    before = counts()
    with pytest.raises(ServiceValidationError) as exc:
        make_resolution(datetime.date(2025, 1, 1), methods=[])
    assert exc.value.errors == {"methods": [_("Choose at least one method for residential properties.")]}
    with pytest.raises(ServiceValidationError) as exc:
        make_resolution(datetime.date(2025, 1, 1), methods=["per_bag"])
    assert set(exc.value.errors) == {"methods"}
    with pytest.raises(ServiceValidationError) as exc:
        make_resolution(datetime.date(2025, 1, 1), due_day=32, composting_discount="-1", payment_frequency="weekly")
    assert exc.value.errors == {
        "payment_frequency": [_("Choose the payment frequency.")],
        "due_day": [_("Enter the due day as a day of the month (1–31).")],
        "composting_discount": [_("The composting discount cannot be negative.")],
    }
    with pytest.raises(ServiceValidationError) as exc:
        make_resolution(datetime.date(2025, 1, 1), valid_to=datetime.date(2024, 12, 31))
    assert exc.value.errors == {"valid_to": [_("The end of the period cannot be before its start.")]}
    assert counts() == before


def test_resolution_periods_do_not_overlap(make_resolution, counts):
    first = make_resolution(datetime.date(2025, 1, 1), valid_to=datetime.date(2025, 12, 31))
    before = counts()
    for valid_from, valid_to in [
        (datetime.date(2025, 1, 1), None),
        (datetime.date(2025, 6, 1), None),
        (datetime.date(2024, 7, 1), datetime.date(2025, 1, 1)),
        (datetime.date(2024, 1, 1), datetime.date(2025, 3, 31)),
    ]:
        with pytest.raises(ServiceValidationError) as exc:
            make_resolution(valid_from, valid_to=valid_to)
        assert exc.value.message == _("The period overlaps the resolution %(number)s valid from %(date)s.") % {
            "number": first.number,
            "date": "01.01.2025",
        }
    assert counts() == before
    # An open-ended resolution ends where the next one starts.
    make_resolution(datetime.date(2026, 1, 1))
    make_resolution(datetime.date(2027, 1, 1))
    make_resolution(datetime.date(2024, 1, 1), valid_to=datetime.date(2024, 12, 31))
    assert WasteResolution.objects.count() == before[0] + 3


def test_exemption_percent_or_amount(waste_admin, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 1, 1))
    exemption = waste_exemption_set(
        actor=waste_admin, resolution=resolution, code="large_family", name="Karta Dużej Rodziny", percent="20"
    )
    assert (exemption.percent, exemption.amount) == (D("20"), None)
    exemption = waste_exemption_set(
        actor=waste_admin, resolution=resolution, code="large_family", name="Karta Dużej Rodziny", amount="5.00"
    )
    exemption.refresh_from_db()
    assert (exemption.percent, exemption.amount) == (None, D("5.00"))
    before = counts()
    for kwargs, field in [
        ({"percent": "20", "amount": "5"}, "percent"),
        ({}, "percent"),
        ({"percent": "100.01"}, "percent"),
        ({"amount": "0"}, "amount"),
        ({"amount": "5", "basis": "per_flat"}, "basis"),
    ]:
        with pytest.raises(ServiceValidationError) as exc:
            waste_exemption_set(actor=waste_admin, resolution=resolution, code="x", name="X", **kwargs)
        assert set(exc.value.errors) == {field}
    assert counts() == before


def test_permission_required(make_user, make_resolution, counts):
    resolution = make_resolution(datetime.date(2025, 4, 1))
    clerk = make_user(roles.TAX_CLERK, username="referent-odpady-test")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        waste_rate_set(actor=clerk, resolution=resolution, kind="per_resident", rate="38.00")
    assert exc.value.code == "forbidden"
    assert exc.value.message == _("You may not manage the waste fee rates.")
    with pytest.raises(ApplicationError) as exc:
        waste_resolution_create(
            actor=clerk, number="1", adopted_on=datetime.date(2025, 1, 1), valid_from=datetime.date(2026, 1, 1),
            methods=["per_resident"],
        )  # fmt: skip
    assert exc.value.code == "forbidden"
    with pytest.raises(ApplicationError):
        waste_exemption_set(actor=None, resolution=resolution, code="x", name="X", percent="10")
    assert counts() == before


def test_demo_seeder_idempotent_and_within_caps():
    assert seed_demo() == "waste fee resolutions: 1 new"
    assert seed_demo() == "waste fee resolutions: 0 new"
    resolution = WasteResolution.objects.get(valid_from=datetime.date(2025, 1, 1))
    assert (resolution.methods, resolution.payment_frequency, resolution.due_day) == (["per_resident"], "monthly", 15)
    assert (resolution.non_selective_multiplier, resolution.composting_discount, resolution.composting_basis) == (
        D("2.00"),
        D("3.00"),
        "per_person",
    )
    rates = {(r.kind, r.capacity_l, r.frequency): r.rate for r in resolution.rates.all()}
    assert rates[("per_resident", None, None)] == D("38.00")
    assert rates[("container", 120, 2)] == D("28.00")
    assert len(rates) == 5
    assert all(
        waste_rate_check(day=resolution.valid_from, kind=kind, rate=rate) == ""
        for (kind, _capacity, _frequency), rate in rates.items()
    )
    assert resolution.exemptions.get().percent == D("20.00")


def test_declaration_history_and_constraints():
    person = PersonFactory()
    prop = WasteProperty.objects.create(identifier="ODP/0001", address=AddressFactory(), dwelling_m2=D("84.50"))
    first = WasteDeclaration.objects.create(
        property=prop, payer=person, number="DO/1/2025", filed_on=datetime.date(2025, 1, 10),
        effective_from=datetime.date(2025, 1, 1), method="per_resident", residents=4, composts=True,
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip
    change = WasteDeclaration.objects.create(
        property=prop, payer=person, number="DO/2/2025", filed_on=datetime.date(2025, 7, 8),
        effective_from=datetime.date(2025, 6, 1), purpose="change", method="per_resident", residents=5,
        previous=first,
    )  # fmt: skip
    first.superseded_by = change
    first.save(update_fields=["superseded_by"])
    assert list(first.later_declarations.all()) == [change]
    assert list(prop.declarations.values_list("number", flat=True)) == ["DO/2/2025", "DO/1/2025"]
    assert WasteDeclaration.TRANSITIONS[WasteDeclaration.Status.ACCEPTED] == set()
    with transaction.atomic(), pytest.raises(IntegrityError):
        WasteDeclaration.objects.create(
            property=prop, payer=person, filed_on=datetime.date(2025, 7, 8), effective_from=datetime.date(2025, 6, 20)
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        WasteDeclaration.objects.create(
            property=prop, payer=person, filed_on=datetime.date(2025, 7, 8), effective_from=datetime.date(2025, 6, 1),
            water_m3=D("-1"),
        )  # fmt: skip
    assert WasteDeclaration.objects.count() == 2


def test_rates_on_a_day_feed_the_domain_computation(waste_admin, make_resolution):
    from taxes.domain import waste as domain

    seed_demo()
    demo = WasteResolution.objects.get(valid_from=datetime.date(2025, 1, 1))
    assert waste_resolution_on(datetime.date(2024, 12, 31)) is None
    assert waste_rates_on(datetime.date(2024, 12, 31)) is None
    assert waste_resolution_on(datetime.date(2025, 6, 20)) == demo
    june = waste_rates_on(datetime.date(2025, 6, 20))
    assert june == domain.WasteRates(
        methods=(domain.RESIDENT,),
        rates={domain.RESIDENT: D("38.00")},
        multiplier=D("2.00"),
        composting_discount=D("3.00"),
        composting_basis=domain.PER_PERSON,
        exemptions={"large_family": domain.Exemption("large_family", domain.PERCENT, D("20.00"), domain.PER_HOUSEHOLD)},
        cottage_rate=D("180.00"),
        container_rates={(120, 2): D("28.00"), (240, 2): D("52.00"), (1100, 4): D("310.00")},
        water_cap=D("247.03"),
    )
    assert waste_rates_on(datetime.date(2025, 3, 30)).water_cap == D("208.90")
    # E7: 4 residents composting → 4 × (38.00 − 3.00) = 140.00 zł a month.
    assert domain.monthly_fee(domain.Declared(method=domain.RESIDENT, residents=4, composts=True), june).total == D(
        "140.00"
    )
    later = make_resolution(
        datetime.date(2026, 1, 1), methods=["per_m3", "per_household"], composting_basis="per_household"
    )
    waste_rate_set(actor=waste_admin, resolution=later, kind="per_m3", rate="12.50")
    waste_exemption_set(
        actor=waste_admin, resolution=later, code="low_income", name="Niski dochód", amount="5.00", basis="per_person"
    )
    assert waste_resolution_on(datetime.date(2025, 12, 31)) == demo
    rates_2026 = waste_rates_on(datetime.date(2026, 1, 1))
    assert (rates_2026.methods, rates_2026.rates, rates_2026.composting_basis) == (
        (domain.WATER, domain.HOUSEHOLD),
        {domain.WATER: D("12.50")},
        domain.PER_HOUSEHOLD,
    )
    assert rates_2026.exemptions == {
        "low_income": domain.Exemption("low_income", domain.AMOUNT, D("5.00"), domain.PER_PERSON)
    }
