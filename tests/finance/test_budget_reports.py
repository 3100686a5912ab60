"""Rb-27S and the dashboard on the budget scenario (tests/finance/conftest_budget.py): exact per line, totals equal
to the ledger (trial balance and account turnover), XML valid against the XSD."""

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from core.exceptions import ServiceValidationError
from finance.domain import rb27s
from finance.models import JournalLine
from finance.services import budget_reports as br
from finance.services.reports import account_turnover, trial_balance
from tests.finance.conftest_budget import *  # noqa: F403
from tests.finance.conftest_budget import PERIOD_END

pytestmark = pytest.mark.django_db
D = Decimal
START = datetime.date(2026, 1, 1)


def _rows(report):
    return {line.key: line.values() for line in report.lines}


def test_rb27s_per_line_exact(budget_scenario):
    report = br.rb27s_report(year=2026, period_end=PERIOD_END)
    assert _rows(report) == {
        # plan, należności, dochody wykonane, zaległości, nadpłaty
        ("756", "75615", "0310"): [D("1000.00"), D("0.00"), D("0.00"), D("100.00"), D("0.00")],
        ("756", "75616", "0310"): [D("2000.00"), D("1100.00"), D("600.00"), D("500.00"), D("0.00")],
        ("756", "75616", "0320"): [D("500.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")],
        ("900", "90002", "0490"): [D("3500.00"), D("3000.00"), D("3010.00"), D("0.00"), D("10.00")],
        ("900", "90002", "0640"): [D("0.00"), D("16.00"), D("16.00"), D("0.00"), D("0.00")],
        ("900", "90002", "0910"): [D("0.00"), D("54.00"), D("54.00"), D("0.00"), D("0.00")],
    }
    assert [line.key for line in report.lines] == sorted(_rows(report))
    assert report.totals.values() == [D("7000.00"), D("4170.00"), D("3680.00"), D("600.00"), D("10.00")]


def test_rb27s_totals_equal_the_ledger(budget_scenario):
    report = br.rb27s_report(year=2026, period_end=PERIOD_END)
    t = report.totals
    tb = {row.number: row for row in trial_balance(date_from=START, date_to=PERIOD_END).rows}

    def lines(number, events):
        return JournalLine.objects.filter(
            account__number=number, entry__event__in=events, entry__date__gte=START, entry__date__lte=PERIOD_END
        )

    def debit(qs):
        return sum((x.debit for x in qs), D("0"))

    def credit(qs):
        return sum((x.credit for x in qs), D("0"))

    # Receipts = credit turnover of 221 from receipt events net of refunds = debit turnover of 133 + 101 (the money
    # that reached the budget account and the cash desk) less the refunds paid out of 133.
    receipt_lines = lines("221", br.RECEIPT_EVENTS)
    assert t.receipts == credit(receipt_lines) - debit(receipt_lines) == D("3680.00")
    cash = account_turnover(number="101", date_from=START, date_to=PERIOD_END)
    bank = account_turnover(number="133", date_from=START, date_to=PERIOD_END)
    assert t.receipts == cash.turnover_debit + bank.turnover_debit - bank.turnover_credit
    # Charges = debit turnover of 221 from charge/interest/reminder_cost less the credits of reductions; the whole
    # debit turnover of 221 additionally holds only the refund (221/133).
    charge_lines, reduction_lines = lines("221", br.CHARGE_EVENTS), lines("221", br.REDUCTION_EVENTS)
    assert t.charges == debit(charge_lines) - credit(reduction_lines) == D("4170.00")
    assert tb["221"].turnover_debit == debit(charge_lines) + debit(lines("221", ["refund"])) == D("4290.00")
    # Revenue (720) credited in the period = charges (no cash_revenue here): 720 Ma − Wn.
    assert tb["720"].turnover_credit - tb["720"].turnover_debit == t.charges
    # Overpayments = credit balances of 221's analytics in the trial balance; arrears = its debit balances here
    # (every remaining principal is past due at 31.03).
    assert t.overpayments == tb["221"].closing_credit == D("10.00")
    assert t.arrears == tb["221"].closing_debit == D("600.00")
    # Per line: receipts equal the ledger's receipts per classification.
    from finance.services.reports import receipts_by_classification

    by_cls = {
        (r.dzial, r.rozdzial, r.paragraf): r.net
        for r in receipts_by_classification(date_from=START, date_to=PERIOD_END)
    }
    assert {line.key: line.receipts for line in report.lines if line.receipts} == by_cls


def test_rb27s_earlier_period_and_bad_periods(budget_scenario):
    january = br.rb27s_report(year=2026, period_end=datetime.date(2026, 1, 31))
    # At 31.01: both charges, the cash payment; B's 3 000,00 (due 15.01) and C's 100,00 are arrears.
    assert january.totals.values() == [D("7000.00"), D("4200.00"), D("600.00"), D("3100.00"), D("0.00")]
    assert _rows(january)[("900", "90002", "0490")] == [D("3500.00"), D("3000.00"), D("0.00"), D("3000.00"), D("0.00")]
    for year, end in ((2026, datetime.date(2026, 3, 30)), (2026, datetime.date(2025, 12, 31)), ("x", PERIOD_END)):
        with pytest.raises(ServiceValidationError):
            br.rb27s_report(year=year, period_end=end)


def test_rb27s_xml_is_valid_against_the_schema(budget_scenario):
    report = br.rb27s_report(year=2026, period_end=PERIOD_END)
    xml = br.rb27s_xml(report, office="Urząd Gminy")
    schema = etree.XMLSchema(etree.parse(str(br.XSD_PATH)))
    document = etree.fromstring(xml)
    assert schema.validate(etree.ElementTree(document))
    ns = {"r": br.XML_NS}
    assert document.findtext("r:Razem/r:DochodyWykonane", namespaces=ns) == "3680.00"
    item = document.find("r:Pozycje/r:Pozycja[@paragraf='0490']", namespaces=ns)
    assert (item.get("dzial"), item.findtext("r:Nadplaty", namespaces=ns)) == ("900", "10.00")
    assert len(document.findall("r:Pozycje/r:Pozycja", namespaces=ns)) == 6
    # A document breaking the layout is rejected by the schema.
    item.find("r:Plan", namespaces=ns).text = "12.5"
    assert not schema.validate(etree.ElementTree(document))


def test_rb27s_csv_rows(budget_scenario):
    header, rows = br.rb27s_csv(br.rb27s_report(year=2026, period_end=PERIOD_END))
    assert len(header) == 8
    assert rows[1] == ["756", "75616", "0310", D("2000.00"), D("1100.00"), D("600.00"), D("500.00"), D("0.00")]
    assert rows[-1][3:] == [D("7000.00"), D("4170.00"), D("3680.00"), D("600.00"), D("10.00")]


def test_dashboard_numbers_exact(budget_scenario):
    data = br.dashboard(year=2026, as_of=PERIOD_END)
    assert [(x["receivable_type"], x["charges"], x["receipts"], x["rate"]) for x in data["collection"]] == [
        ("property_tax_person", D("1100.00"), D("600.00"), D("54.55")),
        ("waste_fee", D("3070.00"), D("3080.00"), D("100.33")),
    ]
    ageing = {
        x["receivable_type"]: {b["bucket"]: (b["amount"], b["count"]) for b in x["buckets"]} for x in data["ageing"]
    }
    assert ageing == {
        "property_tax_legal": {"0-30": (D("0.00"), 0), "31-90": (D("0.00"), 0), "91-365": (D("0.00"), 0),
                               ">365": (D("100.00"), 1)},
        "property_tax_person": {"0-30": (D("500.00"), 1), "31-90": (D("0.00"), 0), "91-365": (D("0.00"), 0),
                                ">365": (D("0.00"), 0)},
    }  # fmt: skip
    months = [x["receipts"] for x in data["receipts_per_month"]]
    assert months == [D("600.00"), D("0.00"), D("3080.00")] + [D("0.00")] * 9
    assert sum(months) == br.rb27s_report(year=2026, period_end=datetime.date(2026, 12, 31)).totals.receipts


def test_domain_build_report_and_buckets():
    report = rb27s.build_report(
        year=2026, period_end=PERIOD_END, plan={("750", "75023", "0690"): D("10.00")},
        charges={("756", "75616", "0310"): D("5.00"), ("900", "90002", "0490"): D("0.00")}, receipts={}, arrears={},
        overpayments={},
    )  # fmt: skip
    assert [x.key for x in report.lines] == [("750", "75023", "0690"), ("756", "75616", "0310")]
    assert report.totals.values() == [D("10.00"), D("5.00"), D("0"), D("0"), D("0")]
    assert [rb27s.age_bucket(d) for d in (1, 30, 31, 90, 91, 365, 366)] == [
        "0-30", "0-30", "31-90", "31-90", "91-365", "91-365", ">365"]  # fmt: skip
    assert rb27s.period_end_valid(2026, datetime.date(2026, 2, 28))
    assert not rb27s.period_end_valid(2026, datetime.date(2026, 2, 27))


# --- stornos posted under their own event (a cancelled KP, an un-allocated payment, an RC reversal) ----------------


def test_rb27s_with_stornos_per_line_exact(storno_scenario):
    report = br.rb27s_report(year=2026, period_end=PERIOD_END)
    assert _rows(report) == {
        # plan, należności, dochody wykonane, zaległości, nadpłaty
        ("756", "75615", "0310"): [D("1000.00"), D("0.00"), D("0.00"), D("100.00"), D("0.00")],
        # E: re-resolved, counted once: interest 70,73 for 15.01–16.03, 3 929,27 on the principal
        ("756", "75615", "0340"): [D("0.00"), D("4000.00"), D("3929.27"), D("70.73"), D("0.00")],
        ("756", "75615", "0910"): [D("0.00"), D("70.73"), D("70.73"), D("0.00"), D("0.00")],
        ("756", "75616", "0310"): [D("2000.00"), D("1100.00"), D("600.00"), D("500.00"), D("0.00")],
        ("756", "75616", "0320"): [D("500.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")],
        # D: the KP cancelled — no receipt; F: taken back by the bank — no receipt
        ("756", "75616", "0330"): [D("0.00"), D("5000.00"), D("0.00"), D("5000.00"), D("0.00")],
        ("756", "75616", "0430"): [D("0.00"), D("2000.00"), D("0.00"), D("2000.00"), D("0.00")],
        # (756/75616/0910 — the interest of D (93,23) and F (35,36), both cancelled — has no line)
        ("900", "90002", "0490"): [D("3500.00"), D("3000.00"), D("3010.00"), D("0.00"), D("10.00")],
        ("900", "90002", "0640"): [D("0.00"), D("16.00"), D("16.00"), D("0.00"), D("0.00")],
        ("900", "90002", "0910"): [D("0.00"), D("54.00"), D("54.00"), D("0.00"), D("0.00")],
    }
    assert report.totals.values() == [D("7000.00"), D("15240.73"), D("7680.00"), D("7670.73"), D("10.00")]
    # the amounts are to the grosz on both databases (SQLite adds decimals as floats)
    assert {str(v) for line in report.lines for v in line.values()} >= {"0.00", "70.73", "3929.27"}
    _header, rows = br.rb27s_csv(report)
    assert [str(v) for v in rows[-1][3:]] == ["7000.00", "15240.73", "7680.00", "7670.73", "10.00"]


def _turnover(number):
    return account_turnover(number=number, date_from=START, date_to=PERIOD_END)


def test_rb27s_with_stornos_totals_equal_the_ledger(storno_scenario):
    t = br.rb27s_report(year=2026, period_end=PERIOD_END).totals
    tb = {row.number: row for row in trial_balance(date_from=START, date_to=PERIOD_END).rows}
    # Receipts = the money that reached the cash desk (101) and the bank (133) and is not waiting unidentified on 240,
    # net of what left (refunds, the cancelled KP, the RC reversal): Σ (Wn − Ma) of 101, 133 and 240.
    money = sum((_turnover(n).turnover_debit - _turnover(n).turnover_credit for n in ("101", "133", "240")), D("0"))
    assert t.receipts == money == D("7680.00")
    # Charges = the revenue credited to 720 in the period (Ma − Wn): the stornos' 720 Wn lines cancel the interest.
    assert t.charges == tb["720"].turnover_credit - tb["720"].turnover_debit == D("15240.73")
    # Charges − receipts = the movement of 221 in the period (all of 221's lines are charges or receipts here).
    assert t.charges - t.receipts == tb["221"].turnover_debit - tb["221"].turnover_credit == D("7560.73")
    assert t.overpayments == tb["221"].closing_credit == D("10.00")
    assert t.arrears == tb["221"].closing_debit == D("7670.73")
    # The ledger's receipts per classification (the same definition) equal the report's, line by line.
    from finance.services.reports import receipts_by_classification

    by_cls = {
        (r.dzial, r.rozdzial, r.paragraf): r.net
        for r in receipts_by_classification(date_from=START, date_to=PERIOD_END)
        if r.net
    }
    assert {line.key: line.receipts for line in _report_lines()} == by_cls


def _report_lines():
    return [x for x in br.rb27s_report(year=2026, period_end=PERIOD_END).lines if x.receipts]


def test_dashboard_with_stornos_exact(storno_scenario):
    data = br.dashboard(year=2026, as_of=PERIOD_END)
    assert [(x["receivable_type"], x["charges"], x["receipts"], x["rate"]) for x in data["collection"]] == [
        ("forest_tax_person", D("5000.00"), D("0.00"), D("0.00")),
        ("market_fee", D("2000.00"), D("0.00"), D("0.00")),
        ("property_tax_person", D("1100.00"), D("600.00"), D("54.55")),
        ("transport_tax_legal", D("4070.73"), D("4000.00"), D("98.26")),
        ("waste_fee", D("3070.00"), D("3080.00"), D("100.33")),
    ]
    months = [x["receipts"] for x in data["receipts_per_month"]]
    assert months == [D("600.00"), D("0.00"), D("7080.00")] + [D("0.00")] * 9
    assert sum(months) == br.rb27s_report(year=2026, period_end=datetime.date(2026, 12, 31)).totals.receipts
    ageing = {
        x["receivable_type"]: {b["bucket"]: b["amount"] for b in x["buckets"] if b["count"]} for x in data["ageing"]
    }
    assert ageing == {
        "forest_tax_person": {"31-90": D("5000.00")},
        "market_fee": {"31-90": D("2000.00")},
        "property_tax_legal": {">365": D("100.00")},
        "property_tax_person": {"0-30": D("500.00")},
        "transport_tax_legal": {"31-90": D("70.73")},
    }
