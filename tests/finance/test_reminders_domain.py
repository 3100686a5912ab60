"""Who gets a reminder: E8 thresholds, the limitation date, the notice window, covered arrears (pure)."""

import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from finance.domain import collection as c

D = Decimal
ISSUE = datetime.date(2026, 6, 1)
RULES = c.Rules(reminder_cost=D("16.00"), threshold_multiple=D(10), margin_months=6, notice_window_days=21)


def _debtor(*arrears, notice=None):
    return c.Debtor(party_id=1, arrears=tuple(arrears), notice_sent_on=notice, notice_id=7 if notice else None)


def _arrear(principal, interest="0", due=datetime.date(2026, 3, 16), covered=False, inst=1):
    return c.Arrear(1, inst, "property_tax_person", due, D(principal), D(interest), covered)


def test_e8_153_is_not_reminded_now():
    p = c.decide(_debtor(_arrear("150.00", "3.00")), RULES, ISSUE)
    assert (p.reason, p.why_not, p.items) == (None, c.BELOW_THRESHOLD, ())


def test_e8_200_is_reminded_immediately():
    p = c.decide(_debtor(_arrear("200.00")), RULES, ISSUE)
    assert (p.reason, p.total, p.limitation_date) == (c.THRESHOLD, D("200.00"), datetime.date(2031, 12, 31))


def test_e8_boundary_160_00_not_immediate_160_01_immediate():
    assert RULES.threshold == D("160.00")
    assert c.decide(_debtor(_arrear("157.00", "3.00")), RULES, ISSUE).reason is None
    assert c.decide(_debtor(_arrear("157.01", "3.00")), RULES, ISSUE).reason == c.THRESHOLD


def test_several_receivables_of_one_debtor_sum_and_go_in_one_reminder():
    p = c.decide(_debtor(_arrear("100.00", inst=1), _arrear("60.01", inst=2, due=datetime.date(2026, 5, 15))),
                 RULES, ISSUE)  # fmt: skip
    assert p.reason == c.THRESHOLD
    assert [a.installment_id for a in p.items] == [1, 2]


def test_limitation_date_is_end_of_year_plus_five():
    assert c.limitation_date(datetime.date(2021, 3, 15)) == datetime.date(2026, 12, 31)
    assert c.limitation_date(datetime.date(2021, 12, 31)) == datetime.date(2026, 12, 31)


def test_small_arrear_reminded_when_limitation_less_than_six_months_away():
    old = datetime.date(2021, 3, 15)  # limitation 31.12.2026
    assert c.decide(_debtor(_arrear("150.00", "3.00", due=old)), RULES, datetime.date(2026, 7, 1)).reason == (
        c.LIMITATION
    )
    # 30.06.2026 + 6 months = 30.12.2026 < 31.12.2026: not yet; a day later it is
    assert c.decide(_debtor(_arrear("150.00", due=old)), RULES, datetime.date(2026, 6, 30)).reason is None
    assert c.decide(_debtor(_arrear("150.00", due=old)), RULES, datetime.date(2026, 7, 1)).reason == c.LIMITATION


def test_add_months_clamps_to_month_end():
    assert c.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)


def test_notice_window_delays_a_reminder_above_threshold_for_21_days():
    sent = ISSUE - datetime.timedelta(days=20)
    p = c.decide(_debtor(_arrear("200.00"), notice=sent), RULES, ISSUE)
    assert (p.reason, p.why_not) == (None, c.NOTICE_WINDOW)
    p = c.decide(_debtor(_arrear("200.00"), notice=ISSUE - datetime.timedelta(days=21)), RULES, ISSUE)
    assert (p.reason, p.notice_id) == (c.NOTICE, 7)


def test_notice_window_does_not_delay_a_near_limitation():
    p = c.decide(
        _debtor(_arrear("200.00", due=datetime.date(2021, 1, 15)), notice=datetime.date(2026, 6, 30)),
        RULES, datetime.date(2026, 7, 1),
    )  # fmt: skip
    assert p.reason == c.LIMITATION


def test_covered_arrears_neither_count_nor_are_reminded():
    p = c.decide(_debtor(_arrear("500.00", covered=True, inst=1), _arrear("100.00", inst=2)), RULES, ISSUE)
    assert (p.reason, p.why_not) == (None, c.BELOW_THRESHOLD)
    p = c.decide(_debtor(_arrear("500.00", covered=True)), RULES, ISSUE)
    assert (p.reason, p.why_not) == (None, c.NOTHING_OPEN)


amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)


@given(st.lists(st.tuples(amounts, amounts, st.booleans()), min_size=1, max_size=6))
def test_property_reminded_items_are_exactly_the_uncovered_ones_and_threshold_rule_holds(rows):
    arrears = [_arrear(p, i, covered=cov, inst=n) for n, (p, i, cov) in enumerate(rows)]
    p = c.decide(_debtor(*arrears), RULES, ISSUE)
    open_total = sum((a.total for a in arrears if not a.covered), D(0))
    if p.reason:
        assert {a.installment_id for a in p.items} == {a.installment_id for a in arrears if not a.covered}
        assert p.total == open_total
    # due 2026: limitation 2031, far away — so reminded iff above the threshold
    assert (p.reason == c.THRESHOLD) == (open_total > RULES.threshold)
