"""Writing many rows at once, for the statement import and the collective journal entries.

On PostgreSQL rows go in by ``COPY … FROM STDIN`` from plain values — several times faster than ``bulk_create``,
which spends most of its time building model instances and preparing values. Elsewhere (SQLite, the embedded
default) ``bulk_create``. Only plain values are written: no ``save()`` and no signals, as with ``bulk_create``;
missing fields get their defaults and ``auto_now(_add)`` fields the current time. Foreign keys are checked by the
database (at commit: Django's constraints are deferred), so rows may reference rows written later in the same
transaction — the import reserves ids first and writes the payments after their allocation.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from finance.models import Payment

CHUNK = 5000  # ids per IN (…) list: SQLite allows 32 766 parameters, PostgreSQL plans long lists slowly


def chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def reserve_ids(model, n: int) -> list[int]:
    """``n`` new primary keys for ``model``, to be written with :func:`bulk_insert_rows` (``with_ids=True``) in the
    same transaction. PostgreSQL: from the table's sequence. SQLite: after the highest id ever given
    (``sqlite_sequence``) — the caller must already hold the write lock (have written in this transaction), so no
    other connection can take them; writing the ids moves the sequence on."""
    if n <= 0:
        return []
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk, n])
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids needs the caller's transaction")
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + n))


def bulk_insert_rows(model, rows: Iterable[dict], *, with_ids: bool = False) -> None:
    """Insert rows given as {attname: value} (missing fields: their defaults). ``with_ids``: each row carries its
    ``id`` (from :func:`reserve_ids`)."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=CHUNK)
        return
    from django.utils import timezone

    meta = model._meta
    fields = [f for f in meta.concrete_fields if with_ids or not f.primary_key]
    now = timezone.now()
    defaults = {
        f.attname: now if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False) else f.get_default()
        for f in fields
        if not f.primary_key
    }
    attnames = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([_plain(row[n]) if n in row else defaults[n] for n in attnames])


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


@dataclass(slots=True)
class NewPayment:
    """A bank payment of a statement being imported, before it is written (what the allocation reads)."""

    pk: int
    statement_line_id: int
    party_id: int | None
    indicated_type_id: int | None
    amount: Decimal
    payment_date: datetime.date
    payer_account: str
    title: str
    status: str = Payment.Status.UNIDENTIFIED
    source: str = Payment.Source.BANK
