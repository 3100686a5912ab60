"""Allocation of payments (OP art. 62 §1, §1a, 55 §2, 63 §3): example E5, the order of claims, properties."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as s

from finance.domain.allocation import Allocation, CostItem, OpenInstallment, allocate

D = Decimal
d = datetime.date
PAID = d(2025, 6, 24)


def inst(id, due, principal, interest="0", type_="property_tax_person"):
    return OpenInstallment(id=id, receivable_type=type_, due_date=due, principal=D(principal), interest=D(interest))


def test_e5_without_costs():
    result = allocate(amount=D("500.00"), payment_date=PAID, installments=[inst(1, d(2025, 3, 17), "1000.00", "50.00")])
    assert result.allocations == [
        Allocation("installment", 1, "principal", D("476.19")),
        Allocation("installment", 1, "interest", D("23.81")),
    ]
    assert result.remainder == D("0.00")


def test_e5_with_reminder_costs_first():
    result = allocate(
        amount=D("500.00"),
        payment_date=PAID,
        installments=[inst(1, d(2025, 3, 17), "1000.00", "50.00")],
        costs=[CostItem(id=7, amount=D("16.00"))],
    )
    assert result.allocations == [
        Allocation("cost", 7, "costs", D("16.00")),
        Allocation("installment", 1, "principal", D("460.95")),
        Allocation("installment", 1, "interest", D("23.05")),
    ]


def test_costs_alone_absorb_a_small_payment():
    result = allocate(
        amount=D("10.00"), payment_date=PAID, installments=[inst(1, d(2025, 3, 17), "100")],
        costs=[CostItem(1, D("16.00"))],
    )  # fmt: skip
    assert result.allocations == [Allocation("cost", 1, "costs", D("10.00"))]


def test_oldest_arrear_of_indicated_type_then_oldest_overall_then_current():
    items = [
        inst(1, d(2025, 3, 17), "100", "0", "property_tax_person"),
        inst(2, d(2025, 3, 31), "100", "0", "waste_fee"),
        inst(3, d(2025, 5, 15), "100", "0", "property_tax_person"),
        inst(4, d(2025, 7, 15), "100", "0", "property_tax_person"),  # current
        inst(5, d(2025, 7, 31), "100", "0", "waste_fee"),  # current
        inst(6, d(2025, 7, 1), "100", "0", "property_tax_person"),  # current, earliest
    ]
    result = allocate(amount=D("650"), payment_date=PAID, installments=items, indicated_type="waste_fee")
    order = [a.item_id for a in result.allocations]
    assert order == [2, 1, 3, 5, 6, 4]
    assert result.remainder == D("50")
    result = allocate(amount=D("350"), payment_date=PAID, installments=items)
    assert [a.item_id for a in result.allocations] == [1, 2, 3, 6]
    assert result.allocations[-1].amount == D("50")


def test_due_on_payment_day_is_not_an_arrear():
    items = [inst(1, PAID, "100", "0", "a"), inst(2, d(2025, 6, 30), "100", "0", "b")]
    result = allocate(amount=D("100"), payment_date=PAID, installments=items, indicated_type="b")
    assert [a.item_id for a in result.allocations] == [2]


def test_overpayment_when_nothing_is_owed():
    result = allocate(amount=D("12.34"), payment_date=PAID, installments=[])
    assert result.allocations == []
    assert result.remainder == D("12.34")


def test_non_positive_refused():
    with pytest.raises(ValueError, match="positive"):
        allocate(amount=D("0"), payment_date=PAID, installments=[])


money = s.decimals(min_value=D("0.00"), max_value=D("5000"), places=2)
installments = s.lists(
    s.builds(
        inst,
        s.integers(1, 10**6),
        s.dates(min_value=d(2025, 1, 1), max_value=d(2025, 12, 31)),
        money,
        s.decimals(min_value=D("0"), max_value=D("500"), places=0),
        s.sampled_from(["a", "b", "c"]),
    ),
    max_size=8,
    unique_by=lambda i: i.id,
)
costs = s.lists(s.builds(CostItem, s.integers(1, 10**6), s.decimals(D("0.01"), D("50"), places=2)), max_size=3,
                unique_by=lambda c: c.id)  # fmt: skip


@given(s.decimals(min_value=D("0.01"), max_value=D("20000"), places=2), installments, costs,
       s.sampled_from([None, "a", "b", "c"]))  # fmt: skip
def test_properties(amount, items, cost_items, indicated):
    result = allocate(amount=amount, payment_date=PAID, installments=items, costs=cost_items, indicated_type=indicated)
    # no money created or lost
    assert result.allocated + result.remainder == amount
    assert result.remainder >= 0
    assert all(a.amount > 0 and a.amount == a.amount.quantize(D("0.01")) for a in result.allocations)
    # never more than owed
    owed = {("installment", i.id, "principal"): i.principal for i in items}
    owed |= {("installment", i.id, "interest"): i.interest for i in items}
    owed |= {("cost", c.id, "costs"): c.amount for c in cost_items}
    paid: dict = {}
    for a in result.allocations:
        key = (a.target, a.item_id, a.component)
        paid[key] = paid.get(key, 0) + a.amount
    assert all(paid[k] <= owed[k] for k in paid)
    # costs are covered before anything else
    kinds = [a.target for a in result.allocations]
    assert kinds == sorted(kinds, key=lambda k: k != "cost")
    if any(k == "installment" for k in kinds):
        assert all(paid.get(("cost", c.id, "costs"), 0) == c.amount for c in cost_items)
    # a remainder only when everything is paid
    if result.remainder > 0:
        assert all(paid.get(k, 0) == v for k, v in owed.items())
