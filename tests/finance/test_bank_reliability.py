"""Reliability on PostgreSQL with real processes: two imports touching the same accounts at the same time give the
same balances as one after the other (row locks), and one statement imported by two processes at once lands once."""

import datetime
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from finance import selectors
from finance.domain import nrb
from finance.models import AccountEntry, BankProfile, BankStatement, Payment, ReceivableType, VirtualAccount
from finance.services.accounts import account_get_or_create, charge_post
from finance.services.statements import statement_import
from tests.factories import PersonFactory
from tests.finance.conftest_bank import OFFICE_TILDE, write_mt940

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between processes: PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
D = Decimal
DAY = datetime.date(2025, 6, 20)

WORKER = """
import pathlib, sys, time, django
django.setup()
from finance.models import BankProfile
from finance.services.statements import statement_import
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
summary = statement_import(actor=None, profile=BankProfile.objects.get(code="bank-tilde"),
                           data=pathlib.Path(sys.argv[1]).read_bytes(), file_name=pathlib.Path(sys.argv[1]).name)
print(len(summary.statements), summary.duplicates, summary.matched)
"""


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"postgres://{quote(db.get('USER') or '')}{password}@{host}/{db['NAME']}"


def _run_together(paths: list[Path]) -> list[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": _database_url()}
    start = time.time() + 3
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(p), str(start)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in paths
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        outputs.append(out.strip())
    return outputs


@pytest.fixture
def profile(db):
    return BankProfile.objects.create(
        code="bank-tilde", name="Bank", separator="~", encoding="cp852", virtual_account_field="86_29",
        office_account=OFFICE_TILDE, sort_code="10201026", client_prefix="987654", id_length=10,
    )  # fmt: skip


def _world(profile, first_identifier: int, size: int = 4):
    """Parties with an arrear (due 17.03.2025, so interest runs) and a current installment, and their accounts."""
    rtype = ReceivableType.objects.get(code="property_tax_person")
    out = []
    for n in range(size):
        party = PersonFactory()
        va = VirtualAccount.objects.create(
            nrb=nrb.build(sort_code="10201026", client_prefix="987654", identifier=first_identifier + n, id_length=10),
            party=party, profile=profile, identifier=first_identifier + n,
        )  # fmt: skip
        account = account_get_or_create(party=party, receivable_type=rtype, year=2025)
        charge_post(
            actor=None, account=account, amount=D("1200.00"),
            installments=[(datetime.date(2025, 3, 17), D("600.00")), (datetime.date(2025, 9, 15), D("600.00"))],
            value_date=datetime.date(2025, 2, 1), description="Decyzja",
        )  # fmt: skip
        out.append((va, account))
    return out


def _statements(tmp_path: Path, world, tag: str) -> list[Path]:
    one = write_mt940(account=OFFICE_TILDE, reference=f"{tag}-1", sequence="1", day=DAY,
                      movements=[(D("300.00"), va.nrb, f"{tag} raz") for va, _a in world])  # fmt: skip
    two = write_mt940(account=OFFICE_TILDE, reference=f"{tag}-2", sequence="2", day=DAY,
                      movements=[(D("450.55"), va.nrb, f"{tag} dwa") for va, _a in world])  # fmt: skip
    paths = [tmp_path / f"{tag}-1.sta", tmp_path / f"{tag}-2.sta"]
    paths[0].write_bytes(one.encode("cp852"))
    paths[1].write_bytes(two.encode("cp852"))
    return paths


def _balances(world):
    out = []
    for _va, account in world:
        b = selectors.balance(account, as_of=datetime.date(2025, 12, 31))
        out.append((b.principal, b.interest, b.costs, b.overpayment))
    return out


def test_two_processes_at_once_give_the_sequential_balances(tmp_path, profile):
    together = _world(profile, 100)
    sequential = _world(profile, 200)
    outputs = _run_together(_statements(tmp_path, together, "RAZEM"))
    assert sorted(outputs) == ["1 0 4", "1 0 4"]
    for path in _statements(tmp_path, sequential, "PO-KOLEI"):
        statement_import(actor=None, profile=profile, data=path.read_bytes())
    assert _balances(together) == _balances(sequential)
    assert Payment.objects.filter(status="allocated").count() == 16
    # money neither created nor lost: what was allocated is what came in (2 worlds × 4 parties × 750.55)
    allocated = sum(
        e.amount for e in AccountEntry.objects.filter(payment__isnull=False).exclude(kind=AccountEntry.Kind.INTEREST)
    )
    assert allocated == D("6004.40")
    assert _balances(together)[0][0] < D("1200.00")


def test_one_statement_imported_by_two_processes_lands_once(tmp_path, profile):
    world = _world(profile, 300, size=2)
    path = _statements(tmp_path, world, "TEN-SAM")[0]
    copy = tmp_path / "copy.sta"
    copy.write_bytes(path.read_bytes())
    outputs = _run_together([path, copy])
    assert sorted(outputs) == ["0 1 0", "1 0 2"]
    assert BankStatement.objects.count() == 1
    assert Payment.objects.count() == 2
