"""Reference data that ships with the code as dated rows (legal rates and fees).

``reference_sync()`` runs after every migrate (and after a test database flush) and inserts the rows that
are missing; it never changes a row an administrator has edited, and never deletes one. Apps add their own
rows with ``register_fee_rates`` from AppConfig.ready().
"""

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class FeeRateRow:
    code: str
    name: str
    amount: Decimal
    valid_from: datetime.date
    legal_basis: str


_FEE_RATES: list[FeeRateRow] = []


def register_fee_rates(*rows: FeeRateRow) -> None:
    _FEE_RATES.extend(r for r in rows if r not in _FEE_RATES)


register_fee_rates(
    FeeRateRow(
        "stamp_duty_certificate",
        "Opłata skarbowa od zaświadczenia",
        Decimal("17.00"),
        datetime.date(2007, 1, 1),
        "ustawa z 16.11.2006 o opłacie skarbowej, załącznik, cz. II pkt 21",
    ),
    FeeRateRow(
        "stamp_duty_certificate_no_arrears",
        "Opłata skarbowa od zaświadczenia o niezaleganiu lub stanie zaległości",
        Decimal("21.00"),
        datetime.date(2007, 1, 1),
        "ustawa z 16.11.2006 o opłacie skarbowej, załącznik, cz. II pkt 21",
    ),
    FeeRateRow(
        "population_data_disclosure",
        "Opłata za udostępnienie danych z rejestru mieszkańców (za osobę)",
        Decimal("31.00"),
        datetime.date(2018, 1, 1),
        "rozporządzenie RM z 22.12.2017 (Dz.U. 2017 poz. 2482)",
    ),
)


HOLIDAYS_CSV = Path(__file__).resolve().parent / "data" / "public_holidays.csv"


def holidays_shipped() -> list[tuple[datetime.date, str]]:
    with HOLIDAYS_CSV.open(encoding="utf-8", newline="") as fh:
        return [(datetime.date.fromisoformat(row["date"]), row["name"]) for row in csv.DictReader(fh)]


def reference_sync() -> int:
    from core.models import FeeRate, PublicHoliday

    existing = set(PublicHoliday.objects.values_list("date", flat=True))
    missing = [PublicHoliday(date=d, name=n) for d, n in holidays_shipped() if d not in existing]
    PublicHoliday.objects.bulk_create(missing, ignore_conflicts=True)
    created = len(missing)
    for row in _FEE_RATES:
        _obj, was_created = FeeRate.objects.get_or_create(
            code=row.code,
            valid_from=row.valid_from,
            defaults={"name": row.name, "amount": row.amount, "legal_basis": row.legal_basis},
        )
        created += was_created
    return created
