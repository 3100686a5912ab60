"""Benchmark of the reminder dry run: BENCH_DEBTORS debtors (default 20 000) with BENCH_ACCOUNTS open accounts
(default 100 000, five per debtor), target ≤ 60 s on PostgreSQL:
`BENCH_DATABASE_URL=postgres://postgres@localhost:5432/r7bench .venv/bin/python bench/finance_reminders.py`.
For repeatable figures seed once and measure on a copy: ``CREATE DATABASE run1 TEMPLATE r7bench``.

Seeds (once; later runs reuse them) parties, property-tax / waste-fee accounts with a charge of two installments
(17.03.2025 and 15.09.2025, unpaid; the amount varies so that some debtors are below the 160 zł threshold), in bulk.
Then creates a run (cut-off 31.05.2026, issue date 01.06.2026) and times ``reminder_run_compute`` — reading the
arrears per installment with interest to the issue date, applying the selection rules and writing the proposed
reminders with their items. Each run cancels its run afterwards (so the next one proposes again). PDFs are not part
of the dry run (they are rendered when a confirmed run is issued). No asserts; figures go to docs/performance.md.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_finance_reminders.sqlite3)
    BENCH_DEBTORS       debtors (default 20000)
    BENCH_ACCOUNTS      accounts (default 100000)
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
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_finance_reminders.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N_DEBTORS = int(os.environ.get("BENCH_DEBTORS", "20000"))
N_ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
BATCH = 1000  # debtors per transaction
D = Decimal
d = datetime.date


def seed():
    from core.models import Party
    from finance.models import AccountEntry, Installment, ObligorAccount, ReceivableType

    types = [ReceivableType.objects.get(code="property_tax_person"), ReceivableType.objects.get(code="waste_fee")]
    existing = ObligorAccount.objects.filter(source_ref__startswith="bench-rem-").count()
    per = max(1, N_ACCOUNTS // N_DEBTORS)
    t0 = time.perf_counter()
    booked = d(2025, 2, 1)
    start_debtor = existing // per
    for start in range(start_debtor, N_DEBTORS, BATCH):
        stop = min(N_DEBTORS, start + BATCH)
        with transaction.atomic():
            parties = Party.objects.bulk_create(
                [Party(kind=Party.Kind.PERSON, first_names="Anna", surname=f"Dłużna{i}") for i in range(start, stop)]
            )
            accounts = ObligorAccount.objects.bulk_create(
                [
                    ObligorAccount(
                        party=p, receivable_type=types[k % 2], year=2020 + k, source_ref=f"bench-rem-{i}-{k}"
                    )
                    for i, p in zip(range(start, stop), parties, strict=True)
                    for k in range(per)
                ]
            )
            amounts = [D(10 + (a.party_id * 37 + n) % 120) for n, a in enumerate(accounts)]
            charges = AccountEntry.objects.bulk_create(
                [AccountEntry(account=a, kind="charge", component="principal", amount=amt * 2, value_date=booked,
                              booked_on=booked, description="bench") for a, amt in zip(accounts, amounts, strict=True)]
            )  # fmt: skip
            Installment.objects.bulk_create(
                [
                    Installment(charge=c, number=k, due_date=due, effective_due_date=eff, amount=amt)
                    for c, amt in zip(charges, amounts, strict=True)
                    for k, due, eff in ((1, d(2025, 3, 15), d(2025, 3, 17)), (2, d(2025, 9, 15), d(2025, 9, 15)))
                ]
            )
        print(f"\rseed: {stop} debtors", end="", flush=True)
    if start_debtor < N_DEBTORS:
        print(f"\nseed: {time.perf_counter() - t0:.1f} s")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        print(f"seed: {existing} accounts already there")


def main() -> None:
    from django.contrib.auth import get_user_model

    from finance.models.collection import CollectionRun, Reminder, ReminderItem
    from finance.services import reminders as svc

    print(f"database: {connection.vendor}; {N_DEBTORS} debtors, {N_ACCOUNTS} accounts")
    call_command("migrate", verbosity=0)
    seed()
    user, _c = get_user_model().objects.get_or_create(username="bench-reminders", defaults={"is_superuser": True})
    with transaction.atomic():
        run = CollectionRun.objects.create(
            kind=CollectionRun.Kind.REMINDERS, cutoff_date=d(2026, 5, 31), issue_date=d(2026, 6, 1), created_by=user
        )
    t0 = time.perf_counter()
    run = svc.reminder_run_compute(run_id=run.pk, actor=user)
    elapsed = time.perf_counter() - t0
    print(f"dry run: {elapsed:.1f} s — {run.progress_total} accounts ({run.progress_total / elapsed:.0f}/s)")
    print(f"proposed: {Reminder.objects.filter(run=run).count()} reminders, "
          f"{ReminderItem.objects.filter(reminder__run=run).count()} items; summary {run.summary}")  # fmt: skip
    svc.reminder_run_cancel(actor=user, run=run)


if __name__ == "__main__":
    main()
