"""Benchmark of the residents register with 200 000 residents: `.venv/bin/python bench/population.py`.

Creates (once; later runs reuse them) BENCH_RESIDENTS residents (default 200 000) of the demo gmina with
their registrations of stay, by bulk_create, then times what a clerk does on the back-office screens:
the resident list (first page, a name search, an address filter) and the statistics on a date — each
through the real view (permission, selector, one page of 25, template) and through the selector alone.
Prints figures like bench/run.py; no asserts. Results are recorded by hand in docs/performance.md.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_population.sqlite3);
                        PostgreSQL: create it first, e.g.
                        psql -h localhost -U postgres -c 'CREATE DATABASE magistrat_bench_pop'
    BENCH_RESIDENTS     how many residents (default 200000)
    BENCH_REPEAT        repetitions of each timed operation (default 20)
"""

import datetime
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_population.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

N_RESIDENTS = int(os.environ.get("BENCH_RESIDENTS", "200000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))
BATCH = 5000
ON = datetime.date(2026, 6, 30)  # the date of the statistics and of "in force" in the seed

SURNAMES = [
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Wojciechowski", "Kwiatkowski", "Krawczyk",
    "Kaczmarek", "Piotrowski", "Grabowski", "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński",
    "Wróbel", "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek",
    "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski", "Michalak", "Szewczyk",
    "Ostrowski", "Tomaszewski", "Pietrzak", "Marciniak", "Wróblewski", "Zalewski", "Jakubowski", "Jasiński",
    "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki", "Sokołowski",
    "Urbański", "Kubiak", "Maciejewski", "Szczepański", "Kucharski", "Wilk", "Kalinowski", "Lis", "Mazurek",
    "Wysocki", "Adamski", "Kaźmierczak", "Wasilewski", "Sobczak", "Czerwiński", "Andrzejewski", "Cieślak",
    "Głowacki", "Zakrzewski", "Kołodziej", "Sikorski", "Krajewski", "Gajewski", "Szymczak", "Szulc", "Baranowski",
    "Laskowski", "Brzeziński", "Makowski", "Ziółkowski", "Przybylski", "Żółkiewski", "Łukasiewicz", "Bondarenko",
]  # fmt: skip
MALE = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Łukasz", "Jakub", "Józef", "Stanisław"]
FEMALE = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Elżbieta", "Zofia", "Łucja"]


def _female(surname: str) -> str:
    return surname[:-1] + "a" if surname.endswith(("ski", "cki", "dzki")) else surname


def _timed(label, fn, n):
    """Run fn n times: total, ops/s, median and slowest run; then once more under tracemalloc for the peak.

    (tracemalloc slows every allocation down, so the timed runs go without it.)
    """
    runs = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total = sum(runs)
    print(
        f"{label:<62} {n:>4} ops {total:7.3f} s {n / total:7.1f} ops/s "
        f"median {statistics.median(runs) * 1000:7.1f} ms  max {max(runs) * 1000:7.1f} ms  peak {peak / 1e6:5.1f} MB"
    )


def _teryt():
    from core.models import Locality
    from core.services.teryt_import import teryt_import

    gmina = settings.MAGISTRAT_GMINA_TERC[:6]
    if not Locality.objects.filter(gmina__code__startswith=gmina).exists():
        fixtures = BASE / "core" / "fixtures" / "teryt_demo"
        teryt_import(
            actor="bench",
            terc=(fixtures / "TERC.csv").read_bytes(),
            simc=(fixtures / "SIMC.csv").read_bytes(),
            ulic=(fixtures / "ULIC.csv").read_bytes(),
        )


def _places():
    """(locality, street or None, postal code) of the demo gmina: every street, and villages without streets."""
    from core.models import Locality, Street

    gmina = settings.MAGISTRAT_GMINA_TERC[:6]
    localities = list(Locality.objects.filter(gmina__code__startswith=gmina).select_related("gmina"))
    places = [
        (s.locality, s, "05-990") for s in Street.objects.filter(locality__in=localities).select_related("locality")
    ]
    places += [(loc, None, "05-991") for loc in localities if not loc.streets.exists()]
    return places


def seed(n: int) -> None:
    from core.domain.identifiers import generate_pesel
    from core.models import Address, Party
    from population.models import Registration, Resident

    existing = Resident.objects.count()
    if existing >= n:
        print(f"seed: {existing} residents already there")
        return
    _teryt()
    places = _places()
    t0 = time.perf_counter()
    for start in range(existing, n, BATCH):
        stop = min(n, start + BATCH)
        with transaction.atomic():
            parties = []
            for i in range(start, stop):
                sex = "M" if i % 2 else "F"
                birth = datetime.date(1926, 1, 1) + datetime.timedelta(days=(i * 7) % 36500)
                surname = SURNAMES[(i // 2) % len(SURNAMES)]
                party = Party(
                    kind=Party.Kind.PERSON,
                    pesel=generate_pesel(birth, sex, i // 36500),
                    first_names=(MALE if sex == "M" else FEMALE)[(i // 7) % 10],
                    surname=surname if sex == "M" else _female(surname),
                    birth_date=birth,
                    sex=sex,
                )
                party.refresh_search_text()
                parties.append(party)
            Party.objects.bulk_create(parties)
            residents = Resident.objects.bulk_create(
                Resident(party=p, citizenship="UA" if i % 97 == 0 else ("DE" if i % 211 == 0 else "PL"))
                for i, p in zip(range(start, stop), parties, strict=True)
            )
            plans = []  # (resident, kind, place, building, flat, start, planned end, end, end reason)
            for i, (resident, party) in enumerate(zip(residents, parties, strict=True), start=start):
                place = places[(i // 3) % len(places)]
                building, flat = str(1 + (i // 3) % 120), str(1 + i % 24) if i % 4 else ""
                first = min(
                    max(party.birth_date, datetime.date(1990, 1, 1)) + datetime.timedelta(days=i % 700),
                    ON - datetime.timedelta(days=1),
                )
                moved = first + datetime.timedelta(days=2000 + i % 900)
                if i % 10 == 0 and moved < ON:  # moved within the gmina: an ended permanent registration first
                    old = places[(i // 3 + 5) % len(places)]
                    plans.append((resident, "permanent", old, "7", "", first, None, moved, "replaced"))
                    first = moved
                end, reason = (None, "")
                if i % 50 == 0:  # de-registered some time ago
                    end, reason = (
                        min(first + datetime.timedelta(days=400), ON - datetime.timedelta(days=1)),
                        "deregistered",
                    )
                plans.append((resident, "permanent", place, building, flat, first, None, end, reason))
                if i % 12 == 0:  # a temporary stay, in force or ended
                    t_start = ON - datetime.timedelta(days=30 + i % 600)
                    t_start = max(t_start, party.birth_date)
                    planned = t_start + datetime.timedelta(days=365)
                    t_end = planned if planned <= ON else None
                    plans.append(
                        (resident, "temporary", places[(i + 3) % len(places)], "2", "", t_start, planned, t_end,
                         "expired" if t_end else "")
                    )  # fmt: skip
            addresses = Address.objects.bulk_create(
                Address(
                    country="PL",
                    gmina_id=loc.gmina_id,
                    locality=loc,
                    street=street,
                    locality_name=loc.name,
                    street_name=street.full_name if street else "",
                    building_number=building,
                    flat_number=flat,
                    postal_code=postal,
                )
                for _r, _k, (loc, street, postal), building, flat, *_rest in plans
            )
            Registration.objects.bulk_create(
                Registration(
                    resident=resident,
                    kind=kind,
                    address=address,
                    locality=loc,
                    street=street,
                    building_number=building,
                    flat_number=flat,
                    start_date=start_date,
                    planned_end_date=planned,
                    end_date=end,
                    end_reason=reason,
                )
                for address, (
                    resident,
                    kind,
                    (loc, street, _p),
                    building,
                    flat,
                    start_date,
                    planned,
                    end,
                    reason,
                ) in zip(addresses, plans, strict=True)
            )
        done = stop - existing
        print(f"\rseed: {stop} residents ({done / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the query planner (both vendors)
    print(f"seed: {time.perf_counter() - t0:.1f} s")


def bench(repeat: int) -> None:
    from django.db.models import Prefetch
    from django.test.utils import setup_test_environment

    from core import roles
    from population.models import Registration, Resident
    from population.selectors import in_force_on, resident_search
    from population.statistics import population_statistics
    from tests.factories import UserFactory

    setup_test_environment()
    clerk = UserFactory(username="bench-population-clerk", roles=[roles.POPULATION_CLERK])
    client = Client()
    client.force_login(clerk)
    street = (
        Registration.objects.filter(in_force_on(ON), street__isnull=False)
        .values_list("locality_id", "street_id", "building_number")
        .order_by("pk")
        .first()
    )
    today = datetime.date.today()  # noqa: DTZ011 (the list shows the addresses in force today)
    total = Resident.objects.count()
    print(f"residents: {total}, registrations: {Registration.objects.count()}")

    def page(**filters):
        current = Prefetch(
            "registrations",
            queryset=Registration.objects.filter(in_force_on(today)).select_related(
                "address__locality", "address__street"
            ),
            to_attr="current_registrations",
        )
        qs = resident_search(user=clerk, on=today, **filters).prefetch_related(current)
        return qs.count(), list(qs[:25])

    url = reverse("population:resident-list")
    cases = [
        ("first page", {}, {}),
        ("name search 'kowalsk'", {"query": "kowalsk"}, {"q": "kowalsk"}),
        ("name search 'zolkiewska anna' (accents)", {"query": "zolkiewska anna"}, {"q": "zolkiewska anna"}),
        ("PESEL prefix '8501'", {"query": "8501"}, {"q": "8501"}),
        (
            "address filter (locality + street + building)",
            {"locality_id": street[0], "street_id": street[1], "building_number": street[2]},
            {"locality": street[0], "street": street[1], "building": street[2]},
        ),
        (
            "address filter (locality + street)",
            {"locality_id": street[0], "street_id": street[1]},
            {"locality": street[0], "street": street[1]},
        ),
        ("foreigners", {"foreigners": True}, {"foreigners": "on"}),
    ]
    for label, filters, params in cases:
        count, _rows = page(**filters)
        _timed(f"list selector: {label} → {count}", lambda f=filters: page(**f), repeat)
        _timed(f"list view:     {label}", lambda p=params: client.get(url, p), repeat)
    _timed("list view:     page 4000 (deep OFFSET)", lambda: client.get(url, {"page": "4000"}), repeat)

    stats = population_statistics(user=clerk, on=ON)
    print(f"statistics on {ON:%d.%m.%Y}: {stats.total} registered")
    _timed("statistics, selector (4 aggregate queries)", lambda: population_statistics(user=clerk, on=ON), repeat)
    surl = reverse("population:statistics")
    _timed("statistics, view (tables + SVG charts)", lambda: client.get(surl, {"on": ON.strftime("%d.%m.%Y")}), repeat)
    _timed("statistics, CSV", lambda: client.get(surl, {"on": ON.strftime("%d.%m.%Y"), "format": "csv"}), repeat)


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    seed(N_RESIDENTS)
    bench(REPEAT)


if __name__ == "__main__":
    main()
