"""Benchmark of the arrears report: balance with interest as of a date for BENCH_ACCOUNTS obligor accounts
(default 100 000; target ≤ 30 s on the 2-core machine, PostgreSQL): `.venv/bin/python bench/finance_arrears.py`.

Seeds (once; later runs reuse them) parties, one property-tax account each with a charge of four installments
(15.03, 15.05, 15.09, 15.11 of 2025 — the first and the last shifted to Monday 17th), and for two accounts in
three a payment allocated to part of the installments, for one in ten reminder costs. The seed writes rows with
bulk_create (the shape the services write; no journal — the report does not read it). Then times
``finance.selectors.arrears(as_of=…)`` (all accounts with arrears, balance incl. interest replayed from the entries)
for two dates, and prints the figures and a checksum. No asserts; results go to docs/performance.md by hand.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_finance.sqlite3); PostgreSQL:
                        psql -h localhost -U postgres -c 'CREATE DATABASE f_accounts_bench'
                        BENCH_DATABASE_URL=postgres://postgres@localhost:5432/f_accounts_bench
    BENCH_ACCOUNTS      how many accounts (default 100000)
"""

import datetime
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
(BASE / "var").mkdir(exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_finance.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
BATCH = 2000
D = Decimal
d = datetime.date
DUES = [(d(2025, 3, 15), d(2025, 3, 17)), (d(2025, 5, 15), d(2025, 5, 15)), (d(2025, 9, 15), d(2025, 9, 15)),
        (d(2025, 11, 15), d(2025, 11, 17))]  # fmt: skip


def seed(n: int) -> None:
    from core.models import Party
    from finance.models import AccountEntry, Installment, ObligorAccount, ReceivableType

    rtype = ReceivableType.objects.get(code="property_tax_person")
    existing = ObligorAccount.objects.filter(source_ref__startswith="bench-").count()
    if existing >= n:
        print(f"seed: {existing} accounts already there")
        return
    t0 = time.perf_counter()
    today = d(2025, 2, 1)
    for start in range(existing, n, BATCH):
        stop = min(n, start + BATCH)
        with transaction.atomic():
            parties = Party.objects.bulk_create(
                [Party(kind=Party.Kind.PERSON, first_names="Jan", surname=f"Bench{i}") for i in range(start, stop)]
            )
            accounts = ObligorAccount.objects.bulk_create(
                [
                    ObligorAccount(party=p, receivable_type=rtype, year=2025, source_ref=f"bench-{i}")
                    for i, p in zip(range(start, stop), parties, strict=True)
                ]
            )
            amounts = [D(400 + (i * 37) % 4000) for i in range(start, stop)]
            charges = AccountEntry.objects.bulk_create(
                [AccountEntry(account=a, kind="charge", component="principal", amount=amt, value_date=today,
                              booked_on=today, description="bench") for a, amt in zip(accounts, amounts, strict=True)]
            )  # fmt: skip
            insts = []
            for c, amt in zip(charges, amounts, strict=True):
                part = (amt / 4).quantize(D("0.01"))
                for k, (due, eff) in enumerate(DUES, start=1):
                    value = part if k < 4 else amt - 3 * part
                    insts.append(Installment(charge=c, number=k, due_date=due, effective_due_date=eff, amount=value))
            insts = Installment.objects.bulk_create(insts)
            extra = []
            for j, (a, i) in enumerate(zip(accounts, range(start, stop), strict=True)):
                first, second = insts[4 * j], insts[4 * j + 1]
                if i % 3:
                    extra.append(AccountEntry(account=a, kind="allocation", component="principal",
                                              amount=first.amount, value_date=d(2025, 3, 14), booked_on=today,
                                              installment=first))  # fmt: skip
                if i % 3 == 1:
                    paid = d(2025, 7, 1)
                    extra.append(AccountEntry(account=a, kind="allocation", component="principal",
                                              amount=(second.amount / 2).quantize(D("0.01")), value_date=paid,
                                              booked_on=today, installment=second))  # fmt: skip
                    extra.append(AccountEntry(account=a, kind="allocation", component="interest", amount=D("3.00"),
                                              value_date=paid, booked_on=today, installment=second))  # fmt: skip
                if i % 10 == 0:
                    extra.append(AccountEntry(account=a, kind="reminder_cost", component="costs", amount=D("16.00"),
                                              value_date=d(2025, 6, 1), booked_on=today))  # fmt: skip
            AccountEntry.objects.bulk_create(extra)
        print(f"\rseed: {stop} accounts ({(stop - existing) / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    print(f"\nseed: {time.perf_counter() - t0:.1f} s")


def main() -> None:
    from finance import selectors
    from finance.models import AccountEntry, ObligorAccount

    print(f"database: {connection.vendor}")
    call_command("migrate", verbosity=0)
    seed(N)
    print(f"accounts: {ObligorAccount.objects.count()}, entries: {AccountEntry.objects.count()}")
    for as_of in (d(2025, 6, 30), d(2026, 3, 31)):
        t0 = time.perf_counter()
        rows = selectors.arrears(as_of=as_of)
        elapsed = time.perf_counter() - t0
        principal = sum((b.principal for _a, b in rows), D(0))
        interest = sum((b.interest for _a, b in rows), D(0))
        print(
            f"arrears as of {as_of:%d.%m.%Y}: {len(rows)} accounts with arrears, principal {principal}, "
            f"interest {interest}: {elapsed:.1f} s ({len(rows) / elapsed:.0f} accounts/s)"
        )


if __name__ == "__main__":
    main()
