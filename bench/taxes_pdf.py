"""Benchmark of the decision documents (issue 8): PDF + XML of N decisions, `.venv/bin/python bench/taxes_pdf.py`.

Seeds (once; later runs reuse them) BENCH_DECISIONS draft decisions (default 1 000) of a realistic register by
bulk_create: a taxpayer with a postal address, an E1-like house + land, every 5th with 6–10 objects (buildings,
land, a structure, agricultural land, a forest), every 7th with a co-obligor (joint spouses), four installments, an
individual account and the payment QR code. Then times, each over the same decisions:

* single render — ``taxes.services.decisions.decision_render`` one decision at a time (1 process);
* batch render — ``taxes.services.rendering.decisions_render`` in batches of BENCH_BATCH (1 process);
* batch render with BENCH_PROCESSES (default 2) worker processes in parallel (as Celery concurrency 2 would).

Both renderers produce the PDF and the XML (validated against the XSD). Prints decisions/s and the peak RSS of
the processes; no asserts. Results are recorded by hand in docs/performance.md.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_taxes_pdf.sqlite3);
                        PostgreSQL: psql -h localhost -U postgres -c 'CREATE DATABASE magistrat_bench_pdf'
    BENCH_DECISIONS     decisions (default 1000)
    BENCH_SINGLE        how many of them the (slow) single render times (default 200)
    BENCH_BATCH         decisions per batch (default 10)
    BENCH_PROCESSES     parallel worker processes (default 2)
    BENCH_PROFILE       a file name: write a cProfile of the batch renderer over 50 decisions there
"""

import datetime
import multiprocessing
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
(BASE / "var").mkdir(exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_taxes_pdf.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N_DECISIONS = int(os.environ.get("BENCH_DECISIONS", "1000"))
N_SINGLE = int(os.environ.get("BENCH_SINGLE", "200"))
BATCH = int(os.environ.get("BENCH_BATCH", "10"))
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
PROFILE = os.environ.get("BENCH_PROFILE", "")
YEAR = 2026
PREFIX = "BENCH-PDF"
D = Decimal
ACCOUNT = "12345678901234567890123456"
STREETS = ["Główna", "Polna", "Leśna", "Słoneczna", "Krótka", "Szkolna", "Ogrodowa", "Lipowa", "Łąkowa", "Brzozowa"]
SURNAMES = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński"]
NAMES = ["Jan", "Anna", "Piotr", "Maria", "Krzysztof", "Katarzyna", "Andrzej", "Małgorzata", "Józef", "Zofia"]
# (kind, category code, base, rate) of the objects beyond the E1 pair; a big register takes 4–8 of them
EXTRA = [
    ("building", "building_business", D("86.5000"), D("28.7800")),
    ("land", "land_business", D("1250.0000"), D("1.1600")),
    ("building", "building_other", D("24.0000"), D("9.6100")),
    ("structure", "structure", D("40000.0000"), D("0.0200")),
    ("agricultural", "agri_farm", D("3.4512"), D("228.6250")),
    ("forest", "forest", D("1.2300"), D("52.5690")),
    ("land", "land_other", D("2300.0000"), D("0.7300")),
    ("building", "building_residential", D("45.2000"), D("1.1900")),
]
TAX_OF_KIND = {"building": "property", "land": "property", "structure": "property", "agricultural": "agricultural",
               "forest": "forest"}  # fmt: skip


def _objects_of(i: int):
    house = ("building", "building_residential", D("120.0000") + i % 40, D("1.1900"))
    land = ("land", "land_other", D("800.0000") + (i % 13) * 50, D("0.7300"))
    extra = EXTRA[: 4 + i % 5] if i % 5 == 0 else []
    return [house, land, *extra]


def seed(n: int) -> list[int]:
    """Draft decisions BENCH-PDF/<i> (created when missing) → their ids, in number order."""
    from core.models import Address, Party
    from taxes.models import Decision, DecisionInstallment, DecisionItem, DecisionTax, ObjectVersion, TaxObject
    from taxes.models.reference import RateCategory
    from taxes.services.assessment import qr_payload

    existing = Decision.objects.filter(number__startswith=f"{PREFIX}/").count()
    categories = {c.code: c for c in RateCategory.objects.all()}
    t0 = time.perf_counter()
    chunk = 500
    for start in range(existing, n, chunk):
        stop = min(n, start + chunk)
        idx = range(start, stop)
        with transaction.atomic():
            addresses = Address.objects.bulk_create(
                [
                    Address(street_name=f"ul. {STREETS[i % 10]}", building_number=str(i % 97 + 1),
                            flat_number=str(i % 9) if i % 3 == 0 else "", postal_code="05-990",
                            locality_name="Magistrowo", post_town="Magistrowo")
                    for i in idx
                ]
            )  # fmt: skip
            parties = Party.objects.bulk_create(
                [
                    Party(kind=Party.Kind.PERSON, first_names=NAMES[i % 10], surname=f"{SURNAMES[i % 8]}-Bench{i}",
                          registered_address=a)
                    for i, a in zip(idx, addresses, strict=True)
                ]
            )  # fmt: skip
            married = [i for i in idx if i % 7 == 0]
            spouse_rows = [
                Party(kind=Party.Kind.PERSON, first_names=NAMES[(i + 1) % 10], surname=f"{SURNAMES[i % 8]}-Bench{i}",
                      registered_address=addresses[i - start])
                for i in married
            ]  # fmt: skip
            spouses = dict(zip(married, Party.objects.bulk_create(spouse_rows), strict=True))
            plan = {i: _objects_of(i) for i in idx}
            objects = TaxObject.objects.bulk_create(
                [
                    TaxObject(kind=kind, precinct=f"Obręb {i % 12 + 1:04d}", parcel=f"{i + 100}/{k + 1}")
                    for i in idx
                    for k, (kind, _c, _b, _r) in enumerate(plan[i])
                ]
            )
            versions = ObjectVersion.objects.bulk_create(
                [
                    ObjectVersion(object=o, valid_from=datetime.date(YEAR - 3, 1, 1), category=categories[code],
                                  area=base if code != "structure" else 0,
                                  value=base if code == "structure" else 0)
                    for o, (_k, code, base, _r) in zip(objects, [x for i in idx for x in plan[i]], strict=True)
                ]
            )  # fmt: skip
            rows, items, taxes_rows, installments = [], [], [], []
            pos = 0
            for i, party in zip(idx, parties, strict=True):
                per_tax: dict[str, Decimal] = {}
                mine = []
                for kind, code, base, rate in plan[i]:
                    amount = (base * rate).quantize(D("0.0001"))
                    per_tax[TAX_OF_KIND[kind]] = per_tax.get(TAX_OF_KIND[kind], D(0)) + amount
                    mine.append((objects[pos], versions[pos], TAX_OF_KIND[kind], code, base, rate, amount))
                    pos += 1
                rounded = {t: a.quantize(D("1")) for t, a in per_tax.items()}
                total = sum(rounded.values())
                number = f"{PREFIX}/{i + 1:06d}"
                quarter = (total / 4).quantize(D("0.01"))
                amounts = [quarter, quarter, quarter, total - 3 * quarter]
                decision = Decision(
                    kind=Decision.Kind.ASSESSMENT, number=number, party=party, year=YEAR,
                    period_from=datetime.date(YEAR, 1, 1), period_to=datetime.date(YEAR, 12, 31), total=total,
                    issue_date=datetime.date(YEAR, 2, 20), bank_account=ACCOUNT,
                    qr_payload=qr_payload(account=ACCOUNT, amount=amounts[0], title=f"{number} rata 1"),
                )  # fmt: skip
                rows.append((decision, mine, rounded, per_tax, amounts))
            Decision.objects.bulk_create([r[0] for r in rows])
            for decision, mine, rounded, per_tax, amounts in rows:
                items += [
                    DecisionItem(decision=decision, tax=tax, object=o, version=v, category=code, base=base, rate=rate,
                                 months=12, share="1/1", amount=amount)
                    for o, v, tax, code, base, rate, amount in mine
                ]  # fmt: skip
                taxes_rows += [
                    DecisionTax(decision=decision, tax=t, exact=per_tax[t], amount=a) for t, a in rounded.items()
                ]
                installments += [
                    DecisionInstallment(decision=decision, number=k, due_date=datetime.date(YEAR, m, 15), amount=a)
                    for k, (m, a) in enumerate(zip((3, 5, 9, 11), amounts, strict=True), start=1)
                ]
            DecisionItem.objects.bulk_create(items)
            DecisionTax.objects.bulk_create(taxes_rows)
            DecisionInstallment.objects.bulk_create(installments)
            through = Decision.co_obligors.through
            through.objects.bulk_create(
                [through(decision_id=r[0].pk, party_id=spouses[i].pk) for i, r in zip(idx, rows, strict=True)
                 if i in spouses]
            )  # fmt: skip
    if existing < n:
        print(f"seeded {n - existing} decisions in {time.perf_counter() - t0:.1f} s")
    return list(
        Decision.objects.filter(number__startswith=f"{PREFIX}/").order_by("number").values_list("pk", flat=True)[:n]
    )


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _line(label: str, n: int, wall: float, cpu: float, extra: str = ""):
    print(
        f"{label:<44} {n:>5} decisions  wall {wall:7.2f} s = {n / wall:6.2f}/s  "
        f"CPU {cpu:7.2f} s = {n / cpu:6.2f}/CPU-s  {extra}"
    )


def bench_single(ids: list[int]) -> None:
    from taxes.models import Decision
    from taxes.services.decisions import decision_render

    decision_render(Decision.objects.get(pk=ids[0]))  # warm-up: imports, fonts, template, schema
    t0, c0 = time.perf_counter(), time.process_time()
    size = 0
    for pk in ids:
        pdf, _xml = decision_render(Decision(pk=pk))
        size += len(pdf)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _line(
        "single render (decision_render), 1 process", len(ids), wall, cpu, f"avg PDF {size / len(ids) / 1024:.0f} KiB"
    )


def _render_batches(ids: list[int]) -> tuple[int, int, int]:
    from taxes.services.rendering import decisions_render

    done = failed = size = 0
    for start in range(0, len(ids), BATCH):
        for result in decisions_render(ids[start : start + BATCH], batch_size=BATCH).values():
            if isinstance(result, Exception):
                failed += 1
            else:
                done += 1
                size += len(result.pdf)
    return done, failed, size


def bench_batch(ids: list[int]) -> None:
    from taxes.services.rendering import decisions_render

    decisions_render(ids[:2])  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    done, failed, size = _render_batches(ids)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _line(f"batch render (batches of {BATCH}), 1 process", done, wall, cpu,
          f"avg PDF {size / max(done, 1) / 1024:.1f} KiB, failed {failed}")  # fmt: skip


def _worker(ids: list[int], up, down) -> None:
    connection.close()  # a forked process opens its own connection
    from taxes.services.rendering import decisions_render

    decisions_render(ids[:2])  # warm-up (as a long-lived Celery worker is)
    up.put("ready")
    down.get()
    c0 = time.process_time()
    done, failed, _size = _render_batches(ids)
    up.put((done, failed, time.process_time() - c0, _rss_mb()))


def bench_parallel(ids: list[int], processes: int) -> None:
    connection.close()
    ctx = multiprocessing.get_context("fork")
    parts = [ids[k::processes] for k in range(processes)]
    queues = [(ctx.Queue(), ctx.Queue()) for _ in parts]
    procs = [ctx.Process(target=_worker, args=(part, up, down)) for part, (up, down) in zip(parts, queues, strict=True)]
    for p in procs:
        p.start()
    for up, _down in queues:
        assert up.get() == "ready"
    t0 = time.perf_counter()
    for _up, down in queues:
        down.put("go")
    results = [up.get() for up, _down in queues]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    cpu = sum(r[2] for r in results)
    rss = ", ".join(f"{r[3]:.0f}" for r in results)
    _line(f"batch render (batches of {BATCH}), {processes} processes", done, wall, cpu,
          f"failed {sum(r[1] for r in results)}, peak RSS per process {rss} MB")  # fmt: skip


def profile_batch(ids: list[int], path: str) -> None:
    import cProfile
    import pstats

    from taxes.services.rendering import decisions_render

    decisions_render(ids[:2])
    profiler = cProfile.Profile()
    profiler.enable()
    _render_batches(ids[:50])
    profiler.disable()
    profiler.dump_stats(path)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; CPUs: {os.cpu_count()}")
    call_command("migrate", verbosity=0)
    ids = seed(N_DECISIONS)
    if PROFILE:
        profile_batch(ids, PROFILE)
        return
    if N_SINGLE:
        bench_single(ids[:N_SINGLE])
    bench_batch(ids)
    print(f"peak RSS of the benchmark process so far: {_rss_mb():.0f} MB")
    if PROCESSES > 1:
        bench_parallel(ids, PROCESSES)


if __name__ == "__main__":
    main()
