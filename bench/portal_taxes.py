"""Load benchmark of the residents' portal "my taxes" (issue 10 "Performance"): the page ``/portal/podatki/`` and the
API ``/api/v1/portal/taxes/`` served by gunicorn (production settings, BENCH_WORKERS sync workers) on PostgreSQL with
BENCH_TAXPAYERS taxpayers (default 100 000) and their accounts; target p95 ≤ 150 ms at 50 concurrent users on the
2-core machine: `.venv/bin/python bench/portal_taxes.py`.

**Data** (once; later runs reuse it). The register and the decisions of bench/taxes_assessment.py (its ``seed``:
100 000 taxpayers with ≈ 242 000 objects, co-owners and spouses; the previous year's and this year's assessment run
issued: ≈ 220 000 decisions with their installments). Then, set-based (the per-decision path would take an hour):
every decision delivered 7 days after its issue date and posted to finance exactly as
``taxes.services.decisions.decision_delivered`` posts it — the effective due dates (OP art. 47 §2 + art. 12 §5, the
same domain functions), one account per tax and unit (``unit_account_ref``; joint accounts with their co-obligors),
the charge split per tax (``split_per_tax``) through ``finance.services.charges_bulk.charges_post_many`` (entry,
installments, journal entry) — the previous year's decisions final 14 days later. Only the per-decision transition
audit events are not written (one event per batch is). Payments come through the real bank path: MT940 statements
(one credit per payer to the payer's individual account) imported by ``finance.services.statements.statement_import``
(matching, allocation by the Ordynacja podatkowa, journal): last year 85 % paid in full on 14.03, 10 % only the first
installment (arrears with interest to today), 5 % nothing; this year 80 % the first installment on 13.03 and 60 % the
second on 14.05. Portal users (role ``mieszkaniec``, linked to their party) for BENCH_USERS residents spread over the
register, each with its own database session as the SAML login leaves it.

**Load.** gunicorn (``config.settings.production``, ``CONN_MAX_AGE`` as configured, Redis cache when REDIS_URL is
set) with BENCH_WORKERS workers; a load generator of BENCH_CONCURRENCY threads, each a resident with their session
cookie, requesting the page or the API, waiting a think time uniform in [BENCH_THINK_MIN, BENCH_THINK_MAX] s between
requests (a person reading the page; 0 = a closed loop, the saturation test), BENCH_SECONDS s measured after a
BENCH_WARMUP s warm-up. Every response is checked (200 and the resident's own individual account number in it); a
request counts when it started in the window, whenever it ends; latency is measured by the client from opening the
connection to reading the whole body, for the correct answers only; any error (wrong answer, HTTP error, exception)
is printed and the run exits non-zero. Prints per scenario: requests, errors, throughput, p50, p95, p99, max.

    BENCH_DATABASE_URL  the database (default PostgreSQL postgres://postgres@127.0.0.1:5432/portal_bench — create it:
                        psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE portal_bench'); the name must contain
                        "bench" (the benchmark writes users and sessions)
    BENCH_TAXPAYERS     taxpayers (default 100000)        BENCH_YEAR     the current tax year (default 2026)
    BENCH_USERS         residents with a portal session (default 2000)
    BENCH_WORKERS       gunicorn workers (default 3)      BENCH_PORT     (default 8765)
    BENCH_CONCURRENCY   concurrent users (default 50)     BENCH_SECONDS  measured seconds per scenario (default 60)
    BENCH_WARMUP        warm-up seconds (default 10)      BENCH_THINK_MIN / BENCH_THINK_MAX  think time (1 / 3 s)
    BENCH_SCENARIOS     comma-separated, of page, api, mixed, page-closed, api-closed (default: page,api,page-closed,
                        api-closed; "-closed": no think time)
"""

from __future__ import annotations

import datetime
import http.client
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
sys.path.insert(0, str(BASE / "bench"))
(BASE / "var").mkdir(exist_ok=True)
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["BENCH_DATABASE_URL"] = DATABASE_URL  # bench/taxes_assessment.py, imported below, reads it
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# one key for this process (which creates the sessions) and gunicorn (which reads them): sessions are signed with it
os.environ["SECRET_KEY"] = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(48)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

N = int(os.environ.get("BENCH_TAXPAYERS", "100000"))
YEAR = int(os.environ.get("BENCH_YEAR", "2026"))
USERS = int(os.environ.get("BENCH_USERS", "2000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))  # as deployed (docker-compose.yml, Dockerfile)
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "10"))
THINK = (float(os.environ.get("BENCH_THINK_MIN", "1")), float(os.environ.get("BENCH_THINK_MAX", "3")))
SCENARIOS = os.environ.get("BENCH_SCENARIOS", "page,api,page-closed,api-closed").split(",")
CHUNK = 5000
USER_PREFIX = "bench-portal-"
D = Decimal


# --- data ---------------------------------------------------------------------------------------------------------


def assess():
    """The register and both years' decisions (bench/taxes_assessment.py), when not there yet."""
    import taxes_assessment as ta

    import taxes.tasks_decisions as tasks
    from taxes.models import AssessmentRun

    tasks.render_and_hand_over.delay = lambda ids, actor_id: None  # no PDFs (bench/taxes_pdf.py)
    user, profile = ta.seed(N, YEAR)
    for year in (YEAR - 1, YEAR):
        if not AssessmentRun.objects.filter(year=year, status=AssessmentRun.Status.ISSUED).exists():
            ta._run(user, year, str(year))
    return profile


def deliver():
    """Every decision of an issued run not yet posted: delivered 7 days after its issue date and posted to finance as
    ``decision_delivered`` posts it (see the module docstring), in chunks of CHUNK decisions."""
    from finance.models import ObligorAccount, ReceivableType
    from finance.services.charges_bulk import (
        AccountRef,
        ChargeDraft,
        accounts_by_ref_get_or_create_many,
        charges_post_many,
    )
    from taxes.domain.installments import Installment, due_dates_after_delivery
    from taxes.models import Decision, DecisionInstallment, DecisionTax
    from taxes.models.reference import Tax
    from taxes.services.decisions import _rounding, _shift, final_on, split_per_tax

    # the issue leaves the decisions DRAFT until their hand-over to EZD (PDF + outgoing document), which this
    # benchmark skips: they go straight to delivered, without a document (no PDF link in the portal)
    todo = Decision.objects.filter(
        status__in=(Decision.Status.DRAFT, Decision.Status.ISSUED), run__isnull=False, posted_at__isnull=True
    )
    total = todo.count()
    if not total:
        print("deliver: every decision already delivered and posted")
        return
    types = {t.code: t for t in ReceivableType.objects.all()}
    co_through = Decision.co_obligors.through
    acc_through = ObligorAccount.co_obligors.through
    rounding: dict[int, str] = {}
    shifted: dict[datetime.date, datetime.date] = {}

    def shift(day):
        if day not in shifted:
            shifted[day] = _shift(day)
        return shifted[day]

    t0, done, last = time.perf_counter(), 0, 0
    while True:
        fields = ("pk", "party_id", "year", "number", "issue_date")
        rows = list(todo.filter(pk__gt=last).order_by("pk").values_list(*fields)[:CHUNK])
        if not rows:
            break
        last = rows[-1][0]
        ids = [r[0] for r in rows]
        lo, hi = ids[0], ids[-1]
        taxes, installments, co = defaultdict(list), defaultdict(list), defaultdict(list)
        span = {"decision_id__gte": lo, "decision_id__lte": hi}
        tax_rows = DecisionTax.objects.filter(**span).order_by("decision_id", "tax")
        for decision_id, tax, amount in tax_rows.values_list("decision_id", "tax", "amount"):
            taxes[decision_id].append((tax, amount))
        inst_rows = DecisionInstallment.objects.filter(**span).order_by("decision_id", "number")
        for decision_id, number, due, amount in inst_rows.values_list("decision_id", "number", "due_date", "amount"):
            installments[decision_id].append((number, due, amount))
        for decision_id, party_id in co_through.objects.filter(**span).values_list("decision_id", "party_id"):
            co[decision_id].append(party_id)
        plans, keys, updates = [], defaultdict(set), defaultdict(list)
        for pk, party_id, year, number, issue_date in rows:
            delivered_on = issue_date + datetime.timedelta(days=7)
            insts = installments[pk]
            effective = due_dates_after_delivery(
                [Installment(n, due, shift(due), amount) for n, due, amount in insts], delivered_on, shift
            )
            for (_n, due, _amount), eff in zip(insts, effective, strict=True):
                updates[(due, eff.due)].append(pk)
            if year not in rounding:
                rounding[year] = _rounding(year)
            per_tax = split_per_tax(taxes[pk], [a for _n, _d, a in insts], rounding[year])
            ref = "unit:" + "-".join(str(p) for p in sorted({party_id, *co[pk]})) if co[pk] else ""
            for code, parts in per_tax.items():
                rtype = types[f"{code}_tax_person"]
                keys[(rtype.code, year)].add((party_id, ref))
                schedule = tuple((eff.due, p) for eff, p in zip(effective, parts, strict=True) if p != 0)
                plans.append((rtype, year, party_id, ref, co[pk], schedule, delivered_on,
                              f"{Tax(code).label} {year}, decyzja {number}", f"decision:{pk}:{code}"))  # fmt: skip
        with transaction.atomic():
            accounts = {}
            for (code, year), wanted in keys.items():
                found = accounts_by_ref_get_or_create_many(
                    keys=wanted, receivable_type=types[code], year=year, source_app="taxes"
                )
                accounts.update({(code, year, *key): acc for key, acc in found.items()})
            links = set()
            drafts = []
            for rtype, year, party_id, ref, co_ids, schedule, delivered_on, description, source_ref in plans:
                account = accounts[(rtype.code, year, party_id, ref)]
                links.update((account.pk, p) for p in co_ids if p != party_id)
                drafts.append(ChargeDraft(
                    account=AccountRef(account.pk, rtype.pk), amount=sum(p for _d, p in schedule),
                    installments=schedule, value_date=delivered_on, description=description, source_ref=source_ref,
                ))  # fmt: skip
            acc_through.objects.bulk_create(
                [acc_through(obligoraccount_id=a, party_id=p) for a, p in sorted(links)], ignore_conflicts=True
            )
            charges_post_many(actor=None, drafts=drafts, source="bench.portal_taxes")
            for (due, eff), decision_ids in updates.items():
                DecisionInstallment.objects.filter(decision_id__in=decision_ids, due_date=due).update(
                    effective_due_date=eff
                )
            now = timezone.now()
            for issue_date in {r[4] for r in rows}:
                delivered_on = issue_date + datetime.timedelta(days=7)
                chunk = Decision.objects.filter(pk__in=[r[0] for r in rows if r[4] == issue_date])
                if issue_date.year < YEAR:
                    chunk.update(status=Decision.Status.FINAL, delivered_on=delivered_on,
                                 final_on=final_on(delivered_on), posted_at=now)  # fmt: skip
                else:
                    chunk.update(status=Decision.Status.DELIVERED, delivered_on=delivered_on, posted_at=now)
        done += len(rows)
        print(f"\rdeliver: {done}/{total} decisions ({done / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    print(f"\ndeliver: {time.perf_counter() - t0:.1f} s")


def _due_by_party(year: int, numbers: set[int]) -> dict[int, Decimal]:
    """party id → the sum of the installments ``numbers`` of the charges on the accounts it is the obligor of."""
    from django.db.models import Sum

    from finance.models import Installment

    return dict(
        Installment.objects.filter(charge__account__year=year, number__in=numbers, charge__kind="charge")
        .values_list("charge__account__party_id")
        .annotate(total=Sum("amount"))
        .values_list("charge__account__party_id", "total")
    )


def pay(profile):
    """The payments of both years through MT940 statements (see the module docstring); each statement once."""
    from finance.models import BankStatement, VirtualAccount
    from finance.services.statements import statement_import

    plans = [
        (f"BENCHPORTAL{YEAR - 1}A", datetime.date(YEAR - 1, 3, 14), YEAR - 1,
         lambda i: {1, 2, 3, 4} if i % 20 < 17 else {1} if i % 20 < 19 else set()),
        (f"BENCHPORTAL{YEAR}A", datetime.date(YEAR, 3, 13), YEAR, lambda i: {1} if i % 10 < 8 else set()),
        (f"BENCHPORTAL{YEAR}B", datetime.date(YEAR, 5, 14), YEAR, lambda i: {2} if i % 10 < 6 else set()),
    ]  # fmt: skip
    accounts = dict(VirtualAccount.objects.filter(profile=profile).values_list("party_id", "nrb"))
    parties = sorted(accounts)
    for reference, day, year, which in plans:
        if BankStatement.objects.filter(reference=reference).exists():
            print(f"pay: statement {reference} already imported")
            continue
        dues = {k: _due_by_party(year, {k}) for k in (1, 2, 3, 4)}
        yymmdd = day.strftime("%y%m%d")
        out = [f":20:{reference}", f":25:/PL{profile.office_account}", ":28C:1/1", f":60F:C{yymmdd}PLN0,00"]
        total, count = 0, 0
        for i, party_id in enumerate(parties):
            amount = sum((dues[k].get(party_id, D(0)) for k in which(i)), D(0))
            if amount <= 0:
                continue
            grosze = int(amount * 100)
            total += grosze
            count += 1
            out.append(f":61:{yymmdd}{day:%m%d}C{grosze // 100},{grosze % 100:02d}N152NONREF//P{i:09d}")
            out.append(f":86:152~00PRZELEW~20Podatki lokalne {year}~29{accounts[party_id]}~32PODATNIK {i}")
        out.append(f":62F:C{yymmdd}PLN{total // 100},{total % 100:02d}")
        data = ("\r\n".join(out) + "\r\n-\r\n").encode(profile.encoding)
        t0 = time.perf_counter()
        summary = statement_import(actor=None, profile=profile, data=data, file_name=f"{reference}.sta")
        print(f"pay: {reference}: {count} credits, {summary.matched} matched, {summary.unidentified} unidentified, "
              f"{summary.amount} zł in {time.perf_counter() - t0:.1f} s")  # fmt: skip


def portal_users(n: int) -> list[tuple[int, int]]:
    """``n`` portal users spread over the register (every N/n-th taxpayer): [(user id, party id)]."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles
    from core.models import Party

    User = get_user_model()
    existing = list(User.objects.filter(username__startswith=USER_PREFIX).values_list("pk", "party_id"))
    if len(existing) >= n:
        return existing[:n]
    party_ids = list(Party.objects.filter(surname__startswith="Wymiarowy").order_by("pk").values_list("pk", flat=True))
    step = max(1, len(party_ids) // n)
    chosen = party_ids[::step][:n]
    have = {p for _u, p in existing}
    surnames = dict(Party.objects.filter(pk__in=chosen).values_list("pk", "surname"))
    with transaction.atomic():
        users = User.objects.bulk_create([
            User(username=f"{USER_PREFIX}{p}", party_id=p, first_name="Jan", last_name=surnames[p])
            for p in chosen if p not in have
        ])  # fmt: skip
        group = Group.objects.get(name=roles.RESIDENT)
        User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    return list(User.objects.filter(username__startswith=USER_PREFIX).values_list("pk", "party_id"))[:n]


def sessions(users: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """A database session per user as the portal's login leaves it: [(session key, party id)]."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from portal.views import SESSION_LAST_SEEN

    User = get_user_model()
    by_pk = User.objects.in_bulk([u for u, _p in users])
    result = []
    for user_id, party_id in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user_id)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = by_pk[user_id].get_session_auth_hash()
        store[SESSION_LAST_SEEN] = int(time.time())
        store.set_expiry(8 * 3600)
        store.create()
        result.append((store.session_key, party_id))
    return result


# --- load ---------------------------------------------------------------------------------------------------------


def start_gunicorn() -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "DEBUG": "false",
        "STATIC_ROOT": str(BASE / "var" / "bench_static"),
    }
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=BASE,
                   env=env, check=True)  # fmt: skip
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(BASE / "var" / "bench_portal_gunicorn.log", "w")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [str(gunicorn), "config.wsgi:application", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{PORT}",
         "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
        cwd=BASE, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            conn.request("GET", "/portal/deklaracja-dostepnosci/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn did not start: see {BASE / 'var' / 'bench_portal_gunicorn.log'}")


def request(path: str, session_key: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        conn.request("GET", path, headers={
            "Cookie": f"sessionid={session_key}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1",
            "Accept": "application/json" if path.startswith("/api/") else "text/html",
        })  # fmt: skip
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


PATHS = {"page": "/portal/podatki/", "api": "/api/v1/portal/taxes/"}


def grouped(nrb: bytes) -> bytes:
    """The number as the page prints it: ``17 1020 1026 …`` (the portal's ``nrb`` filter)."""
    from finance.domain.nrb import format_nrb

    return format_nrb(nrb.decode()).encode()


def check(kind: str, status: int, body: bytes, nrb: bytes) -> str:
    """ "" when the answer is the resident's own "my taxes" (their individual account number in it, which is unique
    to the party: the API's ``bank_account``, the page's account block), else what is wrong."""
    if status != 200:
        return f"HTTP {status}: {body[:120]!r}"
    if kind == "api":
        if not body.startswith(b"{") or b'"bank_account":"' + nrb + b'"' not in body:
            return f"not the resident's API answer: {body[:120]!r}"
    elif b'data-testid="bank-account">' + grouped(nrb) + b"<" not in body:
        return "not the resident's page (their account number is missing)"
    return ""


def scenario(name: str, users: list[tuple[str, int]], nrbs: dict[int, bytes]) -> dict:
    kinds = ["page", "api"] if name.startswith("mixed") else [name.split("-")[0]]
    closed = name.endswith("-closed")
    stop_at = time.perf_counter() + WARMUP + SECONDS
    measure_from = time.perf_counter() + WARMUP
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()

    alive = [False] * CONCURRENCY

    def user(index: int):
        rng = random.Random(index)
        time.sleep(rng.uniform(0, THINK[1] if not closed else 0.2))  # ramp-up
        n = 0
        while time.perf_counter() < stop_at:
            session_key, party_id = users[(index + n * CONCURRENCY) % len(users)]
            kind = kinds[n % len(kinds)]
            n += 1
            t0 = time.perf_counter()
            try:
                status, body = request(PATHS[kind], session_key)
                problem = check(kind, status, body, nrbs[party_id])
            except Exception as exc:  # every failure is counted, none ends the user
                problem = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            if measure_from <= t0 < stop_at:  # started in the window: counted whenever it ends
                with lock:
                    if problem:
                        errors[kind].append(problem)
                    else:
                        latencies[kind].append(elapsed)
            if not closed:
                time.sleep(rng.uniform(*THINK))
        alive[index] = True

    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not all(alive):
        raise SystemExit(f"{alive.count(False)} of {CONCURRENCY} users died: the figures would be wrong")
    result = {}
    for kind in kinds:
        values = sorted(latencies[kind])
        if len(values) < 2:
            values = values * 2 or [float("nan")] * 2
        q = statistics.quantiles(values, n=100, method="inclusive")
        result[kind] = {
            "requests": len(latencies[kind]), "errors": len(errors[kind]), "rps": len(latencies[kind]) / SECONDS,
            "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "max": values[-1] * 1000,
            "first_error": errors[kind][0] if errors[kind] else "",
        }  # fmt: skip
    return result


def _load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    from django.db import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        print(
            f"portal_taxes: skipped — cannot connect to {connection.settings_dict['NAME']} ({exc}); create it: "
            "psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE portal_bench' (or set BENCH_DATABASE_URL)"
        )
        return
    if "bench" not in str(connection.settings_dict["NAME"]):
        raise SystemExit("BENCH_DATABASE_URL must name a database whose name contains 'bench'")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {N} taxpayers; year {YEAR}")
    call_command("migrate", verbosity=0)
    profile = assess()
    deliver()
    pay(profile)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from core.models import Party
    from finance.models import AccountEntry, ObligorAccount, Payment
    from taxes.models import Decision

    print(f"data: {Party.objects.count()} parties, {Decision.objects.count()} decisions, "
          f"{ObligorAccount.objects.count()} accounts, {AccountEntry.objects.count()} account entries, "
          f"{Payment.objects.count()} payments")  # fmt: skip
    users = sessions(portal_users(USERS))
    from finance.models import VirtualAccount

    nrbs = {
        p: nrb.encode()
        for p, nrb in VirtualAccount.objects.filter(
            party_id__in=[p for _s, p in users], receivable_type__isnull=True, source_ref=""
        ).values_list("party_id", "nrb")
    }
    proc = start_gunicorn()
    failed = False
    try:
        for kind, path in PATHS.items():  # one request each: correct answers before any timing
            status, body = request(path, users[0][0])
            problem = check(kind, status, body, nrbs[users[0][1]])
            if problem:
                raise SystemExit(f"{path}: {problem}")
        print(f"gunicorn: {WORKERS} sync workers, production settings; {CONCURRENCY} users, {len(users)} residents, "
              f"think time {THINK[0]:.0f}–{THINK[1]:.0f} s, {WARMUP:.0f} s warm-up, "
              f"{SECONDS:.0f} s measured")  # fmt: skip
        for name in SCENARIOS:
            result = scenario(name.strip(), users, nrbs)
            for kind, r in result.items():
                print(f"{name:12} {PATHS[kind]:24} {r['requests']:6} req {r['errors']:4} err {r['rps']:6.1f} req/s  "
                      f"p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  max {r['max']:7.1f} ms"
                      f"  (load {_load_average()})")  # fmt: skip
                if r["first_error"]:
                    failed = True
                    print(f"    first error: {r['first_error']}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    if failed:
        raise SystemExit("errors above: the latencies count only the correct answers, the run is not valid")


if __name__ == "__main__":
    main()
