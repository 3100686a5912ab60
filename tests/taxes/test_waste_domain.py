"""The waste-fee computation (issue 9 point 3; domain reference §8 and example E7): pure functions, no database."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext as _
from hypothesis import given
from hypothesis import strategies as st

from taxes.domain.waste import (
    AMOUNT,
    AREA,
    CHANGE,
    FIRST,
    HOUSEHOLD,
    PER_HOUSEHOLD,
    PER_PERSON,
    PERCENT,
    RESIDENT,
    WATER,
    Container,
    Declared,
    Exemption,
    FeeLine,
    WasteFeeError,
    WasteRates,
    caps,
    declaration_deadline,
    declared_problems,
    fees_for_period,
    method_name,
    monthly_fee,
    multiplier_problem,
    rate_cap_problem,
    rates_problems,
)

D = Decimal
CAPS_2024 = caps(D("3167.17"))
E7_RATES = WasteRates(
    methods=(RESIDENT, WATER),
    rates={RESIDENT: D("38.00"), WATER: D("22.17")},
    multiplier=D("3"),
    composting_discount=D("3.00"),
    composting_basis=PER_PERSON,
    water_cap=CAPS_2024.water_household,
)
E7 = Declared(method=RESIDENT, residents=4, composts=True)


# --- E7 ------------------------------------------------------------------------------------------------------------


def test_e7_fee():
    result = monthly_fee(E7, E7_RATES)
    assert result.lines == (
        FeeLine("base", D(4), D("38.00"), D("152.00"), RESIDENT),
        FeeLine("discount", D(4), D("3.00"), D("-12.00"), PER_PERSON),
    )
    assert result.exact == D("140.00")
    assert result.total == D("140.00")
    assert result.containers == 0
    assert result.annual == 0


def test_e7_not_rounded():
    rates = WasteRates(methods=(RESIDENT,), rates={RESIDENT: D("29.75")})
    result = monthly_fee(Declared(method=RESIDENT, residents=1), rates)
    assert result.total == D("29.75")
    assert str(result.total) == "29.75"


def test_e7_caps():
    assert rate_cap_problem(RESIDENT, D("38.00"), CAPS_2024) == ""
    assert CAPS_2024.resident == D("63.34")
    assert CAPS_2024.water_household == D("247.03")


def test_e7_change_in_june():
    changes = [(datetime.date(2025, 1, 1), E7), (datetime.date(2025, 6, 20), Declared(RESIDENT, 5, composts=True))]
    fees = fees_for_period(changes, lambda year, month: E7_RATES, (2025, 4), (2025, 8))
    assert [(y, m, r.total) for y, m, r in fees] == [
        (2025, 4, D("140.00")),
        (2025, 5, D("140.00")),
        (2025, 6, D("175.00")),
        (2025, 7, D("175.00")),
        (2025, 8, D("175.00")),
    ]
    assert declaration_deadline(CHANGE, datetime.date(2025, 6, 20)) == datetime.date(2025, 7, 10)


# --- caps ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "expected"),
    [
        ("1919.00", ("38.38", "13.43", "1.53", "107.46", "149.68", "191.90")),
        ("2061.93", ("41.23", "14.43", "1.64", "115.46", "160.83", "206.19")),
        ("2249.79", ("44.99", "15.74", "1.79", "125.98", "175.48", "224.97")),
        ("2678.30", ("53.56", "18.74", "2.14", "149.98", "208.90", "267.83")),
        ("3167.17", ("63.34", "22.17", "2.53", "177.36", "247.03", "316.71")),
    ],
)
def test_caps_table(income, expected):
    result = caps(D(income))
    assert result.income == D(income)
    assert (
        result.resident,
        result.water,
        result.area,
        result.household,
        result.water_household,
        result.cottage,
    ) == tuple(D(v) for v in expected)


def test_caps_truncated_not_rounded():
    # 10 % × 3167.17 = 316.717 → 316.71; 0.08 % × 2249.79 = 1.799832 → 1.79
    assert caps(D("3167.17")).cottage == D("316.71")
    assert caps(D("2249.79")).area == D("1.79")


def test_rate_above_cap():
    assert rate_cap_problem(RESIDENT, D("63.35"), CAPS_2024) == _(
        "The rate %(rate)s zł (%(method)s) exceeds the statutory maximum %(maximum)s zł "
        "(%(percent)s%% of the average disposable income %(income)s zł)."
    ) % {"rate": "63.35", "method": _("per resident"), "maximum": "63.34", "percent": "2", "income": "3167.17"}
    assert rate_cap_problem(RESIDENT, D("63.34"), CAPS_2024) == ""
    assert rate_cap_problem(AREA, D("2.54"), CAPS_2024) != ""
    assert rate_cap_problem(WATER, D("22.17"), CAPS_2024) == ""
    assert rate_cap_problem(HOUSEHOLD, D("177.37"), CAPS_2024) != ""
    assert rate_cap_problem("cottage", D("316.72"), CAPS_2024) != ""
    assert rate_cap_problem("container", D("500.00"), CAPS_2024) == ""
    negative = _("The rate %(rate)s zł (%(method)s) cannot be negative.")
    assert rate_cap_problem(RESIDENT, D("-1"), CAPS_2024) == negative % {"rate": "-1", "method": _("per resident")}


def test_multiplier_problem():
    assert multiplier_problem(D("2")) == multiplier_problem(D("4")) == multiplier_problem(D("2.5")) == ""
    assert multiplier_problem(D("1.5")) == _(
        "The increased rate for non-selective collection must be 2 to 4 times the basic rate, not %(value)s."
    ) % {"value": "1.5"}
    assert multiplier_problem(D("4.01")) != ""


def test_rates_problems():
    assert rates_problems(E7_RATES, CAPS_2024) == []
    bad = WasteRates(
        methods=(RESIDENT, "bags"),
        rates={RESIDENT: D("63.35"), AREA: D("2.53")},
        multiplier=D("5"),
        composting_discount=D("-1"),
        exemptions={"KDR": Exemption("KDR", PERCENT, D("120")), "LOW": Exemption("LOW", AMOUNT, D("-2"))},
        cottage_rate=D("316.72"),
        container_rates={(120, 2): D("-3")},
        water_cap=D("247.04"),
    )
    exceeds = _(
        "The rate %(rate)s zł (%(method)s) exceeds the statutory maximum %(maximum)s zł "
        "(%(percent)s%% of the average disposable income %(income)s zł)."
    )
    income = "3167.17"
    assert [(p.code, p.message) for p in rates_problems(bad, CAPS_2024)] == [
        ("method", _("Unknown method %(method)s.") % {"method": "bags"}),
        (
            "rate",
            exceeds
            % {"rate": "63.35", "method": _("per resident"), "maximum": "63.34", "percent": "2", "income": income},
        ),
        (
            "rate",
            exceeds
            % {
                "rate": "247.04",
                "method": _("water method, per household"),
                "maximum": "247.03",
                "percent": "7.8",
                "income": income,
            },
        ),
        (
            "rate",
            exceeds
            % {
                "rate": "316.72",
                "method": _("holiday cottage, per year"),
                "maximum": "316.71",
                "percent": "10",
                "income": income,
            },
        ),
        (
            "rate",
            _("The rate %(rate)s zł (%(method)s) cannot be negative.") % {"rate": "-3", "method": _("per container")},
        ),
        (
            "multiplier",
            _("The increased rate for non-selective collection must be 2 to 4 times the basic rate, not %(value)s.")
            % {"value": "5"},
        ),
        ("discount", _("The composting discount cannot be negative (%(value)s).") % {"value": "-1"}),
        (
            "exemption",
            _("The exemption %(code)s must be 0 to 100 percent, not %(value)s.") % {"code": "KDR", "value": "120"},
        ),
        (
            "exemption",
            _("The exemption %(code)s cannot be a negative amount (%(value)s).") % {"code": "LOW", "value": "-2"},
        ),
    ]


# --- the fee -------------------------------------------------------------------------------------------------------


def test_non_selective_multiplier():
    result = monthly_fee(Declared(RESIDENT, 4, selective=False), E7_RATES)
    assert result.lines == (
        FeeLine("base", D(4), D("38.00"), D("152.00"), RESIDENT),
        FeeLine("multiplier", D("152.00"), D(2), D("304.00")),
    )
    assert result.total == D("456.00")  # 3 × 152.00


def test_non_selective_with_composting():
    # the multiplier applies to the base, the discount is then subtracted: 3 × 152 − 12
    assert monthly_fee(Declared(RESIDENT, 4, selective=False, composts=True), E7_RATES).total == D("444.00")


def test_composting_per_household():
    rates = WasteRates(
        methods=(RESIDENT, HOUSEHOLD),
        rates={RESIDENT: D("38.00"), HOUSEHOLD: D("95.00")},
        composting_discount=D("10.00"),
        composting_basis=PER_HOUSEHOLD,
    )
    per_resident = monthly_fee(Declared(RESIDENT, 4, composts=True), rates)
    assert per_resident.lines[-1] == FeeLine("discount", D(1), D("10.00"), D("-10.00"), PER_HOUSEHOLD)
    assert per_resident.total == D("142.00")
    two = monthly_fee(Declared(HOUSEHOLD, households=2, composts=True), rates)
    assert two.total == D("170.00")  # 2 × 95 − 2 × 10
    # per household the number of residents is not needed
    assert declared_problems(Declared(HOUSEHOLD, households=1, composts=True), rates) == []


def test_composting_per_person_needs_residents():
    problems = declared_problems(Declared(HOUSEHOLD, households=1, composts=True), E7_RATES)
    assert [p.message for p in problems] == [
        _("The resolution does not allow the method %(method)s; allowed: %(allowed)s.")
        % {"method": _("per household"), "allowed": f"{_('per resident')}, {_('per m³ of water')}"},
        _("The composting discount per person needs the number of residents."),
    ]


def test_exemptions():
    rates = WasteRates(
        methods=(RESIDENT,),
        rates={RESIDENT: D("38.00")},
        composting_discount=D("3.00"),
        exemptions={
            "KDR": Exemption("KDR", PERCENT, D("50")),
            "LOW": Exemption("LOW", AMOUNT, D("5.00"), PER_PERSON),
            "ALL": Exemption("ALL", PERCENT, D("100")),
        },
    )
    large = monthly_fee(Declared(RESIDENT, 6, composts=True, exemptions=("KDR",)), rates)
    # 6 × 38 = 228 − 18 = 210; 50 % of 210 = 105
    assert large.lines[1:] == (
        FeeLine("discount", D(6), D("3.00"), D("-18.00"), PER_PERSON),
        FeeLine("exemption", D("210.00"), D("0.5"), D("-105.0000"), "KDR"),
    )
    assert large.total == D("105.00")
    assert monthly_fee(Declared(RESIDENT, 3, exemptions=("LOW",)), rates).total == D("99.00")  # 3 × (38 − 5)
    assert monthly_fee(Declared(RESIDENT, 3, exemptions=("ALL", "LOW")), rates).total == 0  # never below 0
    assert [p.message for p in declared_problems(Declared(RESIDENT, 3, exemptions=("XYZ",)), rates)] == [
        _("The resolution has no exemption %(code)s.") % {"code": "XYZ"}
    ]


def test_discount_never_below_zero():
    rates = WasteRates(methods=(RESIDENT,), rates={RESIDENT: D("2.00")}, composting_discount=D("3.00"))
    result = monthly_fee(Declared(RESIDENT, 2, composts=True), rates)
    assert result.lines[-1] == FeeLine("discount", D(2), D("3.00"), D("-4.00"), PER_PERSON)
    assert result.total == 0


CONTAINER_RATES = WasteRates(
    methods=(RESIDENT,),
    rates={RESIDENT: D("38.00")},
    multiplier=D("2"),
    container_rates={(120, 2): D("30.50"), (1100, 4): D("210.25")},
)


def test_non_residential_containers():
    declared = Declared(containers=(Container(120, 2, 3), Container(1100, 4, 1)))
    result = monthly_fee(declared, CONTAINER_RATES)
    assert result.lines == (
        FeeLine("container", D(3), D("30.50"), D("91.50"), "120/2"),
        FeeLine("container", D(1), D("210.25"), D("210.25"), "1100/4"),
    )
    assert (result.residential, result.containers, result.total) == (0, D("301.75"), D("301.75"))
    assert monthly_fee(Declared(containers=(Container(120, 2, 1),), selective=False), CONTAINER_RATES).total == D(
        "61.00"
    )


def test_mixed_use():
    declared = Declared(RESIDENT, 2, containers=(Container(120, 2, 1),))
    assert declared.mixed
    result = monthly_fee(declared, CONTAINER_RATES)
    assert (result.residential, result.containers, result.total) == (D("76.00"), D("30.50"), D("106.50"))


def test_unknown_container():
    problems = declared_problems(Declared(containers=(Container(240, 1, 1),)), CONTAINER_RATES)
    assert [p.message for p in problems] == [
        _("The resolution has no rate for a %(capacity)s l container emptied %(frequency)s times a month.")
        % {"capacity": 240, "frequency": 1}
    ]


def test_cottage_annual():
    rates = WasteRates(methods=(RESIDENT,), rates={RESIDENT: D("38.00")}, cottage_rate=D("180.00"))
    result = monthly_fee(Declared(cottage=True), rates)
    assert result.annual == D("180.00")
    assert result.total == 0  # charged once a year, not monthly
    assert monthly_fee(Declared(cottage=True, selective=False), rates).annual == D("360.00")
    assert [p.message for p in declared_problems(Declared(cottage=True), E7_RATES)] == [
        _("The resolution sets no annual rate for holiday cottages.")
    ]


def test_water_method_and_cap():
    result = monthly_fee(Declared(WATER, water_m3=D("3.3")), E7_RATES)
    assert result.exact == D("73.161")  # not rounded: the exact product
    assert result.total == D("73.16")  # the amount payable: to the grosz, HALF_UP
    big = monthly_fee(Declared(WATER, water_m3=D("12")), E7_RATES)  # 12 × 22.17 = 266.04 > 247.03
    assert big.lines == (
        FeeLine("base", D(12), D("22.17"), D("266.04"), WATER),
        FeeLine("cap", D(1), D("247.03"), D("-19.01"), "water_household"),
    )
    assert big.total == D("247.03")
    assert monthly_fee(Declared(WATER, water_m3=D("12"), households=2), E7_RATES).total == D("266.04")  # 2 × cap
    assert monthly_fee(Declared(WATER, water_m3=D("12"), selective=False), E7_RATES).total == D("741.09")  # 3 × cap


def test_sub_grosz_half_up():
    rates = WasteRates(methods=(WATER,), rates={WATER: D("0.01")})
    assert monthly_fee(Declared(WATER, water_m3=D("0.5")), rates).total == D("0.01")  # 0.005 → 0.01
    assert monthly_fee(Declared(WATER, water_m3=D("0.4")), rates).total == D("0.00")  # 0.004 → 0.00


# --- bad input -----------------------------------------------------------------------------------------------------


def test_negative_values():
    declared = Declared(RESIDENT, -2, water_m3=D("-1"), area_m2=D("-5"), households=-1)
    problems = declared_problems(declared, E7_RATES)
    assert [(p.code, p.message) for p in problems] == [
        ("residents", _("The number of residents cannot be negative (%(value)s).") % {"value": -2}),
        ("water", _("The water consumed cannot be negative (%(value)s m³).") % {"value": "-1"}),
        ("area", _("The dwelling area cannot be negative (%(value)s m²).") % {"value": "-5"}),
        ("households", _("The number of households cannot be negative (%(value)s).") % {"value": -1}),
    ]
    with pytest.raises(WasteFeeError) as exc:
        monthly_fee(declared, E7_RATES)
    assert exc.value.problems == tuple(problems)


def test_method_not_allowed_and_missing_data():
    assert [p.message for p in declared_problems(Declared(AREA, area_m2=D("80")), E7_RATES)] == [
        _("The resolution does not allow the method %(method)s; allowed: %(allowed)s.")
        % {"method": _("per m² of dwelling"), "allowed": f"{_('per resident')}, {_('per m³ of water')}"}
    ]
    assert [p.message for p in declared_problems(Declared(WATER, residents=3), E7_RATES)] == [
        _("The method %(method)s needs %(data)s.")
        % {"method": _("per m³ of water"), "data": _("the water consumed in m³ per month")}
    ]
    no_rate = WasteRates(methods=(RESIDENT,))
    assert [p.message for p in declared_problems(Declared(RESIDENT, 2), no_rate)] == [
        _("The resolution sets no rate for the method %(method)s.") % {"method": _("per resident")}
    ]
    assert [p.message for p in declared_problems(Declared(), E7_RATES)] == [
        _("The declaration gives neither a method nor containers nor a holiday cottage.")
    ]
    assert [p.code for p in declared_problems(Declared(composts=True, cottage=True), E7_RATES)] == [
        "method",
        "cottage",
    ]
    assert method_name("unknown") == "unknown"


def test_negative_containers():
    problems = declared_problems(Declared(containers=(Container(120, 2, -1),)), CONTAINER_RATES)
    assert [p.message for p in problems] == [
        _("The number of containers cannot be negative (%(value)s).") % {"value": -1}
    ]


# --- periods and deadlines -----------------------------------------------------------------------------------------


def test_first_declaration_deadline():
    assert declaration_deadline(FIRST, datetime.date(2025, 6, 20)) == datetime.date(2025, 7, 4)
    assert declaration_deadline(CHANGE, datetime.date(2025, 12, 3)) == datetime.date(2026, 1, 10)
    # 10.01.2026 is a Saturday: the caller's shift moves it to Monday 12.01
    shift = lambda day: day + datetime.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # noqa: E731
    assert declaration_deadline(CHANGE, datetime.date(2025, 12, 3), shift) == datetime.date(2026, 1, 12)
    with pytest.raises(ValueError, match="unknown declaration kind"):
        declaration_deadline("other", datetime.date(2025, 1, 1))


def test_period_end_and_rates_by_month():
    other = WasteRates(methods=(RESIDENT,), rates={RESIDENT: D("40.00")})
    rates = {(2025, 11): E7_RATES, (2025, 12): E7_RATES, (2026, 1): other, (2026, 2): other}
    changes = [
        (datetime.date(2025, 12, 31), None),  # sold on the last day of December: no fee for December
        (datetime.date(2025, 11, 15), Declared(RESIDENT, 2)),
        (datetime.date(2026, 1, 31), Declared(RESIDENT, 1)),
        (datetime.date(2026, 1, 31), Declared(RESIDENT, 3)),  # same day: the later one wins
    ]
    fees = fees_for_period(changes, rates, (2025, 10), (2026, 2))
    assert [(y, m, r.total) for y, m, r in fees] == [
        (2025, 11, D("76.00")),
        (2026, 1, D("120.00")),
        (2026, 2, D("120.00")),
    ]


# --- properties ----------------------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
residents = st.integers(min_value=0, max_value=50)


@given(residents, money, money, st.booleans(), st.booleans(), money)
def test_fee_never_negative(count, rate, discount, composts, selective, exemption):
    rates = WasteRates(
        methods=(RESIDENT,),
        rates={RESIDENT: rate},
        composting_discount=discount,
        exemptions={"X": Exemption("X", AMOUNT, exemption, PER_HOUSEHOLD)},
    )
    result = monthly_fee(Declared(RESIDENT, count, composts=composts, selective=selective, exemptions=("X",)), rates)
    assert result.exact >= 0
    assert result.total >= 0


@given(residents, residents, money, money, st.booleans())
def test_fee_monotonic_in_residents(a, b, rate, discount, composts):
    rates = WasteRates(methods=(RESIDENT,), rates={RESIDENT: rate}, composting_discount=discount)
    low, high = sorted((a, b))
    assert (
        monthly_fee(Declared(RESIDENT, low, composts=composts), rates).exact
        <= monthly_fee(Declared(RESIDENT, high, composts=composts), rates).exact
    )


@given(residents, money)
def test_fee_not_rounded(count, rate):
    result = monthly_fee(Declared(RESIDENT, count), WasteRates(methods=(RESIDENT,), rates={RESIDENT: rate}))
    assert result.exact == count * rate
    assert result.total == count * rate  # grosze kept, never to full złoty


@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False), money)
def test_water_fee_exact_and_capped(m3, rate):
    rates = WasteRates(methods=(WATER,), rates={WATER: rate}, water_cap=CAPS_2024.water_household)
    result = monthly_fee(Declared(WATER, water_m3=m3), rates)
    assert result.exact == min(m3 * rate, D("247.03"))
    assert abs(result.total - result.exact) <= D("0.005")
