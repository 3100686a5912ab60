"""MT940 parsing (pure): three bank profiles, :86: sub-fields, and every rejection with its line and reason."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.domain import mt940 as M
from tests.finance.conftest_bank import (
    OFFICE_CARET,
    OFFICE_LT,
    OFFICE_TILDE,
    PAYER_ACCOUNT,
    VA_CARET,
    VA_LT,
    VA_TILDE,
    fixture_bytes,
    write_mt940,
)

TODAY = datetime.date(2026, 1, 1)
D = Decimal


def parse_bytes(data, encoding="cp852", separator="~", where="86_29", accounts=None, today=TODAY):
    return M.parse(
        M.decode(data, encoding), separator=separator, virtual_account_field=where, today=today, accounts=accounts
    )


def test_tilde_cp852_profile():
    (st_,) = parse_bytes(fixture_bytes("bank_tilde_cp852.sta"), accounts=lambda a: a == OFFICE_TILDE)
    assert (st_.reference, st_.account, st_.sequence) == ("ST250620/001", OFFICE_TILDE, "00045/001")
    assert (st_.opening_balance, st_.closing_balance) == (D("1000.00"), D("1405.50"))
    assert st_.statement_date == datetime.date(2025, 6, 20)
    first, second, third, fee = st_.movements
    assert first.amount == D("150.00")
    assert first.is_credit
    assert first.virtual_account == VA_TILDE
    assert first.title == "Podatek od nieruchomościrata II 2025"
    assert first.booking_text == "PRZELEW ZEWNĘTRZNY"
    assert first.counterparty_name == "JAN KOWALSKIUL. DŁUGA 1"
    assert first.counterparty_account == PAYER_ACCOUNT
    assert first.bank_reference == "BR0001"
    assert first.transaction_code == "152"
    assert second.virtual_account == ""
    assert "44051401359" in second.title
    assert third.counterparty_name == "ZENON ŻÓŁTY"
    assert not fee.is_credit
    assert fee.amount == D("20.00")
    assert fee.line == 13
    assert len(st_.credits) == 3


def test_less_than_cp1250_profile_virtual_account_in_38_and_debit_opening():
    (st_,) = parse_bytes(
        fixture_bytes("bank_lt_cp1250.sta"), encoding="cp1250", separator="<", where="86_38",
        accounts=lambda a: a == OFFICE_LT,
    )  # fmt: skip
    assert st_.opening_balance == D("-500.00")
    assert st_.closing_balance == D("990.00")
    assert st_.sequence == "112"
    assert [m.virtual_account for m in st_.credits] == [VA_LT, VA_LT]
    assert st_.movements[0].title == "Opłata śmieciowa NIP 123-456-32-18"
    assert st_.movements[0].counterparty_name == "FIRMA SPÓŁKA Z O.O."
    # the payer's account from sub-fields 30 + 31 (38 holds the virtual account in this profile)
    assert st_.movements[0].counterparty_account == "95114020040000111122223333"
    assert st_.movements[1].title == "zaległość, dziękuję"
    assert st_.movements[0].entry_date is None


def test_caret_utf8_profile_virtual_account_in_the_title():
    (st_,) = parse_bytes(
        fixture_bytes("bank_caret_utf8.sta"), encoding="utf-8", separator="^", where="title",
        accounts=lambda a: a == OFFICE_CARET,
    )  # fmt: skip
    assert st_.sequence == "7/1"
    assert st_.movements[0].virtual_account == VA_CARET
    assert st_.movements[0].counterparty_account == PAYER_ACCOUNT
    assert st_.movements[0].counterparty_name == "ŁUKASZ GĘŚLA"
    assert st_.movements[1].virtual_account == ""
    assert sum(m.amount for m in st_.movements) == D("110.00")


@pytest.mark.parametrize("separator", M.SEPARATORS)
def test_split_details_with_every_separator(separator):
    s = separator
    details = M.split_details(f"152{s}00PRZELEW{s}20Tytuł 1{s}21cd.{s}3010901014{s}32NAZWA{s}33 DALEJ", s)
    assert details.code == "152"
    assert details.subfields["00"] == "PRZELEW"
    assert details.joined(range(20, 30)) == "Tytuł 1cd."
    assert details.joined([32, 33]) == "NAZWA DALEJ"


def test_undecodable_file_names_the_byte_offset():
    data = fixture_bytes("bank_caret_utf8.sta").replace("ŁUKASZ".encode(), b"\xff\xfeUKASZ", 1)
    with pytest.raises(M.Mt940Error) as exc:
        M.decode(data, "utf-8")
    offset = data.index(b"\xff")
    assert exc.value.offset == offset
    assert exc.value.line == 6
    assert f"offset {offset}" in exc.value.reason or str(offset) in exc.value.reason


def test_unknown_encoding_is_rejected():
    with pytest.raises(M.Mt940Error):
        M.decode(b":20:X", "latin-7")


def _text():
    return fixture_bytes("bank_tilde_cp852.sta").decode("cp852")


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        (":62F:C250620PLN1405,50", ":62F:C250620PLN1405,51", 1, "1405.51"),  # balances do not reconcile
        (":60F:C250619PLN1000,00", ":60F:C250619EUR1000,00", 4, "EUR"),  # another currency
        (":61:2506200620C75,50N152", ":61:25062X0620C75,50N152", 11, ":61:"),  # broken :61:
        (":61:2506200620C75,50N152", ":61:2506310620C75,50N152", 11, "250631"),  # impossible date
        (":28C:00045/001", ":28C:ABC", 3, ":28C:"),  # broken statement number
        (":62F:C250620PLN1405,50", ":99Z:C250620PLN1405,50", 15, ":99Z:"),  # unknown tag
        (":62F:C250620PLN1405,50\r\n", "", 14, ":62F:"),  # no closing balance (reported at the end)
        (":25:/PL75102010260000000123456789", ":25:/PL17114020040000320100123456", 2, "17 1140"),  # not our account
        (":61:2506200620C150,00", ":61:2506200620C0,00", 5, "zero"),  # zero movement
    ],
)
def test_rejections_name_the_line_and_the_reason(old, new, line, fragment):
    text = _text()
    assert old in text
    broken = text.replace(old, new, 1)
    with pytest.raises(M.Mt940Error) as exc:
        M.parse(broken, separator="~", virtual_account_field="86_29", today=TODAY, accounts=lambda a: a == OFFICE_TILDE)
    if old.startswith(":62F:") and new == "":
        assert exc.value.line >= 13
    else:
        assert exc.value.line == line
    assert fragment.lower() in exc.value.message.lower() or fragment in exc.value.reason


def test_value_date_in_the_future_is_refused():
    with pytest.raises(M.Mt940Error) as exc:
        parse_bytes(fixture_bytes("bank_tilde_cp852.sta"), today=datetime.date(2025, 6, 19))
    assert exc.value.line == 5
    assert "20.06.2025" in exc.value.reason


def test_text_before_the_first_tag_and_86_without_61():
    with pytest.raises(M.Mt940Error) as exc:
        M.parse("garbage\r\n" + _text(), separator="~", virtual_account_field="86_29", today=TODAY)
    assert exc.value.line == 1
    text = _text().replace(":60F:C250619PLN1000,00", ":60F:C250619PLN1000,00\r\n:86:152~00X", 1)
    with pytest.raises(M.Mt940Error) as exc:
        M.parse(text, separator="~", virtual_account_field="86_29", today=TODAY)
    assert exc.value.line == 5


def test_empty_file_is_no_statement():
    with pytest.raises(M.Mt940Error):
        M.parse("\r\n-\r\n", separator="~", virtual_account_field="86_29", today=TODAY)


def test_two_statements_in_one_file_have_their_own_hashes():
    day = datetime.date(2025, 3, 3)
    one = write_mt940(account=OFFICE_TILDE, reference="A1", sequence="1", day=day, movements=[(D("1.00"), "", "x")])
    two = write_mt940(account=OFFICE_TILDE, reference="A2", sequence="2", day=day, movements=[(D("2.00"), "", "y")])
    first, second = M.parse(one + two, separator="~", virtual_account_field="86_29", today=TODAY)
    assert first.content_sha256 == M.content_hash(one)
    assert second.content_sha256 == M.content_hash(two)
    assert first.content_sha256 != second.content_sha256
    assert second.line == one.count("\r\n") + 1


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(st.decimals(min_value="0.01", max_value="99999.99", places=2), min_size=1, max_size=20),
    opening=st.decimals(min_value="0", max_value="1000000", places=2),
    separator=st.sampled_from(M.SEPARATORS),
)
def test_generated_statements_parse_and_reconcile(amounts, opening, separator):
    text = write_mt940(
        account=OFFICE_TILDE, reference="GEN", sequence="1", day=datetime.date(2025, 5, 5), opening=opening,
        movements=[(a, VA_TILDE, "Tytuł") for a in amounts], separator=separator,
    )  # fmt: skip
    (st_,) = M.parse(text, separator=separator, virtual_account_field="86_29", today=TODAY)
    assert [m.amount for m in st_.movements] == amounts
    assert st_.closing_balance == opening + sum(amounts)
    assert all(m.virtual_account == VA_TILDE for m in st_.movements)
