"""Finance reference data shipped with the code (``finance/data/*.csv``), inserted after every migrate.

Rows are inserted when missing (by their natural key) and never changed or deleted: an administrator corrects or
adds rows in the admin (a new interest rate, a new reminder cost, an account of the office's policy).
"""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter=";"))


def reference_sync() -> int:
    from finance.models import FinanceParameter, InterestRate, LedgerAccount, PostingRule, ReceivableType

    created = 0
    for row in _rows("receivable_types.csv"):
        _obj, new = ReceivableType.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "dzial": row["dzial"],
                "rozdzial": row["rozdzial"],
                "paragraf": row["paragraf"],
                "interest_applies": row["interest_applies"] == "1",
                "order": int(row["order"]),
            },
        )
        created += new
    for row in _rows("interest_rates.csv"):
        standard = Decimal(row["standard"])
        day = datetime.date.fromisoformat(row["valid_from"])
        basis = f"OP art. 56 (stopa lombardowa NBP {row['lombard']}%)"
        for kind, rate in (("standard", standard), ("reduced", standard / 2), ("increased", standard * Decimal("1.5"))):
            _obj, new = InterestRate.objects.get_or_create(
                kind=kind, valid_from=day, defaults={"rate": rate, "legal_basis": basis}
            )
            created += new
    for row in _rows("parameters.csv"):
        _obj, new = FinanceParameter.objects.get_or_create(
            code=row["code"],
            valid_from=datetime.date.fromisoformat(row["valid_from"]),
            defaults={"name": row["name"], "value": Decimal(row["value"]), "legal_basis": row["legal_basis"]},
        )
        created += new
    accounts = {}
    for row in _rows("chart_of_accounts.csv"):
        account, new = LedgerAccount.objects.get_or_create(
            number=row["number"],
            defaults={
                "name": row["name"],
                "kind": row["kind"],
                "analytic_by_obligor": row["analytic_by_obligor"] == "1",
            },
        )
        accounts[account.number] = account
        created += new
    for row in _rows("posting_rules.csv"):
        _obj, new = PostingRule.objects.get_or_create(
            event=row["event"],
            component=row["component"],
            defaults={
                "debit": accounts[row["debit"]],
                "credit": accounts[row["credit"]],
                "description": row["description"],
            },
        )
        created += new
    return created
