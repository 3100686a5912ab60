"""Rounding rules of the Ordynacja podatkowa (art. 63).

* ``to_full_zloty`` — art. 63 §1: fractions below 50 gr are dropped, 50 gr and more round up to the next złoty
  (tax amounts, late-payment interest).
* ``to_grosz`` — half-up to the grosz (allocation results keep grosze, art. 63 §3).
* ``split_proportional`` — the E5 convention for splitting a payment between two claims: the first part is
  rounded half-up to the grosz, the second is the remainder, so the parts always add up to the amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

GROSZ = Decimal("0.01")
ZLOTY = Decimal("1")
ZERO = Decimal("0.00")


def to_full_zloty(x: Decimal) -> Decimal:
    """OP art. 63 §1: ``43.49 → 43``, ``43.50 → 44`` (negative amounts are rounded symmetrically)."""
    return Decimal(x).quantize(ZLOTY, rounding=ROUND_HALF_UP)


def to_grosz(x: Decimal) -> Decimal:
    return Decimal(x).quantize(GROSZ, rounding=ROUND_HALF_UP)


def split_proportional(amount: Decimal, a: Decimal, b: Decimal) -> tuple[Decimal, Decimal]:
    """Split ``amount`` in the ratio ``a : b``: ``(amount × a / (a + b))`` half-up to the grosz, and the remainder.

    ``split_proportional(500, 1000, 50) == (476.19, 23.81)`` (example E5)."""
    amount, a, b = Decimal(amount), Decimal(a), Decimal(b)
    if a < 0 or b < 0:
        raise ValueError("split_proportional needs non-negative parts")
    total = a + b
    if total == 0:
        return to_grosz(amount), ZERO
    first = to_grosz(amount * a / total)
    return first, to_grosz(amount) - first
