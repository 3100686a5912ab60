"""Ledger reports on constructed journal entries (exact to the grosz): the trial balance (zestawienie obrotów i sald)
with analytic balances of 221 on both sides, the turnover of one account, receipts per budget classification; the
month closing; the screens, CSV files and the API."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.models import AuditEvent
from finance.models import AccountingPeriod, ObligorAccount, ReceivableType
from finance.services.ledger import Line, PeriodClosed, journal_post, period_close, post_event
from finance.services.reports import account_turnover, receipts_by_classification, trial_balance
from tests.factories import PersonFactory
from tests.finance.conftest_ledger import *  # noqa: F403 — fixtures

pytestmark = pytest.mark.django_db
D = Decimal
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def _account(code):
    return ObligorAccount.objects.create(
        party=PersonFactory(), receivable_type=ReceivableType.objects.get(code=code), year=2026
    )


@pytest.fixture
def ledger():
    """February: charges A 1000, B 500, C 100 (221/720). March: payments A 600, B 700, C 130 (133/221), an
    unidentified 50 (133/240), a refund of B's overpayment 200 (221/133). April: a payment A 100 (outside)."""
    a, b, c = _account("property_tax_person"), _account("waste_fee"), _account("property_tax_legal")
    feb, mar = datetime.date(2026, 2, 16), datetime.date(2026, 3, 17)
    for account, amount in ((a, "1000.00"), (b, "500.00"), (c, "100.00")):
        post_event(event="charge", component="principal", amount=D(amount), date=feb, description="Przypis",
                   obligor_account=account)  # fmt: skip
    for account, amount in ((a, "600.00"), (b, "700.00"), (c, "130.00")):
        post_event(event="payment_bank", component="principal", amount=D(amount), date=mar, description="Wpłata",
                   obligor_account=account)  # fmt: skip
    post_event(event="unidentified", component="principal", amount=D("50.00"), date=mar, description="?")
    post_event(event="refund", component="principal", amount=D("200.00"), date=datetime.date(2026, 3, 25),
               description="Zwrot", obligor_account=b)  # fmt: skip
    post_event(event="payment_bank", component="principal", amount=D("100.00"), date=datetime.date(2026, 4, 2),
               description="Wpłata", obligor_account=a)  # fmt: skip
    return a, b, c


def _rows(report):
    return {r.number: r.values() for r in report.rows}


def test_trial_balance_exact_with_analytic_balances_on_both_sides(ledger):
    report = trial_balance(date_from=MARCH[0], date_to=MARCH[1])
    #                opening Wn, Ma            turnover Wn, Ma              closing Wn, Ma
    assert _rows(report) == {
        "133": [D("0"), D("0"), D("1480.00"), D("200.00"), D("1280.00"), D("0")],
        "221": [D("1600.00"), D("0"), D("200.00"), D("1430.00"), D("400.00"), D("30.00")],
        "240": [D("0"), D("0"), D("0"), D("50.00"), D("0"), D("50.00")],
        "720": [D("0"), D("1600.00"), D("0"), D("0"), D("0"), D("1600.00")],
    }
    assert report.totals.values() == [D("1600.00"), D("1600.00"), D("1680.00"), D("1680.00"), D("1680.00"),
                                      D("1680.00")]  # fmt: skip
    assert report.balanced


def test_trial_balance_of_the_whole_year_and_of_an_empty_period(ledger):
    year = trial_balance(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31))
    assert year.totals.turnover_debit == year.totals.turnover_credit == D("3380.00")
    assert _rows(year)["221"][4:] == [D("300.00"), D("30.00")]  # A 300 after April, C overpaid 30
    empty = trial_balance(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2025, 12, 31))
    assert empty.rows == []
    assert empty.balanced
    with pytest.raises(ApplicationError):
        trial_balance(date_from=MARCH[1], date_to=MARCH[0])


def test_account_turnover_with_the_analytic_account(ledger):
    a, b, c = ledger
    report = account_turnover(number="221", date_from=MARCH[0], date_to=MARCH[1])
    assert (report.opening, report.turnover_debit, report.turnover_credit, report.closing) == (
        D("1600.00"), D("200.00"), D("1430.00"), D("370.00"))  # fmt: skip
    assert [(line.entry.date, line.obligor_account_id, line.debit, line.credit) for line in report.lines] == [
        (datetime.date(2026, 3, 17), a.pk, D("0"), D("600.00")),
        (datetime.date(2026, 3, 17), b.pk, D("0"), D("700.00")),
        (datetime.date(2026, 3, 17), c.pk, D("0"), D("130.00")),
        (datetime.date(2026, 3, 25), b.pk, D("200.00"), D("0")),
    ]
    only_c = account_turnover(number="221", date_from=MARCH[0], date_to=MARCH[1], obligor_account=c)
    assert (only_c.opening, only_c.closing, only_c.closing_sides) == (D("100.00"), D("-30.00"), (D("0"), D("30.00")))


def test_receipts_per_budget_classification(ledger):
    rows = receipts_by_classification(date_from=MARCH[0], date_to=MARCH[1])
    assert [(r.dzial, r.rozdzial, r.paragraf, r.receipts, r.refunds, r.net) for r in rows] == [
        ("756", "75615", "0310", D("130.00"), D("0"), D("130.00")),
        ("756", "75616", "0310", D("600.00"), D("0"), D("600.00")),
        ("900", "90002", "0490", D("700.00"), D("200.00"), D("500.00")),
    ]


def test_a_reversed_receipt_is_taken_back(ledger):
    a, _b, _c = ledger
    payment = post_event(event="payment_bank", component="principal", amount=D("10.00"),
                         date=datetime.date(2026, 3, 18), description="Wpłata", obligor_account=a)  # fmt: skip
    journal_post(date=datetime.date(2026, 3, 19), event="reversal", description="Storno", reverses=payment, lines=[
        Line(account=x.account.number, debit=x.credit, credit=x.debit, obligor_account_id=x.obligor_account_id,
             dzial=x.dzial, rozdzial=x.rozdzial, paragraf=x.paragraf) for x in payment.lines.all()])  # fmt: skip
    rows = {r.rozdzial + r.paragraf: r for r in receipts_by_classification(date_from=MARCH[0], date_to=MARCH[1])}
    assert (rows["756160310"].receipts, rows["756160310"].refunds, rows["756160310"].net) == (
        D("610.00"), D("10.00"), D("600.00"))  # fmt: skip


def test_month_closing_rules(accountant, tax_clerk_user, today):
    with pytest.raises(ApplicationError) as exc:
        period_close(actor=accountant, year=2026, month=3)  # the current month
    assert exc.value.code == "invalid"
    with pytest.raises(ApplicationError):
        period_close(actor=accountant, year=2026, month=4)  # the future
    with pytest.raises(ApplicationError) as exc:
        period_close(actor=tax_clerk_user, year=2026, month=2)
    assert exc.value.code == "forbidden"
    AccountingPeriod.objects.create(year=2026, month=1)  # January is open
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        period_close(actor=accountant, year=2026, month=2)
    assert exc.value.code == "invalid"
    assert not AccountingPeriod.objects.filter(year=2026, month=2).exists()
    assert AuditEvent.objects.count() == events
    period_close(actor=accountant, year=2026, month=1)
    closed = period_close(actor=accountant, year=2026, month=2)
    assert closed.closed_by == accountant
    with pytest.raises(PeriodClosed):
        post_event(event="unidentified", component="principal", amount=D("1.00"), date=datetime.date(2026, 2, 27),
                   description="x")  # fmt: skip


def test_screens_and_csv(client, ledger, accountant, tax_clerk_user, today):
    client.force_login(tax_clerk_user)
    assert client.get(reverse("finance:ledger-trial-balance")).status_code == 403
    client.force_login(accountant)
    page = client.get(reverse("finance:ledger-trial-balance"), {"from": "01.03.2026", "to": "31.03.2026"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "1\xa0680,00\xa0zł" in html
    assert "1\xa0280,00\xa0zł" in html
    csv = client.get(reverse("finance:ledger-trial-balance"), {"from": "01.03.2026", "to": "31.03.2026",
                                                                "format": "csv"})  # fmt: skip
    assert csv["Content-Type"].startswith("text/csv")
    rows = csv.content.decode("utf-8-sig").split("\r\n")
    assert rows[2] == "221;Należności z tytułu dochodów budżetowych;1600,00;0,00;200,00;1430,00;400,00;30,00"
    assert rows[-2].endswith(";1600,00;1600,00;1680,00;1680,00;1680,00;1680,00")
    turnover = client.get(reverse("finance:ledger-account-turnover", args=["221"]), {"from": "01.03.2026",
                                                                                     "to": "31.03.2026"})  # fmt: skip
    assert turnover.status_code == 200
    assert "1\xa0430,00\xa0zł" in turnover.content.decode()
    assert AuditEvent.objects.filter(action="finance.ledger.turnover_viewed").count() == 1
    unknown = client.get(reverse("finance:ledger-account-turnover", args=["999"]), {"from": "01.03.2026"})
    assert unknown.status_code == 404
    classification = client.get(reverse("finance:ledger-classification"),
                                {"from": "01.03.2026", "to": "31.03.2026", "format": "csv"})  # fmt: skip
    assert classification.content.decode("utf-8-sig").split("\r\n")[3] == "900;90002;0490;700,00;200,00;500,00"
    periods = client.get(reverse("finance:ledger-periods"))
    assert periods.status_code == 200
    assert "03.2026" in periods.content.decode()
    refused = client.post(reverse("finance:ledger-periods"), {"year": 2026, "month": 3})
    assert refused.status_code == 422
    assert not AccountingPeriod.objects.exists()
    done = client.post(reverse("finance:ledger-periods"), {"year": 2026, "month": 2})
    assert done.status_code == 302
    assert AccountingPeriod.objects.get().closed_at is not None


def test_api(client, ledger, accountant, tax_clerk_user, today):
    client.force_login(tax_clerk_user)
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    assert client.get(reverse("api-finance-ledger-trial-balance"), march).status_code == 403
    client.force_login(accountant)
    body = client.get(reverse("api-finance-ledger-trial-balance"), {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert body["balanced"] is True
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"] == "1680.00"
    assert next(r for r in body["rows"] if r["account"] == "221")["closing_credit"] == "30.00"
    bad = client.get(reverse("api-finance-ledger-trial-balance"), {"from": "2026-03-31", "to": "2026-03-01"})
    assert bad.status_code == 400
    assert "to" in bad.json()["errors"]
    missing = client.get(reverse("api-finance-ledger-trial-balance"))
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"from", "to"}
    turnover = client.get(reverse("api-finance-ledger-account-turnover", args=["221"]),
                          {"from": "2026-03-01", "to": "2026-03-31"}).json()  # fmt: skip
    assert (turnover["opening_balance"], turnover["closing_balance"], turnover["count"]) == ("1600.00", "370.00", 4)
    assert client.get(reverse("api-finance-ledger-account-turnover", args=["999"]),
                      {"from": "2026-03-01", "to": "2026-03-31"}).status_code == 404  # fmt: skip
    classification = client.get(reverse("api-finance-ledger-classification"),
                                {"from": "2026-03-01", "to": "2026-03-31"}).json()  # fmt: skip
    assert classification["total"] == {"dzial": "", "rozdzial": "", "paragraf": "", "receipts": "1430.00",
                                       "refunds": "200.00", "net": "1230.00"}  # fmt: skip
    refused = client.post(reverse("api-finance-ledger-periods"), {"year": 2026, "month": 3},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 400
    assert not AccountingPeriod.objects.exists()
    closed = client.post(reverse("api-finance-ledger-periods"), {"year": 2026, "month": 2},
                         content_type="application/json")  # fmt: skip
    assert closed.status_code == 201
    listed = client.get(reverse("api-finance-ledger-periods")).json()
    assert [(p["year"], p["month"], p["closed_by"]) for p in listed] == [(2026, 2, accountant.username)]


def test_menu_entries_follow_the_permissions(accountant, tax_clerk_user):
    from core.navigation import menu_for

    keys = {item["key"] for item in menu_for(accountant)}
    assert {"finance-ledger", "finance-refunds"} <= keys
    assert not {"finance-ledger", "finance-refunds"} & {item["key"] for item in menu_for(tax_clerk_user)}
