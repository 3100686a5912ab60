"""Replay of one installment's events (finance.domain.account_state): the interest convention."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as s

from finance.domain import account_state as st
from finance.domain.interest import RatePeriod

D = Decimal
d = datetime.date
RATES = [
    RatePeriod(d(2023, 10, 5), D("14.5")),
    RatePeriod(d(2025, 5, 8), D("13.5")),
    RatePeriod(d(2025, 7, 3), D("13.0")),
]
MIN = D("8.70")


DUE = d(2025, 5, 15)


def state(events, as_of, amount="1000.00", due=DUE):
    return st.installment_state(
        amount=D(amount), charged_on=d(2025, 2, 1), due_date=due, events=events, as_of=as_of, rates=RATES,
        minimum=MIN,
    )  # fmt: skip


def test_e3_interest_as_of_payment_day():
    s0 = state([], d(2025, 6, 24))
    assert (s0.principal, s0.interest) == (D("1000.00"), D("15"))
    assert state([], d(2025, 5, 15)).interest == D("0.00")
    assert state([], d(2025, 1, 1)).principal == D("0.00")  # before the charge


def test_partial_payment_carries_interest_and_accrues_on_the_rest():
    paid = d(2025, 6, 24)
    events = [
        st.InstallmentEvent(paid, st.PRINCIPAL_PAID, D("476.19")),
        st.InstallmentEvent(paid, st.INTEREST_PAID, D("8.81")),
    ]
    after = state(events, paid)
    assert (after.principal, after.interest, after.interest_carried) == (D("523.81"), D("6.19"), D("6.19"))
    # 30.07: 523.81 × 8 days (25.06–2.07) at 13.5 % + 28 days at 13 % = 6.77 ≤ 8.70 → nothing new yet
    later = state(events, d(2025, 7, 30))
    exact = D("523.81") * 8 * D("13.5") / 100 / 365 + D("523.81") * 28 * D("13.0") / 100 / 365
    assert later.interest_accrual_exact == exact
    assert later.interest == D("6.19")
    # 31.08: 8 days at 13.5 % + 60 days at 13 % = 12.74 → 13 on top of the 6.19 carried
    later = state(events, d(2025, 8, 31))
    assert later.interest_accrual_exact.quantize(D("0.01")) == D("12.74")
    assert later.interest == D("19.19")


def test_small_accrual_since_payment_is_not_charged():
    paid = d(2025, 6, 24)
    events = [
        st.InstallmentEvent(paid, st.PRINCIPAL_PAID, D("900.00")),
        st.InstallmentEvent(paid, st.INTEREST_PAID, D("15")),
    ]
    assert state(events, d(2025, 7, 24)).interest == D("0.00")  # 100 × 30 days ≈ 1.07 ≤ 8.70


def test_reduction_stops_interest_on_the_reduced_part():
    events = [st.InstallmentEvent(d(2025, 6, 4), st.REDUCTION, D("500.00"))]
    s1 = state(events, d(2025, 6, 24))
    exact = D("1000") * 19 * D("13.5") / 100 / 365 + D("500") * 21 * D("13.5") / 100 / 365
    assert s1.interest_accrual_exact == exact
    assert s1.principal == D("500.00")


@given(s.integers(0, 400), s.integers(0, 400))
def test_interest_never_decreases_without_payment(a, b):
    lo, hi = sorted((a, b))
    base = d(2025, 5, 15)
    assert (
        state([], base + datetime.timedelta(days=hi)).interest >= state([], base + datetime.timedelta(days=lo)).interest
    )


@given(s.decimals(min_value=D("0.01"), max_value=D("100000"), places=2), s.integers(0, 500))
def test_without_payments_the_state_is_interest_due(amount, days):
    from finance.domain.interest import interest_due

    as_of = DUE + datetime.timedelta(days=days)
    assert state([], as_of, amount=amount).interest == interest_due(amount, DUE, as_of, RATES, MIN)
