"""The worked examples E1, E2, E6 of the domain reference (§13), reproduced exactly by the pure engine."""

import datetime
from decimal import Decimal

import pytest

from core.domain.calendar import next_working_day
from core.reference import holidays_shipped
from taxes.domain.engine import (
    Conventions,
    TaxableItem,
    YearRates,
    assess_tax,
    assess_taxpayer,
    converted_hectares,
    joint_liability,
    obligation_months,
    obligation_start,
    round_tax,
)
from taxes.domain.installments import (
    Installment,
    due_dates_after_delivery,
    payment_plan,
    split_amount,
)

D = Decimal
HOLIDAYS = frozenset(d for d, _ in holidays_shipped())


def shift(day: datetime.date) -> datetime.date:
    return next_working_day(day, HOLIDAYS)


MULTIPLIERS = {("arable", "IVa", 2): D("1.00"), ("meadow", "IV", 2): D("0.70"), ("arable", "IIIa", 2): D("1.50")}
RATES_2025 = YearRates(2025, {"building_residential": D("1.19"), "land_other": D("0.73")})
RATES_2026 = YearRates(
    2026,
    {"building_residential": D("1.25"), "land_other": D("0.77")},
    rye_price=D("66.42"),
    wood_price=D("281.37"),
    multipliers=MULTIPLIERS,
)


def e1_items(months: int = 12) -> list[TaxableItem]:
    return [
        TaxableItem("property", "building_residential", "m2", area=D("120"), months=months),
        TaxableItem("property", "land_other", "m2", area=D("800"), months=months),
    ]


def dates(plan) -> list[tuple[datetime.date, Decimal]]:
    return [(i.due, i.amount) for i in plan.installments]


def test_e1_2025_tax_and_installments_grosze():
    result = assess_tax("property", e1_items(), RATES_2025)
    assert [r.annual for r in result.items] == [D("142.8000"), D("584.0000")]
    assert result.exact == D("726.8000")
    assert result.amount == D("727")
    plan = payment_plan(result.amount, year=2025, shift=shift)
    assert plan.decision
    assert not plan.single
    assert dates(plan) == [
        (datetime.date(2025, 3, 17), D("181.75")),
        (datetime.date(2025, 5, 15), D("181.75")),
        (datetime.date(2025, 9, 15), D("181.75")),
        (datetime.date(2025, 11, 17), D("181.75")),
    ]
    assert plan.installments[0].nominal_due == datetime.date(2025, 3, 15)


def test_e1_zloty_first():
    plan = payment_plan(D("727"), year=2025, shift=shift, conventions=Conventions(installment_rounding="zloty_first"))
    assert [i.amount for i in plan.installments] == [D("184"), D("181"), D("181"), D("181")]


def test_e1_2026():
    result = assess_tax("property", e1_items(), RATES_2026)
    assert (result.exact, result.amount) == (D("766.0000"), D("766"))
    plan = payment_plan(result.amount, year=2026, shift=shift)
    assert dates(plan) == [
        (datetime.date(2026, 3, 16), D("191.50")),
        (datetime.date(2026, 5, 15), D("191.50")),
        (datetime.date(2026, 9, 15), D("191.50")),
        (datetime.date(2026, 11, 16), D("191.50")),
    ]


def test_e1_half_year_both_conventions():
    bought = datetime.date(2025, 6, 10)
    assert obligation_start(bought) == datetime.date(2025, 7, 1)
    months = obligation_months(2025, arose_on=bought)
    assert months == 6
    items = assess_tax("property", e1_items(months), RATES_2025)
    assert (items.exact, items.amount) == (D("363.4000"), D("363"))
    rounded = assess_tax("property", e1_items(months), RATES_2025, Conventions(proration="rounded"))
    assert rounded.amount == D("364")
    plan = payment_plan(items.amount, year=2025, shift=shift, start=obligation_start(bought))
    assert dates(plan) == [(datetime.date(2025, 9, 15), D("181.50")), (datetime.date(2025, 11, 17), D("181.50"))]


def test_e2_late_delivery_moves_first_installment():
    plan = payment_plan(D("727"), year=2024, shift=shift)
    moved = due_dates_after_delivery(plan.installments, datetime.date(2024, 3, 4), shift)
    assert moved[0].due == datetime.date(2024, 3, 18)
    assert [i.due for i in moved[1:]] == [i.due for i in plan.installments[1:]]
    assert [i.amount for i in moved] == [i.amount for i in plan.installments]
    kept = due_dates_after_delivery(plan.installments, datetime.date(2024, 3, 1), shift)
    assert kept[0].due == datetime.date(2024, 3, 15)


def test_delivery_14th_day_on_weekend_is_shifted():
    inst = [Installment(1, datetime.date(2025, 3, 15), datetime.date(2025, 3, 17), D("10"))]
    # delivered 8.03.2025 → 22.03.2025 (Saturday) → 24.03.2025
    assert due_dates_after_delivery(inst, datetime.date(2025, 3, 8), shift)[0].due == datetime.date(2025, 3, 24)


def test_e6_farm_joint_decision_2026():
    items = [
        TaxableItem("agricultural", "agri_land", "ha_conv", area=D("6.0000"), land_type="arable", land_class="IVa"),
        TaxableItem("agricultural", "agri_land", "ha_conv", area=D("4.0000"), land_type="meadow", land_class="IV"),
        TaxableItem("forest", "forest", "ha", area=D("2.0000")),
        TaxableItem("property", "building_residential", "m2", area=D("100")),
    ]
    assert sum(converted_hectares(i, MULTIPLIERS, 2) for i in items[:2]) == D("8.8000")
    [decision] = assess_taxpayer(items, RATES_2026)
    assert decision.joint
    by_tax = {t.tax: t for t in decision.taxes}
    assert by_tax["agricultural"].farm is True
    assert (by_tax["agricultural"].exact, by_tax["agricultural"].amount) == (D("1461.2400"), D("1461"))
    assert (by_tax["forest"].exact, by_tax["forest"].amount) == (D("123.8028"), D("124"))
    assert by_tax["property"].amount == D("125")
    assert decision.total == D("1710")
    plan = payment_plan(decision.total, year=2026, shift=shift)
    assert dates(plan) == [
        (datetime.date(2026, 3, 16), D("427.50")),
        (datetime.date(2026, 5, 15), D("427.50")),
        (datetime.date(2026, 9, 15), D("427.50")),
        (datetime.date(2026, 11, 16), D("427.50")),
    ]


def test_joint_total_rounded_once_setting():
    items = [
        TaxableItem("forest", "forest", "ha", area=D("2.0000")),  # 123.8028
        TaxableItem("agricultural", "x", "ha", area=D("0.5"), land_type="arable", land_class="IVa"),  # 166.05
    ]
    [each] = assess_taxpayer(items, RATES_2026)
    [once] = assess_taxpayer(items, RATES_2026, Conventions(joint_round_each_tax=False))
    agri = assess_tax("agricultural", items, RATES_2026)
    assert agri.farm is False
    assert agri.exact == D("166.0500")
    assert each.total == D("124") + D("166")
    assert once.total == round_tax(D("123.8028") + D("166.0500")) == D("290")


def test_legal_person_or_no_agricultural_is_not_joint():
    assert not joint_liability(False, ["agricultural", "property"])
    assert not joint_liability(True, ["property", "forest"])
    assert joint_liability(True, ["agricultural", "forest"])
    items = [TaxableItem("forest", "forest", "ha", area=D("1")), *e1_items()]
    assert [len(d.taxes) for d in assess_taxpayer(items, RATES_2026)] == [1, 1]


@pytest.mark.parametrize(
    ("computed", "rounded", "single"),
    [(D("100.49"), D("100"), True), (D("100.50"), D("101"), False), (D("6.10"), D("6"), True)],
)
def test_hundred_zloty_rule_on_rounded_tax(computed, rounded, single):
    plan = payment_plan(computed, year=2026, shift=shift, conventions=Conventions(no_decision_threshold=D("0")))
    assert plan.amount == rounded
    assert plan.single is single
    assert plan.installments[0].due == datetime.date(2026, 3, 16)
    assert sum(i.amount for i in plan.installments) == rounded


def test_no_decision_threshold():
    plan = payment_plan(D("6.40"), year=2026, shift=shift)  # 6 ≤ 6.10
    assert (plan.decision, plan.installments) == (False, ())
    assert payment_plan(D("6.50"), year=2026, shift=shift).decision  # 7 > 6.10


def test_building_low_height_structure_exemption_reserve():
    rates = YearRates(2026, {"building_residential": D("1.25"), "structure": D("2")}, wood_price=D("281.37"))
    building = TaxableItem("property", "building_residential", "m2", area=D("100"), area_low=D("20"))
    structure = TaxableItem("property", "structure", "percent", value=D("150000.00"))
    exempt = TaxableItem("property", "structure", "percent", value=D("1000"), exemption="upol_7_1_1")
    result = assess_tax("property", [building, structure, exempt], rates)
    assert [r.annual for r in result.items] == [D("112.5000"), D("3000.0000"), D("0")]
    assert result.items[2].exemption == "upol_7_1_1"
    assert result.amount == D("3113")
    reserve = assess_tax("forest", [TaxableItem("forest", "forest", "ha", area=D("2"), reserve=True)], rates)
    assert reserve.items[0].rate == D("30.9507")
    assert reserve.amount == D("62")  # 61.9014


def test_months():
    assert obligation_months(2025) == 12
    assert obligation_months(2025, arose_on=datetime.date(2024, 12, 31)) == 12
    assert obligation_months(2025, arose_on=datetime.date(2025, 12, 1)) == 0
    assert obligation_months(2025, ceased_on=datetime.date(2025, 3, 31)) == 3
    assert obligation_months(2025, arose_on=datetime.date(2025, 1, 5), ceased_on=datetime.date(2025, 3, 2)) == 2
    assert obligation_months(2025, ceased_on=datetime.date(2024, 3, 2)) == 0


def test_legal_person_monthly_and_transport_dates():
    monthly = payment_plan(D("1200"), year=2026, shift=shift, payer="legal")
    assert [i.nominal_due for i in monthly.installments][:3] == [
        datetime.date(2026, 1, 31),
        datetime.date(2026, 2, 15),
        datetime.date(2026, 3, 15),
    ]
    assert monthly.installments[0].due == datetime.date(2026, 2, 2)  # 31.01.2026 = Saturday
    assert all(i.amount == D("100") for i in monthly.installments)
    transport = payment_plan(D("2100.42"), year=2026, shift=shift, payer="transport")
    assert dates(transport) == [(datetime.date(2026, 2, 16), D("1050.00")), (datetime.date(2026, 9, 15), D("1050.00"))]
    later = payment_plan(D("1000"), year=2026, shift=shift, payer="transport", start=datetime.date(2026, 5, 1))
    assert [i.nominal_due for i in later.installments] == [datetime.date(2026, 5, 15), datetime.date(2026, 9, 15)]
    autumn = payment_plan(D("300"), year=2026, shift=shift, payer="transport", start=datetime.date(2026, 10, 1))
    assert [(i.nominal_due, i.amount) for i in autumn.installments] == [(datetime.date(2026, 10, 15), D("300"))]


def test_split_amount_grosze_last_absorbs():
    assert split_amount(D("103"), 3) == [D("34.33"), D("34.33"), D("34.34")]
    assert split_amount(D("103"), 4, "zloty_first") == [D("28"), D("25"), D("25"), D("25")]
