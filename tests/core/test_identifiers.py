import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.identifiers import (
    IdentifierError,
    generate_nip,
    generate_pesel,
    generate_regon9,
    validate_krs,
    validate_nip,
    validate_pesel,
    validate_postal_code,
    validate_regon,
)


@pytest.mark.parametrize(
    ("_case", "number", "birth_date", "sex"),
    [
        ("1944 male (domain reference)", "44051401359", datetime.date(1944, 5, 14), "M"),
        ("2002 female (domain reference)", "02270803624", datetime.date(2002, 7, 8), "F"),
    ],
)
def test_valid_pesel_gives_birth_date_and_sex(_case, number, birth_date, sex):
    data = validate_pesel(number)
    assert (data.number, data.birth_date, data.sex) == (number, birth_date, sex)


@pytest.mark.parametrize(
    ("_case", "number", "check", "message"),
    [
        ("letters", "4405140135X", "format", "PESEL może zawierać wyłącznie cyfry."),
        ("too short", "4405140135", "length", "PESEL musi mieć 11 cyfr, a ten ma 10."),
        ("bad check digit", "44051401358", "checksum", "Błędna cyfra kontrolna PESEL: powinna być 9, jest 8."),
    ],
)
def test_invalid_pesel_names_the_failed_check(_case, number, check, message):
    with pytest.raises(IdentifierError) as err:
        validate_pesel(number)
    assert err.value.check == check
    if message:
        assert err.value.message == message


def test_impossible_pesel_date_has_a_valid_check_digit_but_fails_on_date():
    from stdnum.pl import pesel

    body = "4402310135"  # 31 February 1944
    number = body + pesel.calc_check_digit(body)
    with pytest.raises(IdentifierError) as err:
        validate_pesel(number)
    assert err.value.check == "date"
    assert "440231" in err.value.message


@pytest.mark.parametrize(
    ("_case", "value", "expected"),
    [
        ("plain", "1234563218", "1234563218"),
        ("dashes", "123-456-32-18", "1234563218"),
        ("PL prefix", "PL1234563218", "1234563218"),
    ],
)
def test_valid_nip_is_normalised(_case, value, expected):
    assert validate_nip(value) == expected


@pytest.mark.parametrize(
    ("_case", "value", "check"),
    [("checksum", "1234563219", "checksum"), ("length", "123456321", "length"), ("format", "12345632A8", "format")],
)
def test_invalid_nip(_case, value, check):
    with pytest.raises(IdentifierError) as err:
        validate_nip(value)
    assert err.value.check == check


def test_regon_vectors_from_domain_reference():
    assert validate_regon("123456785") == "123456785"
    assert validate_regon("12345678512347") == "12345678512347"
    with pytest.raises(IdentifierError) as err:
        validate_regon("123456784")
    assert err.value.check == "checksum"
    with pytest.raises(IdentifierError) as err:
        validate_regon("1234567")
    assert err.value.check == "length"


def test_krs_and_postal_code():
    assert validate_krs("12345") == "0000012345"
    with pytest.raises(IdentifierError):
        validate_krs("12345678901")
    assert validate_postal_code("05123") == "05-123"
    assert validate_postal_code("05-123") == "05-123"
    with pytest.raises(IdentifierError) as err:
        validate_postal_code("5-123")
    assert err.value.message == "Kod pocztowy musi mieć postać 00-000."


@given(
    birth=st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2299, 12, 31)),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=0, max_value=999),
)
def test_generated_pesel_round_trips(birth, sex, serial):
    data = validate_pesel(generate_pesel(birth, sex, serial))
    assert (data.birth_date, data.sex) == (birth, sex)


@given(seed=st.integers(min_value=0, max_value=10**9))
def test_generated_nip_and_regon_are_valid(seed):
    assert validate_nip(generate_nip(seed))
    assert validate_regon(generate_regon9(seed))
