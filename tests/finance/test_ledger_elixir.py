"""The Elixir-O transfer file (pure): NRB check digits, the 35-character parts, the exact line, cp1250."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.domain.elixir import (
    Transfer,
    elixir_file,
    elixir_line,
    grosze,
    normalise_nrb,
    nrb_is_valid,
    split_parts,
)

D = Decimal


def test_nrb_check_digits():
    assert nrb_is_valid("61109010140000071219812874")
    assert nrb_is_valid("38102010269876540000012345")
    assert not nrb_is_valid("62109010140000071219812874")  # one check digit changed
    assert not nrb_is_valid("6110901014000007121981287")  # 25 digits
    assert not nrb_is_valid("6110901014000007121981287X")
    assert normalise_nrb("PL 61 1090 1014 0000 0712 1981 2874") == "61109010140000071219812874"
    assert normalise_nrb("61-1090-1014-0000-0712-1981-2874") == "61109010140000071219812874"


def test_parts_of_35_characters_at_word_boundaries():
    assert split_parts("Jan Nowak") == "Jan Nowak|||"
    assert split_parts(("Urząd Gminy Magistrowo", "pl. Wolności 1, 05-990 Magistrowo")) == (
        "Urząd Gminy Magistrowo|pl. Wolności 1, 05-990 Magistrowo||"
    )
    title = "Zwrot nadpłaty: Podatek od nieruchomości — osoby fizyczne 2026"
    assert split_parts(title) == "Zwrot nadpłaty: Podatek od|nieruchomości — osoby fizyczne 2026||"
    assert split_parts("A" * 80) == f"{'A' * 35}|{'A' * 35}|{'A' * 10}|"
    assert split_parts('say "hi"\nthere | here') == "say 'hi' there / here|||"


@given(st.text(min_size=0, max_size=300))
def test_always_four_parts_of_at_most_35(text):
    parts = split_parts(text).split("|")
    assert len(parts) == 4
    assert all(len(p) <= 35 and '"' not in p and "\n" not in p for p in parts)


@given(st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2))
def test_amount_in_grosze(amount):
    assert grosze(amount) == int((amount * 100).to_integral_value())
    assert D(grosze(amount)) / 100 == amount


def test_amounts_that_are_not_grosze_are_refused():
    for bad in (D("0"), D("-1.00"), D("1.005")):
        with pytest.raises(ValueError, match="not a positive amount"):
            grosze(bad)


def test_the_exact_line_and_the_file_encoding():
    transfer = Transfer(
        execution_date=datetime.date(2026, 3, 20),
        amount=D("1234.56"),
        sender_account="38102010269876540000012345",
        sender_name=("Urząd Gminy Magistrowo", "pl. Wolności 1, 05-990 Magistrowo"),
        recipient_account="61109010140000071219812874",
        recipient_name="Żaneta Łęcka",
        title="Zwrot nadpłaty: Podatek od nieruchomości — osoby fizyczne 2026",
        reference="REFUND/7",
    )
    line = (
        '110,20260320,123456,10201026,0,"38102010269876540000012345","61109010140000071219812874",'
        '"Urząd Gminy Magistrowo|pl. Wolności 1, 05-990 Magistrowo||","Żaneta Łęcka|||",0,10901014,'
        '"Zwrot nadpłaty: Podatek od|nieruchomości — osoby fizyczne 2026||","","","51","REFUND/7"'
    )
    assert elixir_line(transfer) == line
    content = elixir_file([transfer, transfer])
    assert content == (line + "\r\n" + line + "\r\n").encode("cp1250")
    assert "Żaneta Łęcka".encode("cp1250") in content  # Polish letters kept in Windows-1250


def test_an_invalid_account_is_refused():
    transfer = Transfer(datetime.date(2026, 3, 20), D("1.00"), "38102010269876540000012345", "U",
                        "61109010140000071219812875", "X", "t")  # fmt: skip
    with pytest.raises(ValueError, match="invalid NRB"):
        elixir_line(transfer)
