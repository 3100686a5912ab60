"""Party.search_text: a folded (lower-case, no diacritics) copy of the names, for search on any database.

On PostgreSQL a trigram GIN index makes `search_text LIKE '%word%'` an index scan.
"""

import unicodedata

from django.db import migrations, models

_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "ß": "ss", "ø": "o"})


def _fold(text):  # a copy of core.domain.text.fold as of this migration
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def backfill(apps, schema_editor):
    Party = apps.get_model("core", "Party")
    batch = []
    for party in Party.objects.only("pk", "surname", "first_names", "name").iterator(chunk_size=2000):
        party.search_text = _fold(" ".join(p for p in (party.surname, party.first_names, party.name) if p))[:600]
        batch.append(party)
        if len(batch) >= 2000:
            Party.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Party.objects.bulk_update(batch, ["search_text"])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS core_party_search_trgm ON core_party USING gin (search_text gin_trgm_ops)",
            params=None,
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS core_party_search_trgm", params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="party",
            name="search_text",
            field=models.CharField(blank=True, editable=False, max_length=600),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
