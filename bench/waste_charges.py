"""Benchmark of the monthly waste fee charge run (issue 9 "Performance"): ``waste_charges_post`` for BENCH_PROPERTIES
properties (default 100 000) with accepted declarations; target ≤ 60 s on PostgreSQL on the 2-core machine:
`.venv/bin/python bench/waste_charges.py`.

Seeds once (later runs reuse the register; COPY of plain rows through ``finance.services.bulk``, not the services):
the demo resolution (``taxes.hooks.waste.seed_demo``: 38.00 zł per resident, composting −3.00, containers, cottages
180.00 zł a year), one payer and one accepted declaration (from 1.01 of BENCH_YEAR) per property — per resident with
1–6 residents (about 30 % composting, 3 % non-selective, every 20th with the large-family exemption), per household
(5 %), containers only for non-residential properties (4 %), mixed (2 %: residents and a 120 l container) and
holiday cottages (1 %, the annual fee). Then it times the run of each month from BENCH_MONTH (default 1: January,
with the cottages' annual fee) that is not charged yet, and a second run of the same month (everything skipped),
printing the counts, the rows written and the peak resident memory.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_waste_charges.sqlite3 — use
                        PostgreSQL: psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE waste_bench'
                        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/waste_bench)
    BENCH_PROPERTIES    properties (default 100000)
    BENCH_YEAR          the year (default 2026)
    BENCH_MONTH         the first month timed (default 1); a month already charged moves on to the next one
"""

import datetime
import os
import resource
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
(BASE / "var").mkdir(exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_waste_charges.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("BENCH_PROPERTIES", "100000"))
YEAR = int(os.environ.get("BENCH_YEAR", "2026"))
MONTH = int(os.environ.get("BENCH_MONTH", "1"))
BATCH = 10000
PREFIX = "ODP/B/"


def _declaration(i: int) -> tuple[str, dict]:
    """(property kind, declaration fields) of property ``i``, deterministic."""
    k = i % 100
    if k < 1:
        return "cottage", {"method": ""}
    if k < 3:
        return "mixed", {"method": "per_resident", "residents": 1 + i % 4,
                         "containers": [{"capacity_l": 120, "frequency": 2, "count": 1}]}  # fmt: skip
    if k < 7:
        return "non_residential", {
            "method": "",
            "containers": [{"capacity_l": 240 if i % 2 else 1100, "frequency": 2 if i % 2 else 4, "count": 1 + i % 3}],
        }
    if k < 12:
        return "residential", {"method": "per_household", "households": 1}
    fields = {"method": "per_resident", "residents": 1 + i % 6, "composts": i % 10 < 3, "selective": i % 33 != 0}
    if i % 20 == 13:
        fields["exemption_codes"] = ["large_family"]
    return "residential", fields


def _json(value):
    """A JSON value for COPY (psycopg's Jsonb on PostgreSQL; bulk_create takes the plain value)."""
    if connection.vendor != "postgresql":
        return value
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def seed(n: int, year: int):
    from core.models import Address, Party
    from finance.services.bulk import bulk_insert_rows, reserve_ids
    from taxes.hooks.waste import seed_demo
    from taxes.models import WasteDeclaration, WasteProperty, WasteRate, WasteResolution

    seed_demo()
    resolution = WasteResolution.objects.order_by("-valid_from").first()
    if not resolution.rates.filter(kind=WasteRate.Kind.PER_HOUSEHOLD).exists():
        WasteRate.objects.create(resolution=resolution, kind=WasteRate.Kind.PER_HOUSEHOLD, rate="120.00")
        resolution.methods = sorted({*resolution.methods, "per_household"})
        resolution.save(update_fields=["methods"])
    existing = WasteProperty.objects.filter(identifier__startswith=PREFIX).count()
    if existing >= n:
        print(f"seed: {existing} properties already there")
        return
    if existing:
        raise SystemExit("a partial seed is in the database: drop it (or the database) and run again")
    address = Address.objects.create(locality_name="Benchowo", postal_code="00-001", post_town="Benchowo")
    start = datetime.date(year, 1, 1)
    t0 = time.perf_counter()
    for offset in range(0, n, BATCH):
        stop = min(n, offset + BATCH)
        with transaction.atomic():
            party_ids = reserve_ids(Party, stop - offset)
            property_ids = reserve_ids(WasteProperty, stop - offset)
            parties, properties, declarations = [], [], []
            for i, party_id, property_id in zip(range(offset, stop), party_ids, property_ids, strict=True):
                kind, fields = _declaration(i)
                parties.append({"id": party_id, "kind": Party.Kind.PERSON.value, "first_names": "Jan",
                                "surname": f"Odpadowy{i:06d}", "registered_address_id": address.pk})  # fmt: skip
                properties.append({"id": property_id, "identifier": f"{PREFIX}{i:06d}", "address_id": address.pk,
                                   "kind": kind})  # fmt: skip
                declarations.append({
                    "property_id": property_id, "payer_id": party_id, "number": f"DO/B{i}/{year}", "filed_on": start,
                    "effective_from": start, "purpose": "first", "status": WasteDeclaration.Status.ACCEPTED.value,
                    "payload": _json({}), "problems": _json([]),
                    **{key: _json(fields.pop(key, [])) for key in ("exemption_codes", "containers")}, **fields,
                })  # fmt: skip
            bulk_insert_rows(Party, parties, with_ids=True)
            bulk_insert_rows(WasteProperty, properties, with_ids=True)
            bulk_insert_rows(WasteDeclaration, declarations)
        print(f"\rseed: {stop} properties ({stop / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    print(f"\nseed: {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _rss_mb() -> str:
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"


def _rows() -> dict:
    from finance.models import AccountEntry, Installment, JournalEntry, JournalLine, ObligorAccount

    return {
        "accounts": ObligorAccount.objects.count(), "entries": AccountEntry.objects.count(),
        "installments": Installment.objects.count(), "journal entries": JournalEntry.objects.count(),
        "journal lines": JournalLine.objects.count(),
    }  # fmt: skip


def main() -> None:
    from finance.models import AccountEntry
    from taxes.services.waste_charges import SYSTEM, charge_ref, waste_charges_post

    print(f"database: {connection.vendor}; {N} properties; year {YEAR}")
    call_command("migrate", verbosity=0)
    seed(N, YEAR)
    month = datetime.date(YEAR, MONTH, 1)
    while AccountEntry.objects.filter(source_ref__startswith="waste:", source_ref__contains=f":{month:%Y-%m}").exists():
        if month.month == 12:
            raise SystemExit(f"every month of {YEAR} is charged: use a new database or BENCH_YEAR")
        month = month.replace(month=month.month + 1)
    assert charge_ref(1, month).endswith(f"{month:%Y-%m}")
    before = _rows()
    t0 = time.perf_counter()
    counts = waste_charges_post(actor=SYSTEM, month=month)
    first = time.perf_counter() - t0
    after = _rows()
    written = {k: after[k] - before[k] for k in after}
    declarations = sum(counts.values())
    print(f"{month:%Y-%m} run:    {first:6.1f} s — {counts} ({declarations / first:.0f} declarations/s); rows "
          f"written {written}; peak RSS {_rss_mb()}")  # fmt: skip
    t0 = time.perf_counter()
    again = waste_charges_post(actor=SYSTEM, month=month)
    second = time.perf_counter() - t0
    print(f"{month:%Y-%m} again:  {second:6.1f} s — {again}; peak RSS {_rss_mb()}")
    print(f"target ≤ 60 s: run {first:.1f} s, second run {second:.1f} s")


if __name__ == "__main__":
    main()
