"""Polish identifiers: PESEL, NIP, REGON, KRS, postal code.

Pure functions over strings (python-stdnum does the arithmetic). Each failure raises
``IdentifierError`` whose message says which check failed, in the user's language (gettext).
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.pl import nip as _nip
from stdnum.pl import pesel as _pesel
from stdnum.pl import regon as _regon


class IdentifierError(ValueError):
    """An identifier failed a check. ``check`` names it: format, length, date, checksum."""

    def __init__(self, message: str, *, check: str):
        super().__init__(message)
        self.message = message
        self.check = check


@dataclass(frozen=True)
class PeselData:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def _strip(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def validate_pesel(value: str) -> PeselData:
    number = _strip(value)
    if not number.isdigit():
        raise IdentifierError(_("PESEL must consist of digits only."), check="format")
    if len(number) != 11:
        raise IdentifierError(
            _("PESEL must have 11 digits, this one has %(count)d.") % {"count": len(number)}, check="length"
        )
    expected = _pesel.calc_check_digit(number[:-1])
    if number[-1] != expected:
        raise IdentifierError(
            _("Invalid PESEL check digit: expected %(expected)s, got %(given)s.")
            % {"expected": expected, "given": number[-1]},
            check="checksum",
        )
    try:
        birth_date = _pesel.get_birth_date(number)
    except (InvalidComponent, KeyError):
        raise IdentifierError(
            _("PESEL encodes an impossible date of birth (digits 1–6: %(digits)s).") % {"digits": number[:6]},
            check="date",
        ) from None
    sex = "M" if int(number[9]) % 2 else "F"
    return PeselData(number=number, birth_date=birth_date, sex=sex)


def validate_nip(value: str) -> str:
    number = _strip(value).upper().removeprefix("PL")
    if not number.isdigit():
        raise IdentifierError(_("NIP must consist of digits only."), check="format")
    if len(number) != 10:
        raise IdentifierError(
            _("NIP must have 10 digits, this one has %(count)d.") % {"count": len(number)}, check="length"
        )
    try:
        _nip.validate(number)
    except InvalidChecksum:
        raise IdentifierError(_("Invalid NIP check digit."), check="checksum") from None
    return number


def validate_regon(value: str) -> str:
    number = _strip(value)
    if not number.isdigit():
        raise IdentifierError(_("REGON must consist of digits only."), check="format")
    if len(number) not in (9, 14):
        raise IdentifierError(
            _("REGON must have 9 or 14 digits, this one has %(count)d.") % {"count": len(number)}, check="length"
        )
    if len(number) == 14 and number[8] != _regon.calc_check_digit(number[:8]):
        raise IdentifierError(_("Invalid check digit of the 9-digit base of a 14-digit REGON."), check="checksum")
    try:
        _regon.validate(number)
    except (InvalidChecksum, InvalidFormat, InvalidLength):
        raise IdentifierError(_("Invalid REGON check digit."), check="checksum") from None
    return number


def validate_krs(value: str) -> str:
    number = _strip(value)
    if not number.isdigit():
        raise IdentifierError(_("KRS number must consist of digits only."), check="format")
    if len(number) > 10:
        raise IdentifierError(_("KRS number has at most 10 digits."), check="length")
    return number.zfill(10)


_POSTAL = re.compile(r"^\d{2}-\d{3}$")


def validate_postal_code(value: str) -> str:
    code = (value or "").strip()
    if re.fullmatch(r"\d{5}", code):
        code = f"{code[:2]}-{code[2:]}"
    if not _POSTAL.match(code):
        raise IdentifierError(_("Postal code must have the form 00-000."), check="format")
    return code


def generate_pesel(birth_date: datetime.date, sex: str, serial: int) -> str:
    """A valid PESEL for a date of birth, sex ("M"/"F") and serial 0–999 (demo data, tests)."""
    offsets = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}
    month = birth_date.month + offsets[birth_date.year // 100]
    sex_digit = (serial % 5) * 2 + (1 if sex == "M" else 0)
    body = f"{birth_date.year % 100:02d}{month:02d}{birth_date.day:02d}{serial % 1000:03d}{sex_digit}"
    return body + _pesel.calc_check_digit(body)


def generate_nip(seed: int) -> str:
    """A valid NIP derived from ``seed`` (skipping bases whose check digit would be 10)."""
    base = 100_000_000 + (seed * 7919) % 899_999_999
    while True:
        digits = f"{base:09d}"
        check = _nip.checksum(digits + "0") % 11
        # checksum(d + "0") == sum of weighted digits mod 11 → the needed check digit
        if check != 10:
            return digits + str(check)
        base += 1


def generate_regon9(seed: int) -> str:
    base = f"{(10_000_000 + seed * 104729) % 100_000_000:08d}"
    return base + _regon.calc_check_digit(base)
