"""Benchmark of the MT940 import: BENCH_CREDITS credits (default 100 000) to BENCH_OBLIGORS virtual accounts
(default 50 000), with matching, allocation and journal entries; target ≤ 60 s on the 2-core machine, PostgreSQL:
`.venv/bin/python bench/finance_import.py`.

Seeds (once; later runs reuse them) parties with a property-tax account each and a charge of two installments
(15.03.2025 — an arrear with interest by the payment date — and 15.09.2025), and a virtual account each, by
bulk_create. Then writes one MT940 file (cp852, separator ~, the virtual account in :86: sub-field 29) with the
credits spread over the virtual accounts (two per account with the defaults), imports it with
``finance.services.statements.statement_import`` (decode + validate, match, Payment rows, allocation by the
Ordynacja podatkowa with its journal entries, audit events) and prints the figures: parse time, import time
(and its two phases), payments per second, journal entries written. The identified payments of a statement are
allocated by ``finance.services.payments.payments_allocate_batch`` (set-based: a few queries for all accounts,
COPY of plain rows on PostgreSQL, collective journal entries in parts of ``JOURNAL_PART_ACCOUNTS`` obligor
accounts); statement lines and payments are written as plain rows with reserved ids (``finance.services.bulk``).
Every run uses a new statement reference, so it imports again (a
second run books more payments on the same accounts). No asserts; results go to docs/performance.md by hand.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_finance_import.sqlite3);
                        PostgreSQL: psql -h localhost -U postgres -c 'CREATE DATABASE f_bank_bench'
                        BENCH_DATABASE_URL=postgres://postgres@localhost:5432/f_bank_bench
    BENCH_CREDITS       credits in the statement (default 100000)
    BENCH_OBLIGORS      obligors with a virtual account (default 50000)
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
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_finance_import.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N_CREDITS = int(os.environ.get("BENCH_CREDITS", "100000"))
N_OBLIGORS = int(os.environ.get("BENCH_OBLIGORS", "50000"))
BATCH = 2000
D = Decimal
d = datetime.date
PROFILE = {
    "code": "bench-bank", "name": "Bench bank", "separator": "~", "encoding": "cp852",
    "virtual_account_field": "86_29", "office_account": "75102010260000000123456789", "sort_code": "10201026",
    "client_prefix": "987654", "id_length": 10,
}  # fmt: skip


def seed(n: int):
    from core.models import Party
    from finance.domain import nrb
    from finance.models import AccountEntry, BankProfile, Installment, ObligorAccount, ReceivableType, VirtualAccount

    profile, _created = BankProfile.objects.get_or_create(code=PROFILE["code"], defaults=PROFILE)
    rtype = ReceivableType.objects.get(code="property_tax_person")
    existing = VirtualAccount.objects.filter(profile=profile).count()
    t0 = time.perf_counter()
    booked = d(2025, 2, 1)
    for start in range(existing, n, BATCH):
        stop = min(n, start + BATCH)
        with transaction.atomic():
            parties = Party.objects.bulk_create(
                [Party(kind=Party.Kind.PERSON, first_names="Jan", surname=f"Wpłacający{i}") for i in range(start, stop)]
            )
            accounts = ObligorAccount.objects.bulk_create(
                [
                    ObligorAccount(party=p, receivable_type=rtype, year=2025, source_ref=f"bench-import-{i}")
                    for i, p in zip(range(start, stop), parties, strict=True)
                ]
            )
            charges = AccountEntry.objects.bulk_create(
                [AccountEntry(account=a, kind="charge", component="principal", amount=D("1000.00"), value_date=booked,
                              booked_on=booked, description="bench") for a in accounts]
            )  # fmt: skip
            Installment.objects.bulk_create(
                [
                    Installment(charge=c, number=k, due_date=due, effective_due_date=eff, amount=D("500.00"))
                    for c in charges
                    for k, due, eff in ((1, d(2025, 3, 15), d(2025, 3, 17)), (2, d(2025, 9, 15), d(2025, 9, 15)))
                ]
            )
            VirtualAccount.objects.bulk_create(
                [
                    VirtualAccount(
                        nrb=nrb.build(sort_code="10201026", client_prefix="987654", identifier=i + 1, id_length=10),
                        party=p,
                        profile=profile,
                        identifier=i + 1,
                    )
                    for i, p in zip(range(start, stop), parties, strict=True)
                ]
            )
        print(f"\rseed: {stop} obligors ({(stop - existing) / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    if existing < n:
        print(f"\nseed: {time.perf_counter() - t0:.1f} s")
        if connection.vendor == "postgresql":  # statistics, as a database in use has them (autovacuum)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        print(f"seed: {existing} obligors already there")
    return profile


def statement(n_credits: int, n_obligors: int, reference: str) -> bytes:
    from finance.domain import nrb

    day = d(2025, 6, 20)
    yymmdd = day.strftime("%y%m%d")
    out = [f":20:{reference}", f":25:/PL{PROFILE['office_account']}", ":28C:1/1", f":60F:C{yymmdd}PLN0,00"]
    total = 0
    for i in range(n_credits):
        identifier = i % n_obligors + 1
        grosze = 5000 + (i * 7919) % 60000
        total += grosze
        va = nrb.build(sort_code="10201026", client_prefix="987654", identifier=identifier, id_length=10)
        out.append(f":61:{yymmdd}0620C{grosze // 100},{grosze % 100:02d}N152NONREF//B{i:09d}")
        out.append(f":86:152~00PRZELEW~20Podatek od nieruchomości~29{va}~32WPŁACAJĄCY {identifier}")
    out.append(f":62F:C{yymmdd}PLN{total // 100},{total % 100:02d}")
    return ("\r\n".join(out) + "\r\n-\r\n").encode("cp852")


def main() -> None:
    from finance.domain import mt940
    from finance.models import JournalEntry, Payment
    from finance.services.statements import parse_file, statement_import

    print(f"database: {connection.vendor}; {N_CREDITS} credits to {N_OBLIGORS} obligors")
    call_command("migrate", verbosity=0)
    profile = seed(N_OBLIGORS)
    t0 = time.perf_counter()
    data = statement(N_CREDITS, N_OBLIGORS, f"BENCH{int(time.time())}")
    print(f"file: {len(data) / 2**20:.1f} MiB generated in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    parsed = parse_file(profile=profile, data=data)
    print(f"decode + validate + :86: split: {time.perf_counter() - t0:.1f} s ({len(parsed[0].movements)} lines)")
    del parsed, mt940
    journal_before, payments_before = JournalEntry.objects.count(), Payment.objects.count()

    phases = {}

    def progress(done, total):
        phases["lines"] = time.perf_counter() - t0  # statement, matching, statement lines, payments prepared
        if done % 10000 == 0:
            print(f"\r  {done}/{total} ({done / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)

    t0 = time.perf_counter()
    summary = statement_import(actor=None, profile=profile, data=data, file_name="bench.sta", progress=progress)
    elapsed = time.perf_counter() - t0
    print()
    print(
        f"import: {elapsed:.1f} s — {summary.lines} lines, {summary.matched} matched, {summary.unidentified} "
        f"unidentified, {summary.amount} PLN; {summary.lines / elapsed:.0f} payments/s; "
        f"{JournalEntry.objects.count() - journal_before} journal entries, "
        f"{Payment.objects.count() - payments_before} payments (target ≤ 60 s for 100 000)"
    )
    if "lines" in phases:
        print(
            f"  of which: statement + matching + {summary.lines} statement lines + payments prepared "
            f"{phases['lines']:.1f} s; batch allocation, journal, payments written, commit "
            f"{elapsed - phases['lines']:.1f} s"
        )


if __name__ == "__main__":
    main()
