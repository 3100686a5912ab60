"""Benchmark of the EZD search with 200 000 cases: `.venv/bin/python bench/documents_search.py`.

Creates (once; later runs reuse them) BENCH_CASES cases (default 200 000) over 12 units and 20 JRWA classes,
with realistic titles and one or two parties each (Polish surnames with diacritics), by bulk_create, with the
folded ``search_text`` the indexing service would write. Then times ``documents.services.search.search`` for
several query shapes, as an administrator (all cases) and as a clerk of one unit (visibility filter), and prints
p50 / p95 / max per shape. Target: p95 < 300 ms on PostgreSQL. Prints figures like bench/run.py; no asserts.
Results are recorded by hand in docs/performance.md.

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_documents.sqlite3);
                        PostgreSQL: create it first, e.g.
                        psql -h localhost -U postgres -c 'CREATE DATABASE magistrat_bench_docs'
    BENCH_CASES         how many cases (default 200000)
    BENCH_REPEAT        repetitions of each query shape (default 30)
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_documents.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

N_CASES = int(os.environ.get("BENCH_CASES", "200000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
BATCH = 5000

SURNAMES = [
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański",
    "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Wojciechowski", "Kwiatkowski", "Krawczyk",
    "Kaczmarek", "Piotrowski", "Grabowski", "Zając", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński",
    "Wróbel", "Nowakowski", "Majewski", "Olszewski", "Stępień", "Malinowski", "Jaworski", "Adamczyk", "Dudek",
    "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak", "Sikora", "Baran", "Rutkowski", "Michalak", "Szewczyk",
    "Ostrowski", "Tomaszewski", "Pietrzak", "Marciniak", "Wróblewski", "Zalewski", "Jakubowski", "Jasiński",
    "Zawadzki", "Sadowski", "Bąk", "Chmielewski", "Włodarczyk", "Borkowski", "Czarnecki", "Sawicki", "Sokołowski",
    "Żółkiewski", "Łukasiewicz", "Bondarenko", "Przybylski", "Ziółkowski", "Makowski", "Brzeziński", "Laskowski",
]  # fmt: skip
FIRST = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Anna", "Maria", "Katarzyna", "Małgorzata", "Zofia", "Łucja"]
TITLES = [
    "Podatek od nieruchomości — korekta informacji IN-1",
    "Wniosek o umorzenie zaległości podatkowej",
    "Wniosek o rozłożenie na raty podatku rolnego",
    "Deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi",
    "Zaświadczenie o niezaleganiu w podatkach",
    "Wniosek o udostępnienie informacji publicznej",
    "Zameldowanie na pobyt stały",
    "Wymeldowanie z urzędu",
    "Zwrot nadpłaty w podatku od środków transportowych",
    "Skarga na działanie pracownika",
    "Zajęcie pasa drogowego",
    "Zezwolenie na usunięcie drzew",
]
STREETS = ["Lipowa", "Polna", "Leśna", "Słoneczna", "Krótka", "Szkolna", "Ogrodowa", "Kościelna", "Źródlana"]
UNITS = ["FN", "PD", "OR", "GK", "USC", "SO", "BR", "IN", "OS", "ZP", "KD", "RG"]
CLASSES = [
    ("3120", "BE5"), ("3121", "B5"), ("3122", "B5"), ("3110", "A"), ("1431", "A"), ("5343", "B10"), ("5345", "B5"),
    ("1510", "A"), ("7021", "B5"), ("6131", "B5"), ("3130", "B10"), ("3140", "B10"), ("3150", "B5"), ("3160", "B5"),
    ("0520", "Bc"), ("0140", "B50"), ("2110", "A"), ("2310", "BE10"), ("4110", "B5"), ("8110", "B10"),
]  # fmt: skip
RARE_EVERY = 9973  # one case in ~10 000 mentions a rare word


def _timed(label, fn, n):
    runs = []
    count = 0
    for _ in range(n):
        t0 = time.perf_counter()
        count = fn()
        runs.append(time.perf_counter() - t0)
    runs.sort()
    p95 = runs[max(0, round(0.95 * len(runs)) - 1)]
    print(
        f"{label:<58} {n:>3} runs  p50 {statistics.median(runs) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms  "
        f"max {runs[-1] * 1000:7.1f} ms  hits {count}"
    )


def _reference():
    from core import roles
    from core.models import OrgUnit
    from documents.models import JrwaClass, JrwaVersion
    from tests.factories import UserFactory

    units = [OrgUnit.objects.get_or_create(symbol=s, defaults={"name": f"Referat {s}"})[0] for s in UNITS]
    version, _created = JrwaVersion.objects.get_or_create(
        code="bench", defaults={"name": "JRWA bench", "valid_from": datetime.date(2011, 1, 20)}
    )
    classes = [
        JrwaClass.objects.get_or_create(
            version=version,
            symbol=symbol,
            defaults={"title": f"Klasa {symbol}", "archival_category": cat, "is_leaf": True},
        )[0]
        for symbol, cat in CLASSES
    ]
    admin = UserFactory(username="bench-admin", roles=[roles.ADMINISTRATOR]) if not _user("bench-admin") else None
    clerk = (
        UserFactory(username="bench-clerk", roles=[roles.TAX_CLERK], org_unit=units[1])
        if not _user("bench-clerk")
        else None
    )
    return units, classes, admin or _user("bench-admin"), clerk or _user("bench-clerk")


def _user(name):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=name).first()


def seed(n: int) -> None:
    from core.domain.identifiers import generate_pesel
    from core.domain.text import fold
    from core.models import Party
    from documents.models import Case

    units, classes, admin, _clerk = _reference()
    existing = Case.objects.count()
    if existing >= n:
        print(f"seed: {existing} cases already there")
        return
    through = Case.parties.through
    t0 = time.perf_counter()
    for start in range(existing, n, BATCH):
        stop = min(n, start + BATCH)
        with transaction.atomic():
            parties = []
            for i in range(start, stop):
                birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=(i * 13) % 25000)
                sex = "M" if (i // 7) % 2 else "F"  # not tied to the surname index
                surname = SURNAMES[(i * 11) % len(SURNAMES)]  # 11 is coprime with 70: every surname
                if sex == "F" and surname.endswith("ski"):
                    surname = surname[:-1] + "a"
                party = Party(
                    kind=Party.Kind.PERSON,
                    pesel=generate_pesel(birth, sex, 500 + (i // 25000) % 400),
                    first_names=FIRST[(i * 3) % len(FIRST)],
                    surname=surname,
                    birth_date=birth,
                    sex=sex,
                )
                party.refresh_search_text()
                parties.append(party)
            Party.objects.bulk_create(parties)
            cases = []
            for i, party in zip(range(start, stop), parties, strict=True):
                unit, jrwa = units[i % len(units)], classes[(i // 3) % len(classes)]
                year = 2015 + (i % 12)
                number = i // 60 + 1  # (unit, class, year) is a function of i % 60, one-to-one
                mark = f"{unit.symbol}.{jrwa.symbol}.{number}.{year}"
                # the title is not tied to the unit (i % 12)
                title = f"{TITLES[(i // 5) % len(TITLES)]}, ul. {STREETS[i % len(STREETS)]} {1 + i % 90}"
                if i % RARE_EVERY == 0:
                    title += " — przepompownia"
                label = f"{party.first_names} {party.surname} {party.pesel}"
                cases.append(
                    Case(
                        unit=unit,
                        jrwa=jrwa,
                        year=year,
                        number=number,
                        mark=mark,
                        title=title,
                        owner=admin,
                        opened_by=admin,
                        status=("open", "closed", "suspended", "closed")[(i // 12) % 4],
                        opened_on=datetime.date(year, 1 + i % 12, 1 + i % 28),
                        search_text=fold(f"{mark} {title} {label}"),
                    )
                )
            Case.objects.bulk_create(cases)
            through.objects.bulk_create(
                through(case_id=c.pk, party_id=p.pk) for c, p in zip(cases, parties, strict=True)
            )
        print(f"\rseed: {stop} cases ({(stop - existing) / (time.perf_counter() - t0):.0f}/s)", end="", flush=True)
    print()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE documents_case")
    print(f"seed: {time.perf_counter() - t0:.1f} s")


def bench(repeat: int) -> None:
    from core.models import OrgUnit
    from documents.models import Case
    from documents.services.search import search

    _units, _classes, admin, clerk = _reference()
    total = Case.objects.count()
    sample = Case.objects.order_by("pk")[total // 2]
    pd = OrgUnit.objects.get(symbol="PD")
    print(f"cases: {total}")
    shapes = [
        ("surname (Żółkiewska typed Zolkiewska)", {"query": "Zolkiewska"}),
        ("surname prefix as typed (Wiśniew)", {"query": "Wiśniew"}),
        (f"case mark exact ({sample.mark})", {"query": sample.mark}),
        ("two words (umorzenie zaległości)", {"query": "umorzenie zaległości"}),
        ("rare word (przepompownia)", {"query": "przepompownia"}),
        ("surname + street (Nowak Lipowa)", {"query": "Nowak Lipowa"}),
        ("filter unit + status, no words", {"unit": pd.pk, "status": "open"}),
        ("filter unit + status + word (podatek)", {"query": "podatek", "unit": pd.pk, "status": "open"}),
        ("typo, fuzzy branch (Kowalsky)", {"query": "Kowalsky"}),
    ]
    for who, user in (("admin", admin), ("clerk PD", clerk)):
        for label, kwargs in shapes:
            _timed(
                f"{who}: {label}",
                lambda user=user, kwargs=kwargs: len(search(user=user, kind="cases", limit=50, **kwargs).cases),
                repeat,
            )


def main():
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    seed(N_CASES)
    bench(REPEAT)


if __name__ == "__main__":
    main()
