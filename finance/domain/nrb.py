"""Polish bank account numbers (NRB, 26 digits) and the office's individual (virtual) accounts.

NRB = 2 check digits + 8-digit sort code + 16-digit account number. For a virtual account the 16 digits are the
bank's client prefix followed by the office's identifier, zero-padded to the profile's identifier length. Check
digits are ISO 13616 MOD 97-10 over ``BBAN + "2521" + "00"`` (P = 25, L = 21). Pure: no ORM.
"""

from __future__ import annotations

import re

COUNTRY_DIGITS = "2521"  # "PL" as ISO 13616 digits (P = 25, L = 21)
ACCOUNT_LENGTH = 16
SORT_CODE_WEIGHTS = (3, 9, 7, 1, 3, 9, 7)


class NrbError(ValueError):
    pass


def normalise(value: str) -> str:
    """Strip spaces, dashes and an optional ``PL`` / leading ``/`` (as in MT940 ``:25:``)."""
    text = re.sub(r"[\s-]", "", value or "").upper().lstrip("/")
    return text.removeprefix("PL")


def check_digits(bban: str) -> str:
    if len(bban) != 24 or not bban.isdigit():
        raise NrbError("BBAN must have 24 digits")
    return f"{98 - int(bban + COUNTRY_DIGITS + '00') % 97:02d}"


def is_valid(value: str) -> bool:
    nrb = normalise(value)
    return len(nrb) == 26 and nrb.isdigit() and int(nrb[2:] + COUNTRY_DIGITS + nrb[:2]) % 97 == 1


def sort_code_is_valid(sort_code: str) -> bool:
    if len(sort_code) != 8 or not sort_code.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(sort_code[:7], SORT_CODE_WEIGHTS, strict=True))
    return (10 - total % 10) % 10 == int(sort_code[7])


def build(*, sort_code: str, client_prefix: str, identifier: int, id_length: int) -> str:
    """The NRB of identifier ``identifier`` under a client prefix (raises :class:`NrbError` when it cannot fit)."""
    if len(sort_code) != 8 or not sort_code.isdigit():
        raise NrbError("sort code must have 8 digits")
    if not client_prefix.isdigit() or len(client_prefix) + id_length != ACCOUNT_LENGTH:
        raise NrbError("client prefix + identifier length must be 16 digits")
    if identifier < 0 or len(str(identifier)) > id_length:
        raise NrbError("identifier does not fit the identifier length")
    bban = sort_code + client_prefix + str(identifier).zfill(id_length)
    return check_digits(bban) + bban


def identifier_of(value: str, *, sort_code: str, client_prefix: str) -> int | None:
    """The identifier of a virtual NRB of this sort code and prefix, or None when it is not one of them."""
    nrb = normalise(value)
    if not is_valid(nrb) or nrb[2:10] != sort_code or not nrb[10:].startswith(client_prefix):
        return None
    return int(nrb[10 + len(client_prefix) :])


def format_nrb(value: str) -> str:
    """``38 1020 1026 9876 5400 0001 2345`` (2 + six groups of 4, for print)."""
    nrb = normalise(value)
    return " ".join([nrb[:2], *(nrb[i : i + 4] for i in range(2, len(nrb), 4))])
