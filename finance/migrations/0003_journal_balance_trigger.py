"""PostgreSQL: journal lines are append-only, and every journal entry balances at commit.

A DEFERRABLE INITIALLY DEFERRED constraint trigger re-checks, at commit, that the entry of each inserted line has
equal debits and credits (so an entry is never seen half-written or unbalanced); UPDATE and DELETE of lines are
refused. SQLite relies on ``finance.services.ledger.journal_post``, the only writer.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION finance_journal_balance_check() RETURNS trigger AS $$
DECLARE diff numeric;
BEGIN
    SELECT COALESCE(SUM(debit), 0) - COALESCE(SUM(credit), 0) INTO diff
      FROM finance_journalline WHERE entry_id = NEW.entry_id;
    IF diff <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance (debit - credit = %)', NEW.entry_id, diff
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER finance_journal_balance
    AFTER INSERT ON finance_journalline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_journal_balance_check();

CREATE OR REPLACE FUNCTION finance_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'journal lines are append-only: post a reversing entry' USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finance_journal_append_only
    BEFORE UPDATE OR DELETE ON finance_journalline
    FOR EACH ROW EXECUTE FUNCTION finance_journal_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS finance_journal_append_only ON finance_journalline;
DROP FUNCTION IF EXISTS finance_journal_append_only();
DROP TRIGGER IF EXISTS finance_journal_balance ON finance_journalline;
DROP FUNCTION IF EXISTS finance_journal_balance_check();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:  # no parameters: the % of RAISE stays as written
            cursor.execute(FORWARD)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_accounts_bank_ledger")]
    operations = [migrations.RunPython(forward, reverse)]
