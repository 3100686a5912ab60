"""Benchmark of the nightly verification of the waste fee declarations (issue 9 "Performance"): BENCH_PROPERTIES
properties (default 100 000) at distinct TERYT addresses with accepted declarations, twice as many residents
registered at those addresses, about as many water readings for the month and a few thousand collection contracts;
target ≤ 60 s on the 2-core machine, PostgreSQL: `.venv/bin/python bench/waste_verify.py`.

Seeds once (later runs reuse the data; COPY of plain rows through ``finance.services.bulk``, not the services): the
demo gmina's TERYT; per block of 20 addresses either one building with 20 flats or 20 houses without flats; 3 % of
the properties non-residential and 1 % mixed (containers declared, a collector's contract each, every fourth above
the declared litres, every tenth with an expired larger contract), the rest residential — per resident (86 %), water
(5 %), area (4 %), household (2 %). Residents: one permanent registration at the property (2 % ended before the
month, 1 % from after the month, every tenth with an earlier ended registration elsewhere, 0.5 % with a temporary
stay at a neighbouring property). Declarations accepted from 1.01.2025; every 40th property a change from 1.02 of
the benchmark year (the first superseded), every 97th an accepted change from May (superseded, still in force in
the month), every 101st a received (not accepted) change, every 200th a decision under art. 6o (purpose
``decision``) in force. Discrepancies: every 40th per-resident property declares one resident fewer than registered,
every 100th uses three times the water, the contracts above; ≈ 4–5 % of the properties in all.

Then ``waste_verify`` of the month is timed twice: the first run records the findings (they are deleted first, so
every run starts the same), the second finds nothing new. Printed: time, declarations, findings by kind, queries,
the peak resident memory (``resource.getrusage``) and the peak of Python allocations (tracemalloc, a third run,
which slows it down).

    BENCH_DATABASE_URL  the database (default: a throw-away SQLite file var/bench_waste_verify.sqlite3 — use
                        PostgreSQL: psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE waste_bench'
                        BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/waste_bench)
    BENCH_PROPERTIES    properties (default 100000; residents twice as many)
    BENCH_MONTH         the verified month (default 2026-03)
    BENCH_TRACEMALLOC   1 (default) also runs once under tracemalloc; 0 skips it
"""

import datetime
import json
import os
import resource
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
(BASE / "var").mkdir(exist_ok=True)
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_waste_verify.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402

N = int(os.environ.get("BENCH_PROPERTIES", "100000"))
MONTH = datetime.date.fromisoformat(os.environ.get("BENCH_MONTH", "2026-03") + "-01")
TRACE = os.environ.get("BENCH_TRACEMALLOC", "1") == "1"
BATCH = 10000  # properties per transaction (a multiple of the block of 20)
BLOCK = 20
PREFIX = "ODP/B/"
D = Decimal
FIRST = datetime.date(2025, 1, 1)


def _add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


CHANGE, LATER = _add_months(MONTH, -1), _add_months(MONTH, 2)  # a change in force in the month; one not yet
SMALL, BIG = {"capacity_l": 120, "frequency": 2, "count": 1}, {"capacity_l": 1100, "frequency": 2, "count": 1}


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
    localities = list(Locality.objects.filter(gmina__code__startswith=gmina).order_by("pk"))
    places = [(s.locality, s, "05-990") for s in Street.objects.filter(locality__in=localities).order_by("pk")]
    places += [(loc, None, "05-991") for loc in localities if not loc.streets.exists()]
    return places


def _insert(model, rows, *, with_ids=False):
    """``bulk_insert_rows`` with the JSON fields as JSON text on PostgreSQL (COPY parses them; a Python list would be
    sent as an array)."""
    from django.db.models import JSONField

    from finance.services.bulk import bulk_insert_rows

    if connection.vendor == "postgresql":
        json_fields = {f.attname: f.get_default() for f in model._meta.concrete_fields if isinstance(f, JSONField)}
        if json_fields:
            rows = [{**row, **{k: json.dumps(row.get(k, default)) for k, default in json_fields.items()}}
                    for row in rows]  # fmt: skip
    bulk_insert_rows(model, rows, with_ids=with_ids)


def _property_plan(i: int) -> dict:
    """What property ``i`` is: kind, method, registered residents by the plan, discrepancies."""
    k = i % 100
    if k < 3:
        return {"kind": "non_residential", "method": "", "people": 0}
    people = (1, 2, 2, 3, 1, 2, 3, 2)[i % 8] + (1 if (i // BLOCK) % 5 == 0 and i % 3 == 0 else 0)
    if k == 3:
        return {"kind": "mixed", "method": "per_resident", "people": people}
    method = "per_m3" if k < 9 else "per_m2" if k < 13 else "per_household" if k < 15 else "per_resident"
    return {"kind": "residential", "method": method, "people": people}


def seed(n: int):
    from core.models import Address, Party
    from finance.services.bulk import reserve_ids
    from population.models import Registration, Resident
    from taxes.models import (
        CollectionContract,
        ContractImport,
        WasteDeclaration,
        WasteProperty,
        WaterImport,
        WaterReading,
    )

    existing = WasteProperty.objects.filter(identifier__startswith=PREFIX).count()
    if existing >= n:
        print(f"seed: {existing} properties already there")
        return
    if existing:
        raise SystemExit("a partial seed is in the database: drop it (or the database) and run again")
    _teryt()
    places = _places()
    water_import = WaterImport.objects.create(file_name="bench-woda.csv", sha256="b" * 64)
    contract_import = ContractImport.objects.create(file_name="bench-umowy.csv", sha256="c" * 64)
    t0 = time.perf_counter()
    totals = dict.fromkeys(["residents", "registrations", "declarations", "readings", "contracts"], 0)
    for offset in range(0, n, BATCH):
        stop = min(n, offset + BATCH)
        plans = [_property_plan(i) for i in range(offset, stop)]
        with transaction.atomic():
            address_ids = reserve_ids(Address, stop - offset)
            property_ids = reserve_ids(WasteProperty, stop - offset)
            addresses, properties, keys = [], [], []
            for i, aid, pid in zip(range(offset, stop), address_ids, property_ids, strict=True):
                block, j = divmod(i, BLOCK)
                loc, street, postal = places[block % len(places)]
                number = str(1 + block // len(places))
                building, flat = (f"{number}{chr(65 + j)}", "") if block % 5 == 0 else (number, str(j + 1))
                keys.append((loc, street, building, flat))
                addresses.append({
                    "id": aid, "country": "PL", "gmina_id": loc.gmina_id, "locality_id": loc.pk,
                    "street_id": street.pk if street else None, "locality_name": loc.name,
                    "street_name": street.full_name if street else "", "building_number": building,
                    "flat_number": flat, "postal_code": postal, "post_town": loc.name,
                })  # fmt: skip
                plan = plans[i - offset]
                area = D(40 + i % 90) if plan["kind"] != "non_residential" else None
                properties.append({"id": pid, "identifier": f"{PREFIX}{i:06d}", "address_id": aid,
                                   "kind": plan["kind"], "dwelling_m2": area})  # fmt: skip
            # residents: the planned people of each property, then ends, late starts, earlier and temporary stays
            people = [p["people"] for p in plans]
            resident_total = sum(people)
            party_ids = reserve_ids(Party, resident_total + sum(1 for p in plans if p["kind"] == "non_residential"))
            resident_ids = reserve_ids(Resident, resident_total)
            parties, residents, registrations = [], [], []
            registered = [0] * len(plans)  # distinct persons registered at each property on the 1st of the month
            payer = [0] * len(plans)
            r = 0
            for idx, count in enumerate(people):
                i = offset + idx
                for _p in range(count):
                    g = offset * 2 + r  # a global resident number (deterministic)
                    party_id, resident_id = party_ids[r], resident_ids[r]
                    parties.append({"id": party_id, "kind": "person", "first_names": "Jan" if g % 2 else "Anna",
                                    "surname": f"Odpadowy{g:07d}", "search_text": f"odpadowy{g:07d}"})  # fmt: skip
                    residents.append({"id": resident_id, "party_id": party_id})
                    payer[idx] = payer[idx] or party_id
                    loc, street, building, flat = keys[idx]
                    start, end, reason = datetime.date(2000, 1, 1) + datetime.timedelta(days=g % 7000), None, ""
                    if g % 10 == 0:  # an earlier permanent registration at a neighbouring property, ended
                        o_loc, o_street, o_building, o_flat = keys[(idx + 7) % len(keys)]
                        registrations.append((resident_id, "permanent", address_ids[(idx + 7) % len(keys)], o_loc,
                                              o_street, o_building, o_flat, start, None, start
                                              + datetime.timedelta(days=300), "replaced"))  # fmt: skip
                        start += datetime.timedelta(days=300)
                    if g % 50 == 1:  # de-registered before the month
                        end, reason = MONTH - datetime.timedelta(days=40 + g % 300), "deregistered"
                        start = min(start, end)
                    elif g % 100 == 3:  # registered only after the 1st of the month
                        start = MONTH + datetime.timedelta(days=1 + g % 20)
                    else:
                        registered[idx] += 1
                    registrations.append((resident_id, "permanent", address_ids[idx], loc, street, building, flat,
                                          start, None, end, reason))  # fmt: skip
                    if g % 200 == 5:  # a temporary stay in force at another property of the batch
                        host = (idx + 3) % len(keys)
                        h_loc, h_street, h_building, h_flat = keys[host]
                        t_start = MONTH - datetime.timedelta(days=60)
                        registrations.append((resident_id, "temporary", address_ids[host], h_loc, h_street,
                                              h_building, h_flat, t_start, t_start + datetime.timedelta(days=365),
                                              None, ""))  # fmt: skip
                        registered[host] += 1
                    r += 1
            org = resident_total
            for idx, plan in enumerate(plans):
                if plan["kind"] == "non_residential":
                    parties.append({"id": party_ids[org], "kind": "organisation", "name": f"Firma {offset + idx}",
                                    "search_text": f"firma {offset + idx}"})  # fmt: skip
                    payer[idx] = party_ids[org]
                    org += 1
            # declarations: first (accepted) + changes, decisions, received ones; the evidence per property
            declarations, readings, contracts = [], [], []
            n_decl = sum(1 + (i % 40 == 11) + (i % 97 == 13) + (i % 101 == 17) + (i % 200 == 19)
                         for i in range(offset, stop))  # fmt: skip
            decl_ids = iter(reserve_ids(WasteDeclaration, n_decl))
            for idx, plan in enumerate(plans):
                i, prop_id = offset + idx, property_ids[idx]
                declared = registered[idx] - (1 if i % 40 == 21 and registered[idx] >= 2 else 0)
                data = {"method": plan["method"], "residents": None, "water_m3": None, "dwelling_m2": None,
                        "households": None, "containers": [], "composts": i % 3 == 0,
                        "selective": i % 31 != 0}  # fmt: skip
                if plan["kind"] in ("non_residential", "mixed"):
                    data["containers"] = [BIG if plan["kind"] == "non_residential" else SMALL]
                if plan["kind"] != "non_residential":
                    if plan["method"] == "per_m3":
                        data["water_m3"] = D(registered[idx] * 3)
                    else:
                        data["residents"] = max(declared, 1) if plan["method"] == "per_resident" else declared
                    if plan["method"] == "per_m2":
                        data["dwelling_m2"] = D(40 + i % 90)
                    if plan["method"] == "per_household":
                        data["households"] = 1
                chain = [("first", FIRST, "accepted", {**data, "residents": data["residents"]})]
                if i % 40 == 11:  # an accepted change from the month before: the first one had a person more
                    chain[0] = ("first", FIRST, "accepted", {**data, "residents": (data["residents"] or 0) + 1
                                                             if data["residents"] is not None else None})  # fmt: skip
                    chain.append(("change", CHANGE, "accepted", data))
                if i % 200 == 19:  # a decision under art. 6o, in force from the month before
                    chain.append(("decision", CHANGE, "accepted", data))
                if i % 97 == 13:  # an accepted change from a later month: the month is still the earlier one's
                    chain.append(("change", LATER, "accepted", {**data, "composts": not data["composts"]}))
                if i % 101 == 17:  # received, not accepted yet: not verified
                    chain.append(("change", CHANGE, "received", {**data, "residents": 9}))
                ids = [next(decl_ids) for _c in chain]
                accepted = [k for k, c in enumerate(chain) if c[2] == "accepted"]
                for k, (purpose, effective, status, values) in enumerate(chain):
                    later = [a for a in accepted if a > k]  # as the acceptance sets it: the next accepted one
                    superseded = ids[later[0]] if status == "accepted" and later else None
                    declarations.append({
                        "id": ids[k], "property_id": prop_id, "payer_id": payer[idx],
                        "number": f"DO/{ids[k]}/{effective.year}", "filed_on": effective - datetime.timedelta(days=5),
                        "effective_from": effective, "purpose": purpose, "status": status,
                        "superseded_by_id": superseded, "previous_id": ids[k - 1] if k else None, **values,
                    })  # fmt: skip
                if plan["kind"] != "non_residential":  # the water utility's readings of the month
                    per_person = D("2.5") + D(i % 15) / 10
                    m3 = (per_person * max(registered[idx], 1)).quantize(D("0.001"))
                    if i % 100 == 55:
                        m3 *= 3
                    readings.append({"meter_point": f"WB-{i:06d}", "address": "", "property_id": prop_id,
                                     "period": MONTH, "m3": m3, "water_import_id": water_import.pk})  # fmt: skip
                    if i % 33 == 0:  # a second meter point (a garden tap)
                        readings.append(
                            {
                                "meter_point": f"WB-{i:06d}-2",
                                "address": "",
                                "property_id": prop_id,
                                "period": MONTH,
                                "m3": D("0.400"),
                                "water_import_id": water_import.pk,
                            }
                        )
                else:
                    readings.append(
                        {
                            "meter_point": f"WB-{i:06d}",
                            "address": "",
                            "property_id": prop_id,
                            "period": MONTH,
                            "m3": D("12.000"),
                            "water_import_id": water_import.pk,
                        }
                    )
                if plan["kind"] in ("non_residential", "mixed"):  # the collector's contracts
                    declared_c = BIG if plan["kind"] == "non_residential" else SMALL
                    frequency = declared_c["frequency"] * (2 if i % 4 == 2 else 1)
                    contracts.append({"address": f"bench {i}", "property_id": prop_id,
                                      "capacity_l": declared_c["capacity_l"], "frequency": frequency, "count": 1,
                                      "valid_from": FIRST, "valid_to": None,
                                      "contract_import_id": contract_import.pk})  # fmt: skip
                    if i % 10 == 0:  # an expired, larger contract (not counted)
                        contracts.append({"address": f"bench {i}", "property_id": prop_id, "capacity_l": 1100,
                                          "frequency": 8, "count": 2, "valid_from": datetime.date(2024, 1, 1),
                                          "valid_to": datetime.date(2024, 12, 31),
                                          "contract_import_id": contract_import.pk})  # fmt: skip
            if offset == 0:  # readings whose address matched no property
                readings += [{"meter_point": f"WB-X{k:04d}", "address": f"ul. Nieznana {k}", "property_id": None,
                              "period": MONTH, "m3": D("3.000"), "water_import_id": water_import.pk}
                             for k in range(300)]  # fmt: skip
            _insert(Address, addresses, with_ids=True)
            _insert(WasteProperty, properties, with_ids=True)
            _insert(Party, parties, with_ids=True)
            _insert(Resident, residents, with_ids=True)
            _insert(Registration, [
                {"resident_id": res, "kind": kind, "address_id": aid, "locality_id": loc.pk,
                 "street_id": street.pk if street else None, "building_number": building, "flat_number": flat,
                 "start_date": start, "planned_end_date": planned, "end_date": end, "end_reason": reason}
                for res, kind, aid, loc, street, building, flat, start, planned, end, reason in registrations
            ])  # fmt: skip
            _insert(WasteDeclaration, declarations, with_ids=True)
            _insert(WaterReading, readings)
            _insert(CollectionContract, contracts)
        for name, rows in (
            ("residents", residents),
            ("registrations", registrations),
            ("declarations", declarations),
            ("readings", readings),
            ("contracts", contracts),
        ):
            totals[name] += len(rows)  # fmt: skip
        print(f"\rseed: {stop} properties, {totals['residents']} residents "
              f"({stop / (time.perf_counter() - t0):.0f} properties/s)", end="", flush=True)  # fmt: skip
    print(f"\nseed: {time.perf_counter() - t0:.1f} s; " + ", ".join(f"{v} {k}" for k, v in totals.items()))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(label: str):
    from django.db.models import Count

    from taxes.models import VerificationFinding
    from taxes.services.waste_verify import waste_verify

    settings.DEBUG = True  # count the queries
    reset_queries()
    t0 = time.perf_counter()
    result = waste_verify(month=MONTH)
    elapsed = time.perf_counter() - t0
    queries = len(connection.queries)
    settings.DEBUG = False
    reset_queries()
    kinds = dict(
        VerificationFinding.objects.filter(month=MONTH).values_list("kind").annotate(n=Count("id")).order_by("kind")
    )
    print(f"{label:<12} {elapsed:6.1f} s — {result['declarations']} declarations "
          f"({result['declarations'] / elapsed:.0f}/s), created {result['created']}, updated {result['updated']}; "
          f"findings of the month by kind {kinds}; {queries} queries; peak RSS so far {_rss_mb():.0f} MB")  # fmt: skip
    return elapsed, result


def main() -> None:
    from django.db.models import Count

    from population.models import Registration, Resident
    from taxes.models import CollectionContract, VerificationFinding, WasteDeclaration, WasteProperty, WaterReading

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {N} properties; month {MONTH:%Y-%m}")
    call_command("migrate", verbosity=0)
    seed(N)
    print(f"data: {WasteProperty.objects.count()} properties, "
          f"{WasteDeclaration.objects.values_list('status').annotate(n=Count('id')).order_by('status')} "
          f"declarations, {Resident.objects.count()} residents, {Registration.objects.count()} registrations, "
          f"{WaterReading.objects.filter(period=MONTH).count()} readings of the month, "
          f"{CollectionContract.objects.count()} contracts")  # fmt: skip
    deleted, _by_model = VerificationFinding.objects.filter(month=MONTH).delete()
    if deleted:
        print(f"(deleted {deleted} findings of an earlier benchmark run)")
        if connection.vendor == "postgresql":  # the same start every time: no dead rows of the earlier runs
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {VerificationFinding._meta.db_table}")
    rss0 = _rss_mb()
    first, result = _run("first run")
    second, again = _run("second run")
    print(f"peak RSS: {_rss_mb():.0f} MB (before the runs {rss0:.0f} MB)")
    if TRACE:
        tracemalloc.start()
        t0 = time.perf_counter()
        from taxes.services.waste_verify import waste_verify

        waste_verify(month=MONTH)
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"under tracemalloc (a third run, {time.perf_counter() - t0:.1f} s): peak Python allocations "
              f"{peak / 1e6:.1f} MB")  # fmt: skip
    flagged = VerificationFinding.objects.filter(month=MONTH).values("property_id").distinct().count()
    share = flagged / max(result["declarations"], 1) * 100
    print(f"target ≤ 60 s: first run {first:.1f} s ({result['created']} findings; {flagged} properties with a "
          f"discrepancy, {share:.1f} %), second run {second:.1f} s ({again['created']} new)")  # fmt: skip


if __name__ == "__main__":
    main()
