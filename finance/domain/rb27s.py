"""Pure parts of the budget area: the revenue plan CSV and the Rb-27S report (no ORM).

* :func:`parse_plan_csv` reads the plan file (layout in docs/finance.md): ``dzial;rozdzial;paragraf;amount``
  with an optional ``description`` column, a header row, ``;`` or ``,`` as the separator, amounts as ``1234.56``,
  ``1234,56`` or ``1 234,56``. Every bad row is reported with its line number and the reason; a classification line
  given twice is an error too.
* :func:`period_end_valid` — the Rb-27S period always starts on 1 January and ends at a month end of that year.
* :func:`build_report` joins the plan and the four ledger figures per classification line (dział / rozdział /
  paragraf) — lines with a plan but no movement and lines with movement but no plan — sorted, with a totals row.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ZERO = Decimal("0.00")
Key = tuple[str, str, str]  # (dział, rozdział, paragraf)

_DZIAL = re.compile(r"^\d{3}$")
_ROZDZIAL = re.compile(r"^\d{5}$")
_PARAGRAF = re.compile(r"^\d{4}$")
_AMOUNT = re.compile(r"^-?\d+([.,]\d{1,2})?$")


def classification_errors(dzial: str, rozdzial: str, paragraf: str) -> dict[str, str]:
    """Codes of the budget classification: dział 3 digits, rozdział 5 digits starting with the dział, paragraf 4
    digits. Returns {field: reason code} (``dzial`` / ``rozdzial`` / ``rozdzial_prefix`` / ``paragraf``)."""
    errors: dict[str, str] = {}
    if not _DZIAL.match(dzial or ""):
        errors["dzial"] = "dzial"
    if not _ROZDZIAL.match(rozdzial or ""):
        errors["rozdzial"] = "rozdzial"
    elif "dzial" not in errors and not rozdzial.startswith(dzial):
        errors["rozdzial"] = "rozdzial_prefix"
    if not _PARAGRAF.match(paragraf or ""):
        errors["paragraf"] = "paragraf"
    return errors


def parse_amount(text: str) -> Decimal | None:
    """``1234.56``, ``1234,56``, ``1 234,56`` (also with a non-breaking space) → Decimal; None if not a number."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if not _AMOUNT.match(cleaned):
        return None
    try:
        return Decimal(cleaned.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation:  # pragma: no cover - the pattern already excludes it
        return None


@dataclass(frozen=True)
class PlanRow:
    line: int
    dzial: str
    rozdzial: str
    paragraf: str
    amount: Decimal
    description: str = ""

    @property
    def key(self) -> Key:
        return (self.dzial, self.rozdzial, self.paragraf)


@dataclass(frozen=True)
class PlanError:
    line: int
    reason: str  # a code: encoding, format, columns, dzial, rozdzial, rozdzial_prefix, paragraf, amount, negative,
    #              duplicate, empty
    value: str = ""


HEADER = ("dzial", "rozdzial", "paragraf", "amount")


def parse_plan_csv(data: bytes) -> tuple[list[PlanRow], list[PlanError]]:
    """Parse the plan file. All rows are checked; the caller writes nothing when the error list is not empty."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [PlanError(0, "encoding")]
    lines = text.splitlines()
    if not any(x.strip() for x in lines):
        return [], [PlanError(0, "empty")]
    first = next(x for x in lines if x.strip())
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[PlanRow] = []
    errors: list[PlanError] = []
    seen: dict[Key, int] = {}
    header_checked = False
    for record in reader:
        number = reader.line_num
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if not header_checked:
            header_checked = True
            names = [c.lower() for c in cells[:4]]
            if tuple(names) == HEADER:
                continue
            return [], [PlanError(number, "format", delimiter.join(cells))]
        if len(cells) not in (4, 5):
            errors.append(PlanError(number, "columns", delimiter.join(cells)))
            continue
        dzial, rozdzial, paragraf, amount_text = cells[:4]
        description = cells[4] if len(cells) == 5 else ""
        bad = classification_errors(dzial, rozdzial, paragraf)
        for field_name, reason in bad.items():
            errors.append(
                PlanError(number, reason, {"dzial": dzial, "rozdzial": rozdzial, "paragraf": paragraf}[field_name])
            )
        amount = parse_amount(amount_text)
        if amount is None:
            errors.append(PlanError(number, "amount", amount_text))
        elif amount < 0:
            errors.append(PlanError(number, "negative", amount_text))
        if bad or amount is None or amount < 0:
            continue
        key = (dzial, rozdzial, paragraf)
        if key in seen:
            errors.append(PlanError(number, "duplicate", "/".join(key)))
            continue
        seen[key] = number
        rows.append(PlanRow(number, dzial, rozdzial, paragraf, amount, description[:300]))
    if not header_checked:
        return [], [PlanError(0, "empty")]
    return rows, errors


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_end_valid(year: int, period_end: datetime.date) -> bool:
    """The Rb-27S period runs from 1 January of ``year`` to a month end (a quarter end included) of that year."""
    return period_end.year == year and period_end == month_end(period_end)


@dataclass
class Rb27sLine:
    dzial: str
    rozdzial: str
    paragraf: str
    plan: Decimal = ZERO
    charges: Decimal = ZERO  # należności
    receipts: Decimal = ZERO  # dochody wykonane
    arrears: Decimal = ZERO  # zaległości
    overpayments: Decimal = ZERO  # nadpłaty

    COLUMNS = ("plan", "charges", "receipts", "arrears", "overpayments")

    @property
    def key(self) -> Key:
        return (self.dzial, self.rozdzial, self.paragraf)

    def values(self) -> list[Decimal]:
        return [getattr(self, c) for c in self.COLUMNS]

    @property
    def execution_percent(self) -> Decimal | None:
        """Dochody wykonane as a percentage of the plan (None without a plan)."""
        if not self.plan:
            return None
        return (self.receipts * 100 / self.plan).quantize(Decimal("0.01"))


@dataclass
class Rb27sReport:
    year: int
    period_end: datetime.date
    lines: list[Rb27sLine] = field(default_factory=list)
    totals: Rb27sLine = field(default_factory=lambda: Rb27sLine("", "", ""))

    @property
    def period_start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)


def build_report(
    *,
    year: int,
    period_end: datetime.date,
    plan: dict[Key, Decimal],
    charges: dict[Key, Decimal],
    receipts: dict[Key, Decimal],
    arrears: dict[Key, Decimal],
    overpayments: dict[Key, Decimal],
) -> Rb27sReport:
    """One line per classification key present in any input (zero where a figure has nothing), sorted by
    dział / rozdział / paragraf; totals = the column sums. Keys with every figure zero are left out unless planned."""
    figures = {"plan": plan, "charges": charges, "receipts": receipts, "arrears": arrears,
               "overpayments": overpayments}  # fmt: skip
    keys = set().union(*(set(v) for v in figures.values()))
    lines = []
    for key in sorted(keys):
        line = Rb27sLine(*key, **{name: values.get(key, ZERO) for name, values in figures.items()})
        if key in plan or any(line.values()):
            lines.append(line)
    totals = Rb27sLine("", "", "")
    for line in lines:
        for column in Rb27sLine.COLUMNS:
            setattr(totals, column, getattr(totals, column) + getattr(line, column))
    return Rb27sReport(year=year, period_end=period_end, lines=lines, totals=totals)


AGE_BUCKETS = ((1, 30, "0-30"), (31, 90, "31-90"), (91, 365, "91-365"), (366, None, ">365"))


def age_bucket(days_past_due: int) -> str:
    """The arrears ageing bucket of an installment ``days_past_due`` days after its (effective) due date."""
    for low, high, label in AGE_BUCKETS:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return label
    return AGE_BUCKETS[0][2]
