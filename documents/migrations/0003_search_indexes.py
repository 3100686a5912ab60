"""Search indexes of the documents app (PostgreSQL only; SQLite searches with LIKE and needs none).

- GIN expression indexes on ``to_tsvector('simple', search_text)`` of cases and incoming entries: full-text search
  (documents.services.search) with the ``simple`` configuration — no stemming, the column is already folded
  (lower case, accents removed by core.domain.text.fold, which is what ``unaccent`` would do; so ``unaccent`` is
  not used by these queries).
- trigram GIN indexes (``pg_trgm``, created by core 0002) on the same columns: the fuzzy branch for names with a
  typo (``word_similarity``, operator ``<%``).
- ``UPPER(mark)``: the exact branch for a case mark typed in any letter case.

No model state changes.
"""

from django.db import migrations

INDEXES = [
    (
        "documents_case_search_fts",
        "CREATE INDEX IF NOT EXISTS documents_case_search_fts ON documents_case "
        "USING gin (to_tsvector('simple'::regconfig, search_text))",
    ),
    (
        "documents_case_search_trgm",
        "CREATE INDEX IF NOT EXISTS documents_case_search_trgm ON documents_case USING gin (search_text gin_trgm_ops)",
    ),
    (
        "documents_case_mark_upper",
        "CREATE INDEX IF NOT EXISTS documents_case_mark_upper ON documents_case (UPPER(mark))",
    ),
    (
        "documents_entry_search_fts",
        "CREATE INDEX IF NOT EXISTS documents_entry_search_fts ON documents_incomingentry "
        "USING gin (to_tsvector('simple'::regconfig, search_text))",
    ),
    (
        "documents_entry_search_trgm",
        "CREATE INDEX IF NOT EXISTS documents_entry_search_trgm ON documents_incomingentry "
        "USING gin (search_text gin_trgm_ops)",
    ),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for _name, sql in INDEXES:
        schema_editor.execute(sql, params=None)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_ezd")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
