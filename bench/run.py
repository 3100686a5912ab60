"""Benchmarks: `make bench` (or `.venv/bin/python bench/run.py`). Prints figures; no asserts.

Runs against BENCH_DATABASE_URL (default: a throw-away SQLite file var/bench.sqlite3), never the demo
database. Results are recorded by hand in docs/performance.md with the machine they were measured on.
"""

import os
import sys
import time
import tracemalloc
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402


def _timed(label, fn, n):
    tracemalloc.start()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<48} {n:>8} ops {elapsed:8.3f} s {n / elapsed:10.1f} ops/s  peak {peak / 1e6:7.1f} MB")


def bench_audit_append(n=2000):
    from core.services.audit import audit_log

    def run():
        for i in range(n):
            with transaction.atomic():
                audit_log(actor=None, action="bench.event", object_type="bench", object_id=i, details={"i": i})

    _timed("audit_log: append (one transaction each)", run, n)


def bench_audit_verify():
    from core.models import AuditEvent
    from core.services.audit import audit_verify

    n = AuditEvent.objects.count()
    _timed("audit_verify: whole chain", lambda: audit_verify(), n)


def bench_party_search(n_parties=20000, queries=200):
    from core.domain.identifiers import generate_pesel
    from core.models import Party
    from core.selectors import party_search
    from tests.factories import UserFactory

    existing = Party.objects.count()
    if existing < n_parties:
        import datetime

        rows = []
        for i in range(existing, n_parties):
            birth = datetime.date(1940 + i % 80, i % 12 + 1, i % 28 + 1)
            rows.append(
                Party(
                    kind="person",
                    pesel=generate_pesel(birth, "M" if i % 2 else "F", i % 1000),
                    first_names="Jan",
                    surname=f"Nazwisko{i:06d}",
                    birth_date=birth,
                    sex="M" if i % 2 else "F",
                )
            )
            rows[-1].refresh_search_text()
        Party.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    from core import roles

    user = UserFactory(username="bench-user", roles=[roles.TAX_CLERK])
    names = [f"Nazwisko{(i * 97) % n_parties:06d}" for i in range(queries)]

    def run():
        for name in names:
            list(party_search(user=user, query=name)[:25])

    _timed(f"party_search: surname, {Party.objects.count()} parties", run, queries)


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    bench_audit_append()
    bench_audit_verify()
    bench_party_search()


if __name__ == "__main__":
    main()
