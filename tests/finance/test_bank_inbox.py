"""The drop folder: each new file imported once and archived to done/ or rejected/ (with its reason), claimed by
an atomic rename (two runs at once import it once), stale claims recovered; the Celery task reads the setting."""

import os
import time
from decimal import Decimal

import pytest

from finance import tasks
from finance.models import BankStatement, Payment
from finance.services.statements import inbox_import
from tests.finance.conftest_bank import *  # noqa: F403
from tests.finance.conftest_bank import fixture_bytes

pytestmark = pytest.mark.django_db


def test_new_files_are_imported_and_archived(tmp_path, profile_tilde, profile_caret):
    inbox = tmp_path / "inbox"
    (inbox / "bank-caret").mkdir(parents=True)
    (inbox / "wyciag1.sta").write_bytes(fixture_bytes("bank_tilde_cp852.sta"))
    (inbox / "bank-caret" / "w2.sta").write_bytes(fixture_bytes("bank_caret_utf8.sta"))
    (inbox / "bank-caret" / "zly.sta").write_bytes(fixture_bytes("bank_caret_utf8.sta").replace(b"110,00", b"111,00"))
    (inbox / "w3.part").write_bytes(b"still being written")
    result = inbox_import(inbox=inbox)
    # the default profile is the first active one by code: bank-caret; the tilde file does not decode as UTF-8
    assert sorted(result.imported) == ["w2.sta"]
    assert sorted(result.rejected) == ["wyciag1.sta", "zly.sta"]
    assert BankStatement.objects.count() == 1
    assert Payment.objects.count() == 2
    done = list((inbox / "done").iterdir())
    assert [p.name.endswith("_w2.sta") for p in done] == [True]
    reasons = sorted(p for p in (inbox / "rejected").iterdir() if p.name.endswith(".reason.txt"))
    assert len(reasons) == 2
    assert any("Balances do not reconcile" in p.read_text() or "Salda" in p.read_text() for p in reasons)
    assert (inbox / "w3.part").exists()  # partial uploads are left alone
    assert list((inbox / "processing").iterdir()) == []
    # the same file delivered again: a duplicate, archived, nothing imported
    (inbox / "bank-caret" / "w2-again.sta").write_bytes(fixture_bytes("bank_caret_utf8.sta"))
    again = inbox_import(inbox=inbox)
    assert again.duplicates == ["w2-again.sta"]
    assert BankStatement.objects.count() == 1


def test_a_file_claimed_by_another_run_is_skipped_and_stale_claims_come_back(tmp_path, profile_caret):
    inbox = tmp_path / "inbox"
    (inbox / "processing").mkdir(parents=True)
    stale = inbox / "processing" / f"{int(time.time()) - 3600}__abc__-__old.sta"
    stale.write_bytes(fixture_bytes("bank_caret_utf8.sta"))
    fresh = inbox / "processing" / f"{int(time.time())}__def__-__busy.sta"
    fresh.write_bytes(b"being imported by another worker")
    result = inbox_import(inbox=inbox)
    assert result.recovered == 1
    assert result.imported == ["old.sta"]
    assert fresh.exists()  # another run's claim is not touched
    assert BankStatement.objects.count() == 1


def test_task_uses_the_setting(tmp_path, settings, profile_caret):
    settings.FINANCE_STATEMENT_INBOX = str(tmp_path)
    (tmp_path / "a.sta").write_bytes(fixture_bytes("bank_caret_utf8.sta"))
    assert tasks.import_statements_from_inbox() == {
        "imported": ["a.sta"], "duplicates": [], "rejected": [], "failed": [],
    }  # fmt: skip
    settings.FINANCE_STATEMENT_INBOX = ""
    assert tasks.import_statements_from_inbox() == {}


def test_upload_task_keeps_the_job_state(tmp_path, profile_caret, accountant):
    path = tmp_path / "upload.sta"
    path.write_bytes(fixture_bytes("bank_caret_utf8.sta"))
    tasks.import_statement_upload("job1", str(path), profile_caret.pk, accountant.pk, "upload.sta")
    state = tasks.job_state("job1")
    assert state["state"] == "done"
    assert state["summary"]["unidentified"] == 2
    assert state["summary"]["amount"] == str(Decimal("110.00"))
    assert not path.exists()
    tasks.import_statement_upload("job1", str(path), profile_caret.pk, accountant.pk, "upload.sta")  # no-op
    assert BankStatement.objects.count() == 1
    bad = tmp_path / "bad.sta"
    bad.write_bytes(b":20:X\r\n")
    tasks.import_statement_upload("job2", str(bad), profile_caret.pk, accountant.pk, "bad.sta")
    assert tasks.job_state("job2")["state"] == "rejected"
    assert os.path.exists(bad) is False
