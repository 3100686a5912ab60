"""Benchmark of the ePUAP inbound path: `.venv/bin/python bench/epuap_ingest.py [--count N]` (also `make bench`).

What it does:

1. points Django at a throw-away database (BENCH_DATABASE_URL, default SQLite var/bench_epuap.sqlite3; the
   database's name must contain "bench" — its ePUAP tables are emptied), migrates it;
2. generates the test PKI in a temporary directory and runs ``platform_setup`` (the office's podmiot and box,
   test residents);
3. NOT TIMED: signs N (default 5000) CRD documents (pisma ogólne with varied text, XAdES-BES, by the test residents
   in turn) and drops them into the office's box through the platform service ``document_submit`` (as WS-Skrytka
   ``nadaj`` would: queued document + a UPP signed by the platform);
4. TIMED: the adapter's ingest — ``box_poll`` repeatedly until the box is empty — with a Transport that posts to
   the platform's SOAP views in-process through Django's test ``Client`` (middleware included). That is the full
   SOAP path for every document: the adapter signs each request (WS-Security), the platform verifies it, answers
   and signs the answer, the adapter verifies the answer; ``oczekujaceDokumenty`` once per poll, then per document
   ``pobierzNastepny`` + ``potwierdzOdebranie``; the adapter verifies the XAdES signature against the CA, parses
   the CRD form, stores the document with its audit event in one transaction, confirms after the commit.
   Only the network is missing (no sockets, no HTTP server);
5. a second, smaller run (``--memory-count``, default 200 documents) under tracemalloc for the peak Python memory
   (tracemalloc slows every allocation, so the timed run goes without it).

Prints documents/s, total time, the split by stage (time inside the platform's views per SOAP operation; on the
adapter's side: WS-Security signing/verification, document verification (XAdES + CRD), the rest = storing,
audit, lease and bookkeeping) and the peak memory. No asserts; the results are recorded by hand in
docs/performance.md. ``--profile FILE`` writes a cProfile of the timed run; ``--cache-platform-key`` measures the
effect of a suggested fix in the simulated platform (it re-reads its private key for every response it signs).

    BENCH_DATABASE_URL  e.g. postgres://postgres@localhost:5432/magistrat_bench_epuap (create it first:
                        psql -h localhost -U postgres -c 'CREATE DATABASE magistrat_bench_epuap')
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{BASE / 'var' / 'bench_epuap.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
_PKI_DIR = tempfile.TemporaryDirectory(prefix="bench-epuap-pki-")
os.environ["EPUAP_PKI_DIR"] = _PKI_DIR.name

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

BOX = settings.EPUAP_BOXES[0]
RESIDENTS = 3

TOPICS = [
    ("Wniosek o wydanie zaświadczenia o zameldowaniu", "Proszę o wydanie zaświadczenia o zameldowaniu na pobyt stały."),
    ("Zgłoszenie uszkodzonej lampy ulicznej", "Od tygodnia nie świeci lampa uliczna przy ul. Ogrodowej."),
    ("Wniosek o wycięcie drzewa", "Proszę o zezwolenie na usunięcie drzewa (lipa, obwód 120 cm) z działki."),
    ("Zapytanie o termin odbioru odpadów", "Proszę o informację o terminach odbioru odpadów wielkogabarytowych."),
    ("Wniosek o udostępnienie informacji publicznej", "Proszę o udostępnienie uchwały budżetowej na rok 2026."),
]


# --- stage timing -----------------------------------------------------------------------------------------

STAGES: dict[str, float] = collections.defaultdict(float)
COUNTS: dict[str, int] = collections.defaultdict(int)
_IN_PLATFORM = False


def _timed_stage(module, name: str, label: str) -> None:
    """Wrap module.name so its time is added to STAGES[label] (client-side calls only)."""
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        if _IN_PLATFORM:
            return original(*args, **kwargs)
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            STAGES[label] += time.perf_counter() - t0

    setattr(module, name, wrapper)


class InProcessTransport:
    """The adapter's Transport: POST the signed envelope to the platform's SOAP view via Django's test Client."""

    def __init__(self):
        self.client = Client()

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        global _IN_PLATFORM
        op = soap_action.rsplit("/", 1)[-1]
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        t0 = time.perf_counter()
        _IN_PLATFORM = True
        try:
            response = self.client.post(
                path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=f'"{soap_action}"'
            )
        finally:
            _IN_PLATFORM = False
            STAGES[f"platform: {op}"] += time.perf_counter() - t0
            COUNTS[op] += 1
        return response.content


# --- setup ------------------------------------------------------------------------------------------------


def _database_label() -> str:
    db = connection.settings_dict
    return f"{connection.vendor} {db['NAME']}"


def setup() -> dict:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        sys.exit(f"refusing to run on {name!r}: the benchmark empties the ePUAP tables; use a database named *bench*")
    if connection.vendor == "sqlite":
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0, interactive=False)
    from epuap.models import InboundDocument, PollState
    from epuap.platform.models import QueuedDocument, Upp

    Upp.objects.all().delete()
    QueuedDocument.objects.all().delete()
    InboundDocument.objects.all().delete()
    PollState.objects.all().delete()
    from epuap.platform.services import platform_setup

    return platform_setup(residents=RESIDENTS)


def make_documents(count: int) -> list[tuple[int, bytes]]:
    """(resident index, signed pismo ogólne) × count, each distinct (varied title, text and reference number)."""
    import datetime

    from epuap import crd, pki, xades

    credentials = pki.ensure_test_pki(Path(settings.EPUAP_PKI_DIR), residents=RESIDENTS)
    documents = []
    for i in range(count):
        index = i % RESIDENTS + 1
        ident = pki.resident_identity(index)
        title, text = TOPICS[i % len(TOPICS)]
        xml = crd.build_pismo_ogolne(
            crd.CrdDocument(
                form_namespace=crd.NS_WNIO_4566,
                title=f"{title} (nr {i + 1})",
                text_paragraphs=[text, f"Numer referencyjny nadawcy: BENCH/{i + 1:06d}."],
                sender=crd.Party(first_name=ident["first_name"], surname=ident["surname"], pesel=ident["pesel"]),
                recipient_name=settings.EPUAP_OFFICE_NAME,
                place="Magistrowo",
                created=datetime.date(2026, 11, 2) + datetime.timedelta(days=i % 20),
            )
        )
        documents.append((index, xades.sign(xml, credentials[f"resident-{index}"])))
    return documents


def drop(podmioty: dict, documents: list[tuple[int, bytes]]) -> None:
    from epuap.platform.services import RESIDENT_BOX, box_address, document_submit

    for n, (index, content) in enumerate(documents):
        name = f"resident-{index}"
        document_submit(
            sender=podmioty[name],
            box_address=BOX,
            content=content,
            file_name=f"pismo-{n + 1:06d}.xml",
            reply_address=box_address(name, RESIDENT_BOX),
            sender_user=name,
        )


def ingest(transport) -> tuple[int, int, int]:
    """box_poll until the box is empty; returns (polls, stored, quarantined)."""
    from epuap.services import box_poll

    polls = stored = quarantined = 0
    while True:
        result = box_poll(box_address=BOX, transport=transport)
        polls += 1
        if result.outcome != "ok":
            sys.exit(f"poll {polls} ended {result.outcome}: {result.error}")
        stored += result.stored
        quarantined += result.quarantined
        if not result.pending:
            return polls, stored, quarantined


# --- main -------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="documents in the timed run (default 5000)")
    parser.add_argument("--memory-count", type=int, default=200, help="documents in the tracemalloc run")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the timed run to FILE")
    parser.add_argument(
        "--cache-platform-key",
        action="store_true",
        help="what-if: load the simulated platform's signing key once instead of per response (a suggested fix)",
    )
    args = parser.parse_args()
    if args.cache_platform_key:
        import functools

        from epuap.platform import services as platform_services

        platform_services.platform_credential = functools.cache(platform_services.platform_credential)

    what_if = " [what-if: platform key cached]" if args.cache_platform_key else ""
    print(f"ePUAP ingest benchmark on {_database_label()}, {args.count} documents{what_if}")
    t0 = time.perf_counter()
    podmioty = setup()
    print(f"  setup (migrate, test PKI, platform_setup): {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    documents = make_documents(args.count + args.memory_count)
    t_sign = time.perf_counter() - t0
    t0 = time.perf_counter()
    drop(podmioty, documents[: args.count])
    t_drop = time.perf_counter() - t0
    size = sum(len(c) for _i, c in documents) / len(documents)
    print(
        f"  not timed: signing {len(documents)} documents {t_sign:.1f} s ({len(documents) / t_sign:.0f}/s, "
        f"{size / 1024:.1f} KiB average); dropping {args.count} into {BOX} (document_submit + UPP) {t_drop:.1f} s"
    )

    from epuap import services, wssecurity

    _timed_stage(wssecurity, "sign_envelope", "adapter: WS-Security sign request")
    _timed_stage(wssecurity, "verify_envelope", "adapter: WS-Security verify response")
    _timed_stage(services, "document_verify", "adapter: document verify (XAdES + CRD)")
    transport = InProcessTransport()

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    polls, stored, quarantined = ingest(transport)
    total = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)

    print(
        f"  TIMED ingest: {stored} documents in {total:.1f} s = {stored / total:.1f} documents/s "
        f"({polls} polls, {quarantined} quarantined, {total / max(stored, 1) * 1000:.1f} ms per document)"
    )
    accounted = 0.0
    for label in sorted(STAGES):
        accounted += STAGES[label]
        print(f"    {label:<48} {STAGES[label]:7.1f} s  {STAGES[label] / total * 100:5.1f} %")
    rest = total - accounted
    print(f"    {'adapter: store + audit + lease + parsing (rest)':<48} {rest:7.1f} s  {rest / total * 100:5.1f} %")
    print(f"    SOAP calls: {dict(COUNTS)}")

    if args.memory_count:
        drop(podmioty, documents[args.count :])
        tracemalloc.start()
        t0 = time.perf_counter()
        _polls, stored_m, _q = ingest(transport)
        elapsed = time.perf_counter() - t0
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"  memory run: {stored_m} documents under tracemalloc in {elapsed:.1f} s, "
            f"peak Python memory {peak / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
    _PKI_DIR.cleanup()
