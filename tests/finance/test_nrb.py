"""Virtual NRB: the domain reference example, MOD 97-10 checked independently (python-stdnum), properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as std_iban

from finance.domain import nrb


def test_domain_reference_example():
    number = nrb.build(sort_code="10201026", client_prefix="987654", identifier=12345, id_length=10)
    assert number == "38102010269876540000012345"
    assert nrb.format_nrb(number) == "38 1020 1026 9876 5400 0001 2345"
    assert std_iban.is_valid("PL" + number)


def test_known_valid_and_invalid_numbers():
    assert nrb.is_valid("61 1090 1014 0000 0712 1981 2874")
    assert nrb.is_valid("PL61109010140000071219812874")
    assert not nrb.is_valid("62109010140000071219812874")
    assert not nrb.is_valid("6110901014000007121981287")
    assert nrb.check_digits("109010140000071219812874") == "61"


def test_sort_code_check_digit():
    assert nrb.sort_code_is_valid("10301944")
    assert nrb.sort_code_is_valid("10201026")
    assert not nrb.sort_code_is_valid("10301945")


def test_identifier_must_fit_and_layout_must_be_16_digits():
    with pytest.raises(nrb.NrbError):
        nrb.build(sort_code="10201026", client_prefix="987654", identifier=10**10, id_length=10)
    with pytest.raises(nrb.NrbError):
        nrb.build(sort_code="10201026", client_prefix="98765", identifier=1, id_length=10)


def test_identifier_of_recognises_only_our_numbers():
    assert nrb.identifier_of("38102010269876540000012345", sort_code="10201026", client_prefix="987654") == 12345
    assert nrb.identifier_of("61109010140000071219812874", sort_code="10201026", client_prefix="987654") is None
    assert nrb.identifier_of("39102010269876540000012345", sort_code="10201026", client_prefix="987654") is None


@given(
    identifier=st.integers(min_value=0, max_value=10**10 - 1),
    prefix=st.from_regex(r"\A[0-9]{6}\Z"),
    bank=st.from_regex(r"\A[0-9]{8}\Z"),
)
def test_every_built_number_is_a_valid_iban_and_round_trips(identifier, prefix, bank):
    number = nrb.build(sort_code=bank, client_prefix=prefix, identifier=identifier, id_length=10)
    assert len(number) == 26
    assert number.isdigit()
    assert std_iban.is_valid("PL" + number)
    assert nrb.identifier_of(number, sort_code=bank, client_prefix=prefix) == identifier
    assert nrb.normalise(nrb.format_nrb(number)) == number


@given(identifier=st.integers(min_value=0, max_value=10**6 - 1), position=st.integers(min_value=0, max_value=25))
def test_a_single_changed_digit_is_detected(identifier, position):
    number = nrb.build(sort_code="10201026", client_prefix="9876540000", identifier=identifier, id_length=6)
    digit = str((int(number[position]) + 1) % 10)
    assert not nrb.is_valid(number[:position] + digit + number[position + 1 :])


def test_built_numbers_are_valid_ibans_for_schwifty_with_the_bank_of_the_sort_code():
    from schwifty import IBAN

    number = nrb.build(sort_code="10201026", client_prefix="987654", identifier=12345, id_length=10)
    iban = IBAN("PL" + number)
    assert iban.bank_code == "10201026"
    assert iban.bank_name.startswith("Powszechna Kasa Oszczędności")  # schwifty's bank registry knows the sort code
    assert iban.formatted == "PL38 1020 1026 9876 5400 0001 2345"
