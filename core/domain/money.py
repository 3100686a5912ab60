"""Money helpers: Decimal only, explicit quantization, Polish formatting."""

from decimal import ROUND_HALF_UP, Decimal

GROSZ = Decimal("0.01")
NBSP = "\u00a0"


def to_grosze(amount: Decimal) -> Decimal:
    """Round to the grosz, half up (OP art. 63 where it applies to grosze)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"Money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(GROSZ, rounding=ROUND_HALF_UP)


def format_pln(amount: Decimal | int | None, *, currency: bool = True) -> str:
    """``Decimal("1234.5")`` → ``"1 234,50 zł"`` (non-breaking spaces; a minus sign for negatives)."""
    if amount is None:
        return ""
    value = to_grosze(Decimal(amount))
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{NBSP.join(groups)},{frac}"
    return f"{text}{NBSP}zł" if currency else text
