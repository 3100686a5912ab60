"""Reduced / increased interest and no-interest periods (OP art. 54 §1, 56a, 56b): the pure effective rate table
with properties, a worked example to the grosz, balances and allocation agreeing, history kept (an adjustment does
not rewrite a payment), cancellation, refusals that write nothing, permissions, the account card and the API."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from hypothesis import given, settings
from hypothesis import strategies as s

from core import roles
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance import selectors
from finance.domain import interest_periods as ip
from finance.domain.interest import RatePeriod, interest_exact, rounded_interest
from finance.models import AccountEntry, InterestAdjustment, JournalEntry
from finance.services.interest_adjustments import interest_adjustment_add, interest_adjustment_cancel
from finance.services.payments import payment_allocate, payments_allocate_batch
from tests.factories import PersonFactory
from tests.finance.conftest_accounts import *  # noqa: F403

D = Decimal
d = datetime.date
MINIMUM = D("8.70")

# The seeded standard table from 2022 on (finance/data/interest_rates.csv); reduced = 50 %, increased = 150 %.
STANDARD = [
    RatePeriod(d(2016, 1, 1), D("8.0")), RatePeriod(d(2022, 2, 9), D("8.5")), RatePeriod(d(2022, 3, 9), D("10.0")),
    RatePeriod(d(2022, 4, 7), D("12.0")), RatePeriod(d(2022, 5, 6), D("13.5")), RatePeriod(d(2022, 6, 9), D("15.0")),
    RatePeriod(d(2022, 7, 8), D("16.0")), RatePeriod(d(2022, 9, 8), D("16.5")), RatePeriod(d(2023, 9, 7), D("15.0")),
    RatePeriod(d(2023, 10, 5), D("14.5")), RatePeriod(d(2025, 5, 8), D("13.5")), RatePeriod(d(2025, 7, 3), D("13.0")),
    RatePeriod(d(2025, 9, 4), D("12.5")), RatePeriod(d(2025, 10, 9), D("12.0")),
    RatePeriod(d(2025, 11, 6), D("11.5")), RatePeriod(d(2025, 12, 4), D("11.0")),
    RatePeriod(d(2026, 3, 5), D("10.5")),
]  # fmt: skip
REDUCED = [RatePeriod(r.valid_from, r.rate / 2) for r in STANDARD]
INCREASED = [RatePeriod(r.valid_from, r.rate * D("1.5")) for r in STANDARD]


def effective(*adjustments):
    return ip.effective_rates(STANDARD, REDUCED, INCREASED, list(adjustments))


# --- pure domain --------------------------------------------------------------------------------------------------

days = s.dates(min_value=d(2016, 1, 2), max_value=d(2026, 12, 31))
principals = s.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2)


@s.composite
def spans(draw):
    a, b = draw(days), draw(days)
    return min(a, b), max(a, b)


def test_no_adjustment_is_the_standard_table():
    assert effective() == STANDARD


def test_pieces_of_a_none_and_a_reduced_period():
    table = effective(
        ip.Adjustment("none", d(2025, 5, 1), d(2025, 5, 31)), ip.Adjustment("reduced", d(2025, 8, 1), None)
    )
    assert table[9:] == [
        RatePeriod(d(2023, 10, 5), D("14.5")),
        RatePeriod(d(2025, 5, 1), D("0")),  # 8.05.2025 (13.5 %) falls inside the none period
        RatePeriod(d(2025, 6, 1), D("13.5")),
        RatePeriod(d(2025, 7, 3), D("13.0")),
        RatePeriod(d(2025, 8, 1), D("6.5")),  # the reduced rate in force each day
        RatePeriod(d(2025, 9, 4), D("6.25")),
        RatePeriod(d(2025, 10, 9), D("6.0")),
        RatePeriod(d(2025, 11, 6), D("5.75")),
        RatePeriod(d(2025, 12, 4), D("5.5")),
        RatePeriod(d(2026, 3, 5), D("5.25")),
    ]


def test_overlaps_none_wins_then_the_latest_start():
    inc = ip.Adjustment("increased", d(2025, 1, 1), d(2025, 12, 31), order=1)
    red = ip.Adjustment("reduced", d(2025, 6, 1), d(2025, 6, 30), order=2)
    none = ip.Adjustment("none", d(2024, 1, 1), d(2025, 1, 10), order=3)
    assert ip.governing([inc, red, none], d(2025, 1, 5)) == none  # none wins although it starts earlier
    assert ip.governing([inc, red, none], d(2025, 6, 15)) == red  # the latest-starting one
    assert ip.governing([inc, red, none], d(2025, 7, 1)) == inc
    same_day = ip.Adjustment("reduced", d(2025, 1, 1), None, order=9)
    assert ip.governing([inc, same_day], d(2025, 3, 1)) == same_day  # same start: the later recorded


def test_clip_cuts_and_drops():
    a = ip.Adjustment("none", d(2025, 5, 1), d(2025, 5, 31), 7)
    assert ip.clip([a], after=d(2025, 5, 10)) == (ip.Adjustment("none", d(2025, 5, 11), d(2025, 5, 31), 7),)
    assert ip.clip([a], after=d(2025, 6, 1)) == ()
    assert ip.clip([a], until=d(2025, 5, 3)) == (ip.Adjustment("none", d(2025, 5, 1), d(2025, 5, 3), 7),)
    assert ip.clip([ip.Adjustment("reduced", d(2025, 5, 1))], until=d(2025, 4, 1)) == ()


@settings(max_examples=150, deadline=None)
@given(principals, spans())
def test_none_over_the_whole_span_gives_zero(principal, span):
    start, end = span
    assert interest_exact(principal, start, end, effective(ip.Adjustment("none", start, end))) == 0
    assert interest_exact(principal, start, end, effective(ip.Adjustment("none", d(2016, 1, 1)))) == 0


@settings(max_examples=150, deadline=None)
@given(principals, spans(), s.booleans())
def test_reduced_over_the_whole_span_is_half(principal, span, open_end):
    start, end = span
    standard = interest_exact(principal, start, end, STANDARD)
    adj = ip.Adjustment("reduced", start, None if open_end else end)
    reduced = interest_exact(principal, start, end, effective(adj))
    assert abs(reduced - standard / 2) <= D("0.01")
    increased = interest_exact(principal, start, end, effective(ip.Adjustment("increased", start, end)))
    assert abs(increased - standard * D("1.5")) <= D("0.01")


@settings(max_examples=150, deadline=None)
@given(principals, spans(), s.sampled_from(ip.KINDS), s.integers(1, 400), s.integers(0, 400), s.booleans())
def test_adjustments_outside_the_span_change_nothing(principal, span, kind, gap, length, before):
    start, end = span
    if before:
        adj_to = start - datetime.timedelta(days=gap)
        adj = ip.Adjustment(kind, adj_to - datetime.timedelta(days=length), adj_to)
    else:
        adj_from = end + datetime.timedelta(days=gap)
        adj = ip.Adjustment(kind, adj_from, adj_from + datetime.timedelta(days=length))
    assert interest_exact(principal, start, end, effective(adj)) == interest_exact(principal, start, end, STANDARD)


@settings(max_examples=150, deadline=None)
@given(principals, spans(), spans(), s.sampled_from(ip.KINDS), s.integers(0, 3000), s.booleans())
def test_splitting_an_adjustment_changes_nothing(principal, span, adj_span, kind, cut, open_end):
    start, end = span
    a_from, a_to = adj_span
    whole_to = None if open_end else a_to
    split = a_from + datetime.timedelta(days=cut % ((a_to - a_from).days + 1))
    whole = ip.Adjustment(kind, a_from, whole_to, order=1)
    first = ip.Adjustment(kind, a_from, split - datetime.timedelta(days=1), order=2)
    second = ip.Adjustment(kind, split, whole_to, order=3)
    parts = [second] if split == a_from else [first, second]
    assert interest_exact(principal, start, end, effective(*parts)) == interest_exact(
        principal, start, end, effective(whole)
    )


def test_worked_example_in_the_domain():
    """1 000.00 due 15.03.2025 (a Saturday → 17.03.2025, OP art. 12 §5), paid 15.09.2025, no interest
    01.05–31.05.2025. Interest runs 18.03–15.09.2025:

    ====================  ====  =====  ====================================
    period                days  rate   1000 × days × rate / 36 500
    ====================  ====  =====  ====================================
    18.03–30.04.2025      44    14.5   17.479452…
    01.05–31.05.2025      31    0      0 (art. 54 §1)
    01.06–02.07.2025      32    13.5   11.835616…
    03.07–03.09.2025      63    13.0   22.438356…
    04.09–15.09.2025      12    12.5    4.109589…
    ====================  ====  =====  ====================================

    Sum 55.863013… → 56 zł (only the sum rounded). Without the period: + 7 days at 14.5 (2.780821…) + 24 days at
    13.5 (8.876712…) = 67.520547… → 68 zł."""
    table = effective(ip.Adjustment("none", d(2025, 5, 1), d(2025, 5, 31)))
    exact = interest_exact(D("1000"), d(2025, 3, 18), d(2025, 9, 15), table)
    by_hand = (44 * D("14.5") + 32 * D("13.5") + 63 * D("13.0") + 12 * D("12.5")) * 1000 / 36500
    assert exact == by_hand
    assert exact.quantize(D("0.000001")) == D("55.863014")
    assert rounded_interest(exact, MINIMUM) == D("56")
    standard = interest_exact(D("1000"), d(2025, 3, 18), d(2025, 9, 15), STANDARD)
    assert standard.quantize(D("0.000001")) == D("67.520548")
    assert rounded_interest(standard, MINIMUM) == D("68")


# --- selectors, services, allocation ------------------------------------------------------------------------------

DUE, PAID = d(2025, 3, 15), d(2025, 9, 15)


@pytest.fixture
def account(person, property_tax, charge):
    account, _entry = charge(person, property_tax, [(DUE, "1000.00")], value_date=d(2025, 2, 20))
    return account


def counts():
    cancelled = InterestAdjustment.objects.filter(cancelled_at__isnull=False).count()
    return (InterestAdjustment.objects.count(), AccountEntry.objects.count(), JournalEntry.objects.count(),
            AuditEvent.objects.count(), cancelled)  # fmt: skip


MAY_1, MAY_31 = d(2025, 5, 1), d(2025, 5, 31)


def add(actor, account, kind="none", date_from=MAY_1, date_to=MAY_31, **kw):
    return interest_adjustment_add(
        actor=actor, account=account, kind=kind, date_from=date_from, date_to=date_to,
        legal_basis=kw.pop("legal_basis", "art. 54 § 1 pkt 7 Ordynacji podatkowej"), **kw,
    )  # fmt: skip


@pytest.mark.django_db
def test_worked_example_balance_and_allocation_agree(account, accountant, person, bank_payment):
    assert selectors.balance(account, as_of=PAID).interest == D("68")
    adj = add(accountant, account)
    assert selectors.balance(account, as_of=PAID).interest == D("56")
    assert selectors.balance(account, as_of=d(2025, 4, 30)).interest == D("17")  # 17.479452 before the period
    event = AuditEvent.objects.filter(action="finance.interest_adjustment.added").get()
    assert event.details["adjustment"] == adj.pk
    assert event.details["kind"] == "none"
    result = payment_allocate(payment=bank_payment(person, "1056.00", PAID))
    assert sorted((a.component, a.amount) for a in result.allocations) == [
        ("interest", D("56.00")), ("principal", D("1000.00"))
    ]  # fmt: skip
    assert result.remainder == D("0.00")
    b = selectors.balance(account, as_of=d(2025, 12, 31))
    assert (b.principal, b.interest, b.overpayment) == (D("0"), D("0"), D("0"))
    assert account.entries.get(kind="interest").amount == D("56.00")


@pytest.mark.django_db
def test_batch_allocation_sees_the_adjustment(account, accountant, person, bank_payment):
    add(accountant, account, kind="reduced", date_from=d(2025, 3, 18), date_to=None)
    payment = bank_payment(person, "1034.00", PAID)
    result = payments_allocate_batch(payments=[payment])[payment.pk]
    # reduced over the whole period: 67.520548 / 2 = 33.760274 → 34 zł
    assert sorted((a.component, a.amount) for a in result.allocations) == [
        ("interest", D("34.00")), ("principal", D("1000.00"))
    ]  # fmt: skip
    assert result.remainder == D("0.00")


@pytest.mark.django_db
def test_reduced_over_the_whole_period_is_half_rounded_at_the_end(account, accountant):
    add(accountant, account, kind="reduced", date_from=d(2025, 1, 1), date_to=None)
    assert selectors.balance(account, as_of=PAID).interest == D("34")  # 33.760274 → 34 (not 68 / 2 rounded twice)


@pytest.mark.django_db
def test_increased_and_installment_only(person, property_tax, charge, accountant):
    account, entry = charge(person, property_tax, [(DUE, "1000.00"), (d(2025, 5, 15), "1000.00")],
                            value_date=d(2025, 2, 20))  # fmt: skip
    _first, second = entry.installments.order_by("number")
    add(accountant, account, kind="increased", date_from=d(2025, 1, 1), date_to=None, installment=second)
    state = selectors.account_state(account, as_of=PAID)
    by_number = {v.number: v.state for v in state.installments}
    assert by_number[1].interest == D("68")  # unchanged
    # 16.05–15.09.2025 at 150 %: (48 × 13.5 + 63 × 13.0 + 12 × 12.5) × 1.5 × 1000 / 36500 = 66.452… → 66
    exact = (48 * D("13.5") + 63 * D("13.0") + 12 * D("12.5")) * D("1.5") * 1000 / 36500
    assert by_number[2].interest == rounded_interest(exact, MINIMUM) == D("66")


@pytest.mark.django_db
def test_an_adjustment_does_not_rewrite_a_payment(account, accountant, person, bank_payment):
    """A payment of 500.00 on 15.06.2025 is allocated at the standard rate; an adjustment recorded afterwards for
    01.05–31.07.2025 applies only from 16.06.2025 (the day after that payment)."""
    payment_allocate(payment=bank_payment(person, "500.00", d(2025, 6, 15)))
    before_payment_day = selectors.account_state(account, as_of=d(2025, 6, 15)).installments[0].state
    before_later = selectors.balance(account, as_of=PAID)
    entries = AccountEntry.objects.count()
    add(accountant, account, date_from=d(2025, 5, 1), date_to=d(2025, 7, 31))
    assert AccountEntry.objects.count() == entries  # nothing booked
    after_payment_day = selectors.account_state(account, as_of=d(2025, 6, 15)).installments[0].state
    assert after_payment_day == before_payment_day  # history
    st = after_payment_day
    later = selectors.balance(account, as_of=PAID)
    # no interest 16.06–31.07, then the standard rate 01.08–15.09 on the principal left
    accrual = interest_exact(st.principal, d(2025, 8, 1), PAID, STANDARD)
    assert later.interest == st.interest_carried + rounded_interest(accrual, MINIMUM)
    assert later.interest < before_later.interest
    assert later.principal == before_later.principal == st.principal


@pytest.mark.django_db
def test_cancellation_restores_the_standard_result(account, accountant):
    adj = add(accountant, account)
    assert selectors.balance(account, as_of=PAID).interest == D("56")
    interest_adjustment_cancel(actor=accountant, adjustment=adj, reason="Decyzja uchylona")
    adj.refresh_from_db()
    assert adj.cancelled_at is not None
    assert adj.cancelled_by == accountant
    assert adj.cancel_reason == "Decyzja uchylona"
    assert selectors.balance(account, as_of=PAID).interest == D("68")
    assert AuditEvent.objects.filter(action="finance.interest_adjustment.cancelled").count() == 1


@pytest.mark.django_db
def test_cancellation_after_a_payment_keeps_that_payment(account, accountant, person, bank_payment):
    adj = add(accountant, account)  # none 01.05–31.05
    payment_allocate(payment=bank_payment(person, "500.00", d(2025, 6, 15)))
    at_payment = selectors.account_state(account, as_of=d(2025, 6, 15)).installments[0].state
    interest_adjustment_cancel(actor=accountant, adjustment=adj, reason="Błąd")
    assert selectors.account_state(account, as_of=d(2025, 6, 15)).installments[0].state == at_payment


@pytest.mark.django_db
def test_refusals_write_nothing(account, accountant, person, property_tax, charge):
    _other, other_charge = charge(PersonFactory(), property_tax, [(DUE, "10.00")], value_date=d(2025, 2, 20))
    foreign = other_charge.installments.get()
    own = account.entries.get(kind="charge").installments.get()
    before = counts()
    cases = [
        ({"legal_basis": "  "}, "legal_basis"),
        ({"date_from": d(2025, 6, 1), "date_to": d(2025, 5, 1)}, "date_to"),
        ({"kind": "half"}, "kind"),
        ({"installment": foreign}, "installment"),
        ({"installment": own, "date_from": d(2025, 1, 1), "date_to": d(2025, 3, 17)}, "date_to"),
        ({"legal_basis": "x" * 201}, "legal_basis"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ServiceValidationError) as exc:
            add(accountant, account, **kwargs)
        assert field in exc.value.errors
    assert counts() == before
    adj = add(accountant, account)
    before = counts()
    with pytest.raises(ServiceValidationError):
        interest_adjustment_cancel(actor=accountant, adjustment=adj, reason=" ")
    assert counts() == before
    interest_adjustment_cancel(actor=accountant, adjustment=adj, reason="ok")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        interest_adjustment_cancel(actor=accountant, adjustment=adj, reason="again")
    assert exc.value.code == "already_cancelled"
    assert counts() == before


@pytest.mark.django_db
def test_no_interest_receivable_is_refused(person, property_tax, charge, accountant):
    account, _e = charge(person, property_tax, [(DUE, "100.00")], value_date=d(2025, 2, 20))
    property_tax.interest_applies = False
    property_tax.save(update_fields=["interest_applies"])
    before = counts()
    with pytest.raises(ApplicationError):
        add(accountant, account)
    assert counts() == before


@pytest.mark.django_db
def test_permission(account, accountant, make_user):
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik-test")
    before = counts()
    with pytest.raises(ApplicationError) as exc:
        add(head, account)
    assert exc.value.code == "forbidden"
    assert counts() == before
    adj = add(accountant, account)
    before = counts()
    with pytest.raises(ApplicationError):
        interest_adjustment_cancel(actor=head, adjustment=adj, reason="x")
    assert counts() == before


@pytest.mark.django_db
def test_balances_keep_a_constant_number_of_queries(accountant, property_tax, charge):
    accounts = []
    for _i in range(6):
        account, _e = charge(PersonFactory(), property_tax, [(DUE, "100.00")], value_date=d(2025, 2, 20))
        accounts.append(account)

    def queries(n):
        with CaptureQueriesContext(connection) as ctx:
            selectors.balances(accounts[:n], as_of=PAID)
        return len(ctx.captured_queries)

    without = queries(2), queries(6)
    assert without[0] == without[1]
    for a in accounts:
        add(accountant, a, kind="reduced", date_from=d(2025, 4, 1), date_to=None)
    with_adj = queries(2), queries(6)
    assert with_adj[0] == with_adj[1] == without[0] + 1  # the allocations the adjustments are cut at


# --- screens and API ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_card_lists_adds_and_cancels(client, account, accountant):
    client.force_login(accountant)
    url = reverse("finance:account-detail", args=[account.pk])
    response = client.post(reverse("finance:interest-adjustment-add", args=[account.pk]), {
        "kind": "none", "date_from": "2025-05-01", "date_to": "2025-05-31", "legal_basis": "art. 54 § 1 pkt 7",
        "reason": "Decyzja doręczona po 3 miesiącach",
    })  # fmt: skip
    assert response.status_code == 302
    assert response.url == url
    adj = InterestAdjustment.objects.get()
    page = client.get(url, {"as_of": "2025-09-15"}).content.decode()
    assert "art. 54 § 1 pkt 7" in page
    assert gettext("Interest adjustments") in page
    assert 'data-testid="interest-adjustment-table"' in page
    response = client.post(reverse("finance:interest-adjustment-cancel", args=[account.pk, adj.pk]), {"reason": "Błąd"})
    assert response.status_code == 302
    adj.refresh_from_db()
    assert adj.cancelled_at is not None


@pytest.mark.django_db
def test_account_card_form_errors_write_nothing(client, account, accountant):
    client.force_login(accountant)
    before = counts()
    response = client.post(reverse("finance:interest-adjustment-add", args=[account.pk]), {
        "kind": "none", "date_from": "2025-05-01", "date_to": "2025-04-01", "legal_basis": "",
    })  # fmt: skip
    assert response.status_code == 422
    assert counts()[:1] == before[:1]
    assert counts()[1:3] == before[1:3]


@pytest.mark.django_db
def test_account_card_refuses_without_permission(client, account, make_user):
    viewer = make_user(roles.HEAD_OF_UNIT, username="kierownik-2")
    client.force_login(viewer)
    response = client.post(reverse("finance:interest-adjustment-add", args=[account.pk]), {
        "kind": "none", "date_from": "2025-05-01", "legal_basis": "x",
    })  # fmt: skip
    assert response.status_code in (403, 404)
    assert InterestAdjustment.objects.count() == 0


@pytest.mark.django_db
def test_api_list_add_cancel(client, account, accountant, make_user):
    client.force_login(accountant)
    url = reverse("api-finance-account-interest-adjustments", args=[account.pk])
    response = client.post(url, {"kind": "reduced", "date_from": "2025-03-18", "legal_basis": "art. 56a § 1"},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reduced"
    assert body["date_to"] is None
    assert body["cancelled_at"] is None
    assert client.get(reverse("api-finance-account", args=[account.pk]), {"as_of": "2025-09-15"}).json()[
        "balance"]["interest"] == "34.00"  # fmt: skip
    listed = client.get(url).json()
    assert [row["id"] for row in listed] == [body["id"]]
    bad = client.post(url, {"kind": "none", "date_from": "2025-05-01", "legal_basis": ""},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400
    assert "legal_basis" in bad.json()["errors"]
    cancel = reverse("api-finance-account-interest-adjustment-cancel", args=[account.pk, body["id"]])
    response = client.post(cancel, {"reason": "Korekta uchylona"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["cancelled_at"]
    again = client.post(cancel, {"reason": "x"}, content_type="application/json")
    assert again.status_code in (400, 409)
    assert again.json()["code"] == "already_cancelled"
    head = make_user(roles.HEAD_OF_UNIT, username="kierownik-api")
    client.force_login(head)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"kind": "none", "date_from": "2025-05-01", "legal_basis": "x"},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code in (403, 404)
    assert InterestAdjustment.objects.count() == 1
