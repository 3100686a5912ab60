"""Benchmark of the mass assessment (issue 8 "Performance"): the dry run and the issue (without PDFs) for
BENCH_TAXPAYERS natural-person taxpayers (default 100 000) with about 2.5 objects each (≈ 250 000); target ≤ 60 s
EACH on the 2-core machine, PostgreSQL: `.venv/bin/python bench/taxes_assessment.py`.

Seeds once (later runs reuse the register; COPY of plain rows through ``finance.services.bulk``, not the services):
parties (10 % with an ADE address, 20 % with an ePUAP box, all with an address), objects valid from 1.01.2025 —
houses and land (85 %, every tenth also a garage), farms with two agricultural parcels, a forest and an outbuilding
(8 %), business land + building + structure (7 %) —, the land of every 20th taxpayer co-owned ½ + ½ with the next
one, the house of every 20th (another one) shared with the next one as a spouse, every 50th buys a parcel on
10.06.2026 (from July); the rates at the maxima (``taxes.hooks.rates.seed_demo``), a bank profile. Then, once, the
2025 run (computed and issued: last year's decisions for the year-over-year comparison), and at every run a new 2026
run: ``assessment_run_compute`` and ``assessment_run_issue`` timed separately, with rows per second and the peak
resident memory (``resource.getrusage``; tracemalloc would slow the run down several times).

The hand-over to EZD (rendering of the PDFs) is queued after the commit of the issue: here its ``delay`` is replaced
by a counter, so the benchmark measures the issue alone (the PDFs are bench/taxes_pdf.py's business).

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_taxes_assessment.sqlite3 — use
                        PostgreSQL: psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE taxes_bench'
                        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/taxes_bench)
    BENCH_TAXPAYERS     taxpayers (default 100000)
    BENCH_YEAR          the timed year (default 2026; the register starts on 1.01 of BENCH_YEAR - 1)
    BENCH_PROCESSES     TAXES_ASSESSMENT_PROCESSES for the run (default 1, the setting's default: everything in
                        one process; 2 = two forked workers)
"""

import datetime
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
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_taxes_assessment.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N = int(os.environ.get("BENCH_TAXPAYERS", "100000"))
YEAR = int(os.environ.get("BENCH_YEAR", "2026"))
BATCH = 10000
D = Decimal
MARK = "bench-assessment"
PROFILE = {
    "code": "bench-taxes", "name": "Bench bank", "separator": "~", "encoding": "cp852",
    "virtual_account_field": "86_29", "office_account": "75102010260000000123456789", "sort_code": "10201026",
    "client_prefix": "987655", "id_length": 10,
}  # fmt: skip


def _objects_of(i: int, start: datetime.date):
    """(kind, category, version fields) of taxpayer ``i``'s own objects, deterministic."""
    k = i % 100
    objects = []
    if k < 85:
        objects.append(("building", "building_residential", {"area": D(60 + i % 140)}))
        objects.append(("land", "land_other", {"area": D(300 + (i * 7) % 1700)}))
        if i % 10 == 0:
            objects.append(("building", "building_other", {"area": D(18 + i % 12)}))
    elif k < 93:
        objects.append(("building", "building_residential", {"area": D(90 + i % 60)}))
        objects.append(("agricultural", "agri_farm", {"area": D(1 + i % 7) + D("0.2500"), "land_type": "arable",
                                                      "land_class": "IVa"}))  # fmt: skip
        objects.append(("agricultural", "agri_farm", {"area": D(1 + i % 3), "land_type": "meadow", "land_class": "IV"}))
        objects.append(("forest", "forest", {"area": D("0.5") + D(i % 3)}))
        objects.append(("building", "building_other", {"area": D(40 + i % 80)}))
    else:
        objects.append(("land", "land_business", {"area": D(500 + i % 3000)}))
        objects.append(("building", "building_business", {"area": D(80 + i % 400)}))
        objects.append(("structure", "structure", {"value": D(20000 + (i * 131) % 200000)}))
    return objects


def seed(n: int, year: int):
    from core import roles
    from core.models import Address, Party
    from finance.models import BankProfile
    from finance.services.bulk import bulk_insert_rows, reserve_ids
    from taxes.hooks.rates import seed_demo
    from taxes.models import Liability, ObjectVersion, RateCategory, TaxObject
    from tests.factories import UserFactory

    BankProfile.objects.filter(is_active=True).exclude(code=PROFILE["code"]).update(is_active=False)
    profile, _created = BankProfile.objects.get_or_create(code=PROFILE["code"], defaults=PROFILE)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=MARK).first() or UserFactory(username=MARK, roles=[roles.TAX_CLERK])
    seed_demo()
    start = datetime.date(year - 1, 1, 1)
    existing = Party.objects.filter(surname__startswith="Wymiarowy").count()
    if existing >= n:
        print(f"seed: {existing} taxpayers already there")
        return user, profile
    if existing:
        raise SystemExit("a partial seed is in the database: drop it (or the database) and run again")
    categories = dict(RateCategory.objects.values_list("code", "id"))
    address = Address.objects.create(locality_name="Benchowo", postal_code="00-001", post_town="Benchowo")
    t0 = time.perf_counter()
    objects_total = 0
    for offset in range(0, n, BATCH):
        stop = min(n, offset + BATCH)
        with transaction.atomic():
            party_ids = reserve_ids(Party, stop - offset)
            parties, objects, versions, liabilities = [], [], [], []
            for i, pid in zip(range(offset, stop), party_ids, strict=True):
                parties.append({
                    "id": pid, "kind": Party.Kind.PERSON.value, "first_names": "Jan", "surname": f"Wymiarowy{i:06d}",
                    "registered_address_id": address.pk, "ade_address": f"AE:PL-{i:05d}-00000-BENCH-01" if i % 10 == 0
                    else "", "epuap_box": f"/bench{i}/SkrytkaESP" if i % 10 in (1, 2) else "",
                })  # fmt: skip
            for i, pid in zip(range(offset, stop), party_ids, strict=True):
                own = _objects_of(i, start)
                if i % 50 == 3:
                    own.append(("land", "land_other", {"area": D(700)}, datetime.date(year, 7, 1)))
                next_pid = party_ids[i - offset + 1] if i + 1 < stop else None
                for obj in own:
                    kind, category, fields = obj[:3]
                    valid_from = obj[3] if len(obj) > 3 else start
                    objects.append((kind, i, pid, category, fields, valid_from, next_pid))
            object_ids = reserve_ids(TaxObject, len(objects))
            object_rows = []
            for oid, (kind, i, pid, category, fields, valid_from, next_pid) in zip(object_ids, objects, strict=True):
                object_rows.append({"id": oid, "kind": kind, "precinct": "Benchowo", "parcel": f"{i}/{oid % 1000}",
                                    "identifier": "", "description": "", "created_by_id": None})  # fmt: skip
                versions.append({"object_id": oid, "valid_from": valid_from, "valid_to": None,
                                 "category_id": categories[category], **fields})  # fmt: skip
                role, num, den = "owner", 1, 1
                if kind == "land" and category == "land_other" and i % 20 == 1 and next_pid and valid_from == start:
                    role, num, den = "co_owner", 1, 2
                    liabilities.append({"object_id": oid, "party_id": next_pid, "role": "co_owner",
                                        "share_numerator": 1,
                                        "share_denominator": 2, "valid_from": valid_from})  # fmt: skip
                if kind == "building" and category == "building_residential" and i % 20 == 2 and next_pid:
                    liabilities.append({"object_id": oid, "party_id": next_pid, "role": "spouse", "share_numerator": 1,
                                        "share_denominator": 1, "valid_from": valid_from})  # fmt: skip
                liabilities.append({"object_id": oid, "party_id": pid, "role": role, "share_numerator": num,
                                    "share_denominator": den, "valid_from": valid_from})  # fmt: skip
            bulk_insert_rows(Party, parties, with_ids=True)
            bulk_insert_rows(TaxObject, object_rows, with_ids=True)
            bulk_insert_rows(ObjectVersion, versions)
            bulk_insert_rows(Liability, liabilities)
            objects_total += len(object_rows)
        print(f"\rseed: {stop} taxpayers, {objects_total} objects ({stop / (time.perf_counter() - t0):.0f}/s)",
              end="", flush=True)  # fmt: skip
    print(f"\nseed: {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return user, profile


def _rss_mb() -> str:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return f"{own:.0f} MB (largest worker process {children:.0f} MB)"


def _run(user, year: int, label: str):
    from taxes.models import AssessmentRun, Decision, DecisionInstallment, DecisionItem, Proposal
    from taxes.services.assessment import assessment_run_compute, assessment_run_create, assessment_run_issue

    for stale in AssessmentRun.objects.filter(year=year, status__in=AssessmentRun.ACTIVE):
        AssessmentRun.objects.filter(pk=stale.pk).update(status=AssessmentRun.Status.CANCELLED)
    run = assessment_run_create(actor=user, year=year, issue_date=datetime.date(year, 2, 10))
    t0 = time.perf_counter()
    run = assessment_run_compute(run_id=run.pk)
    compute = time.perf_counter() - t0
    proposals = Proposal.objects.filter(run=run).count()
    c = run.summary["counts"]
    print(f"{label} dry run:  {compute:6.1f} s — {c['taxpayers']} taxpayers, {proposals} units "
          f"({c['taxpayers'] / compute:.0f} taxpayers/s), {c['decisions']} decisions planned, total "
          f"{run.summary['total']} zł; flags: change {c['change']}, below {c['below_threshold']}, no rate "
          f"{c['no_rate']}, co-owner without address {c['co_owner_no_address']}; {run.summary.get('processes')} "
          f"processes; peak RSS {_rss_mb()}")  # fmt: skip
    t0 = time.perf_counter()
    run = assessment_run_issue(actor=user, run=run)
    issue = time.perf_counter() - t0
    decisions = Decision.objects.filter(run=run).count()
    rows = decisions + DecisionItem.objects.filter(decision__run=run).count()
    rows += DecisionInstallment.objects.filter(decision__run=run).count()
    print(f"{label} issue:    {issue:6.1f} s — {decisions} decisions ({decisions / issue:.0f}/s), {rows} rows "
          f"(decisions + items + installments, {rows / issue:.0f}/s); peak RSS {_rss_mb()}")  # fmt: skip
    return compute, issue


def main() -> None:
    import taxes.tasks_decisions as tasks

    queued = []
    tasks.render_and_hand_over.delay = lambda ids, actor_id: queued.append(len(ids))  # no PDFs here

    from django.conf import settings

    settings.TAXES_ASSESSMENT_PROCESSES = int(os.environ.get("BENCH_PROCESSES", "1"))
    print(f"database: {connection.vendor}; {N} taxpayers; year {YEAR}; {settings.TAXES_ASSESSMENT_PROCESSES} processes")
    call_command("migrate", verbosity=0)
    user, _profile = seed(N, YEAR)
    from taxes.models import AssessmentRun

    if not AssessmentRun.objects.filter(year=YEAR - 1, status=AssessmentRun.Status.ISSUED).exists():
        _run(user, YEAR - 1, f"{YEAR - 1} (last year, once)")
    compute, issue = _run(user, YEAR, str(YEAR))
    print(f"hand-over chunks queued (not run): {len(queued)}; target ≤ 60 s each: dry run {compute:.1f} s, "
          f"issue {issue:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
