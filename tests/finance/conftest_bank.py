"""Fixtures of the bank area: three bank profiles (separators ~ < ^, encodings cp852 / cp1250 / utf-8) matching
the constructed statements in tests/finance/fixtures/, parties named in them, and an MT940 writer for generated
statements. Import the fixtures into a test module: ``from tests.finance.conftest_bank import *``."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core import roles
from finance.models import BankProfile
from tests.factories import OrganisationFactory, PersonFactory

FIXTURES = Path(__file__).parent / "fixtures"
OFFICE_TILDE = "75102010260000000123456789"
OFFICE_LT = "17114020040000320100123456"
OFFICE_CARET = "19109010140000000099887766"
VA_TILDE = "38102010269876540000012345"  # the domain reference example (identifier 12345)
VA_LT = "97114020045550000000000007"
VA_CARET = "61109010141200000000000042"
PAYER_ACCOUNT = "61109010140000071219812874"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def profile_tilde(db):
    return BankProfile.objects.create(
        code="bank-tilde", name="Bank tylda (cp852)", separator="~", encoding="cp852",
        virtual_account_field="86_29", office_account=OFFICE_TILDE, sort_code="10201026",
        client_prefix="987654", id_length=10,
    )  # fmt: skip


@pytest.fixture
def profile_lt(db):
    return BankProfile.objects.create(
        code="bank-lt", name="Bank mniejszość (cp1250)", separator="<", encoding="cp1250",
        virtual_account_field="86_38", office_account=OFFICE_LT, sort_code="11402004",
        client_prefix="5550", id_length=12, per_receivable_type=True,
    )  # fmt: skip


@pytest.fixture
def profile_caret(db):
    return BankProfile.objects.create(
        code="bank-caret", name="Bank daszek (UTF-8)", separator="^", encoding="utf-8",
        virtual_account_field="title", office_account=OFFICE_CARET, sort_code="10901014",
        client_prefix="12", id_length=14,
    )  # fmt: skip


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-bank")


@pytest.fixture
def pesel_party(db):
    return PersonFactory(pesel="44051401359", birth_date=datetime.date(1944, 5, 14), sex="M")


@pytest.fixture
def nip_party(db):
    return OrganisationFactory(nip="1234563218")


def write_mt940(
    *,
    account: str,
    reference: str,
    sequence: str,
    day: datetime.date,
    movements: list[tuple[Decimal, str, str]],
    separator: str = "~",
    opening: Decimal = Decimal("0.00"),
) -> str:
    """An MT940 statement of credits (amount, virtual account in sub-field 29, title); balances reconcile."""

    def amt(value: Decimal) -> str:
        return f"{value:.2f}".replace(".", ",")

    yymmdd = day.strftime("%y%m%d")
    out = [f":20:{reference}", f":25:/PL{account}", f":28C:{sequence}", f":60F:C{yymmdd}PLN{amt(opening)}"]
    total = opening
    for n, (amount, virtual, title) in enumerate(movements, start=1):
        out.append(f":61:{yymmdd}{day:%m%d}C{amt(amount)}N152NONREF//B{n:07d}")
        sub = f"{separator}29{virtual}" if virtual else ""
        out.append(f":86:152{separator}00PRZELEW{separator}20{title[:27]}{sub}{separator}32WPLACAJACY {n}")
        total += amount
    out.append(f":62F:C{yymmdd}PLN{amt(total)}")
    return "\r\n".join(out) + "\r\n-\r\n"
