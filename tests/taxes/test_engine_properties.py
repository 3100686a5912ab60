"""Hypothesis properties of the engine: Σ installments = tax exactly, OP art. 63 rounding, monotonic proration."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as s

from taxes.domain.engine import Conventions, TaxableItem, YearRates, assess_tax, round_tax
from taxes.domain.installments import payment_plan, split_amount

amounts = s.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
areas = s.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
rates = s.decimals(min_value=0, max_value=50, places=4, allow_nan=False, allow_infinity=False)


@given(s.integers(min_value=0, max_value=10_000_000), s.integers(min_value=1, max_value=12), s.booleans())
def test_installments_sum_to_tax(tax, count, zloty):
    parts = split_amount(Decimal(tax), count, "zloty_first" if zloty else "grosze")
    assert sum(parts) == tax
    assert max(parts) - min(parts) < (count if zloty else Decimal("0.01") * count)
    assert all(p >= 0 for p in parts)


@given(amounts, s.sampled_from(["natural", "legal", "transport"]), s.sampled_from(["grosze", "zloty_first"]))
def test_plan_sum(amount, payer, rounding):
    plan = payment_plan(
        amount, year=2026, shift=lambda d: d, payer=payer, conventions=Conventions(installment_rounding=rounding)
    )
    assert sum(i.amount for i in plan.installments) == (plan.amount if plan.decision else 0)


@given(amounts)
def test_rounding_op63(amount):
    rounded = round_tax(amount)
    assert rounded == rounded.to_integral_value()
    assert abs(rounded - amount) <= Decimal("0.5")
    fraction = amount - int(amount)
    assert rounded == (int(amount) + 1 if fraction >= Decimal("0.5") else int(amount))


@given(areas, rates, s.integers(min_value=0, max_value=11), s.sampled_from(["items", "rounded"]))
def test_proration_monotonic(area, rate, months, proration):
    yr = YearRates(2026, {"land_other": rate})
    conv = Conventions(proration=proration)

    def tax(m):
        return assess_tax("property", [TaxableItem("property", "land_other", "m2", area=area, months=m)], yr, conv)

    assert tax(months).amount <= tax(months + 1).amount
    assert tax(0).amount == 0
    assert tax(12).amount == round_tax(tax(12).exact)


def test_dates_are_dates():
    plan = payment_plan(Decimal("500"), year=2026, shift=lambda d: d)
    assert all(isinstance(i.due, datetime.date) for i in plan.installments)
