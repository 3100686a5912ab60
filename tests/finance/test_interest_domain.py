"""Late-payment interest and rounding (OP art. 53 §4, 54 §1 pkt 5, 56, 63 §1): examples E3, E4 and properties."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as s

from finance.domain.interest import RatePeriod, interest_due, interest_exact, interest_segments
from finance.domain.rounding import split_proportional, to_full_zloty

D = Decimal
d = datetime.date
MIN = D("8.70")
RATES = [
    RatePeriod(d(2023, 10, 5), D("14.5")),
    RatePeriod(d(2025, 5, 8), D("13.5")),
    RatePeriod(d(2025, 7, 3), D("13.0")),
    RatePeriod(d(2025, 9, 4), D("12.5")),
    RatePeriod(d(2025, 10, 9), D("12.0")),
    RatePeriod(d(2025, 11, 6), D("11.5")),
    RatePeriod(d(2025, 12, 4), D("11.0")),
    RatePeriod(d(2026, 3, 5), D("10.5")),
]


def test_full_zloty_rounding_art_63():
    assert to_full_zloty(D("43.78")) == D("44")
    assert to_full_zloty(D("43.12")) == D("43")
    assert to_full_zloty(D("43.49")) == D("43")
    assert to_full_zloty(D("43.50")) == D("44")
    assert to_full_zloty(D("726.80")) == D("727")


def test_split_proportional_e5():
    assert split_proportional(D("500.00"), D("1000.00"), D("50.00")) == (D("476.19"), D("23.81"))
    assert split_proportional(D("484.00"), D("1000.00"), D("50.00")) == (D("460.95"), D("23.05"))
    assert split_proportional(D("10.00"), D("0"), D("0")) == (D("10.00"), D("0.00"))


def test_e3_single_rate():
    exact = interest_exact(D("1000.00"), d(2025, 5, 16), d(2025, 6, 24), RATES)
    assert exact.quantize(D("0.0001")) == D("14.7945")
    assert interest_due(D("1000.00"), d(2025, 5, 15), d(2025, 6, 24), RATES, MIN) == D("15")
    [segment] = interest_segments(D("1000.00"), d(2025, 5, 16), d(2025, 6, 24), RATES)
    assert (segment.days, segment.rate) == (40, D("13.5"))


def test_e4_rate_change_rounds_the_sum_only():
    segments = interest_segments(D("1000.00"), d(2025, 9, 16), d(2025, 10, 24), RATES)
    assert [(x.start, x.end, x.days, x.rate) for x in segments] == [
        (d(2025, 9, 16), d(2025, 10, 8), 23, D("12.5")),
        (d(2025, 10, 9), d(2025, 10, 24), 16, D("12.0")),
    ]
    assert [x.amount.quantize(D("0.0001")) for x in segments] == [D("7.8767"), D("5.2603")]
    assert interest_due(D("1000.00"), d(2025, 9, 15), d(2025, 10, 24), RATES, MIN) == D("13")


def test_e4_parts_rounded_separately_would_differ():
    # parts 7.60 + 5.60 = 13.20 → 13 (rounding each part would give 8 + 6 = 14)
    rates = [RatePeriod(d(2025, 1, 1), D("34.675")), RatePeriod(d(2025, 1, 10), D("25.55"))]
    parts = [x.amount for x in interest_segments(D("1000.00"), d(2025, 1, 2), d(2025, 1, 17), rates)]
    assert parts == [D("7.6"), D("5.6")]
    assert [to_full_zloty(p) for p in parts] == [D("8"), D("6")]
    assert interest_due(D("1000.00"), d(2025, 1, 1), d(2025, 1, 17), rates, MIN) == D("13")


def test_threshold_not_charged():
    rates = [RatePeriod(d(2025, 12, 4), D("11.0"))]
    exact = interest_exact(D("300.00"), d(2026, 1, 1), d(2026, 1, 30), rates)
    assert exact.quantize(D("0.0001")) == D("2.7123")
    assert interest_due(D("300.00"), d(2025, 12, 31), d(2026, 1, 30), rates, MIN) == D("0")


def test_minimum_boundary():
    # exactly 8.70 is not charged, 8.71 is (rounded to 9)
    rates = [RatePeriod(d(2020, 1, 1), D("36.5"))]
    assert interest_due(D("87.00"), d(2025, 1, 1), d(2025, 1, 11), rates, MIN) == D("0")  # 87 × 10 × 0.1 % = 0.87
    assert interest_due(D("870.00"), d(2025, 1, 1), d(2025, 1, 11), rates, MIN) == D("0")  # 8.70
    assert interest_due(D("871.00"), d(2025, 1, 1), d(2025, 1, 11), rates, MIN) == D("9")  # 8.71


def test_paid_on_time_or_early_no_interest():
    assert interest_due(D("1000"), d(2025, 6, 1), d(2025, 6, 1), RATES, MIN) == D("0")
    assert interest_due(D("1000"), d(2025, 6, 1), d(2025, 5, 1), RATES, MIN) == D("0")


def test_leap_year_still_365():
    rates = [RatePeriod(d(2020, 1, 1), D("8.0"))]
    assert interest_exact(D("365.00"), d(2024, 1, 1), d(2024, 12, 31), rates) == D("365") * 366 * D("8") / 100 / 365


days = s.dates(min_value=d(2023, 10, 5), max_value=d(2027, 12, 31))
money = s.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2)


@given(money, days, s.integers(0, 2000), s.integers(0, 200))
def test_monotone_in_days(principal, start, n, extra):
    end = start + datetime.timedelta(days=n)
    longer = end + datetime.timedelta(days=extra)
    assert interest_exact(principal, start, longer, RATES) >= interest_exact(principal, start, end, RATES) >= 0
    due = start - datetime.timedelta(days=1)
    assert interest_due(principal, due, longer, RATES, MIN) >= interest_due(principal, due, end, RATES, MIN) >= 0


@given(money, money, days, s.integers(0, 1000))
def test_monotone_in_principal(a, b, start, n):
    low, high = sorted((a, b))
    end = start + datetime.timedelta(days=n)
    assert interest_exact(high, start, end, RATES) >= interest_exact(low, start, end, RATES)


@given(money, days, s.integers(1, 1500), s.data())
def test_splitting_a_period_keeps_the_sum(principal, start, n, data):
    end = start + datetime.timedelta(days=n)
    cut = start + datetime.timedelta(days=data.draw(s.integers(0, n - 1)))
    whole = interest_exact(principal, start, end, RATES)
    parts = interest_exact(principal, start, cut, RATES) + interest_exact(
        principal, cut + datetime.timedelta(days=1), end, RATES
    )
    assert abs(whole - parts) < D("0.01")


@given(money, days, s.integers(0, 1500))
def test_prefix_sum_equals_the_sum_of_the_segments(principal, start, n):
    end = start + datetime.timedelta(days=n)
    segments = sum((x.amount for x in interest_segments(principal, start, end, RATES)), D(0))
    assert abs(interest_exact(principal, start, end, RATES) - segments) < D("1e-18")
