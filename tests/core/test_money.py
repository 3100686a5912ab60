from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.money import format_pln, to_grosze

NB = "\u00a0"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234.56"), f"1{NB}234,56{NB}zł"),
        (Decimal("0"), f"0,00{NB}zł"),
        (Decimal("-16"), f"-16,00{NB}zł"),
        (Decimal("1234567.005"), f"1{NB}234{NB}567,01{NB}zł"),
        (Decimal("999.994"), f"999,99{NB}zł"),
    ],
)
def test_format_pln(amount, text):
    assert format_pln(amount) == text


def test_float_is_refused():
    with pytest.raises(TypeError):
        to_grosze(0.1)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False))
def test_rounding_to_grosze_is_idempotent_and_close(value):
    once = to_grosze(value)
    assert to_grosze(once) == once
    assert abs(once - value) <= Decimal("0.005")
