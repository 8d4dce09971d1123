"""Meter history partitioned by month: `meters_meterread` becomes a table partitioned by RANGE (read_at), one
partition per calendar month (UTC) plus a DEFAULT one, rebuilt in place with every row kept.

PostgreSQL wants the partition key in every unique constraint, so the database's primary key becomes (id, read_at);
Django still uses `id` alone (the identity sequence keeps it unique). Foreign keys cannot point at a partitioned
table's `id` alone, so MeterFlag.read and ReadingRequest.read lose their database constraint first (Django's
collector still cascades and sets null). The months created: every month holding reads, and this month to three
ahead; meters.services.partitions keeps creating them ahead (docs/operations-partitions.md).

Reversible: the reverse rebuilds an ordinary table with `id` as primary key and puts the constraints back. It fails
(and changes nothing) if a flag or reading request points at a read no longer in the table, e.g. one in a month an
operator detached: attach or restore those months first.

Self-contained on purpose (a migration must not change when meters.services.partitions does).
"""

from datetime import UTC, date, datetime

import django.db.models.deletion
from django.db import migrations, models

TABLE = "meters_meterread"
MONTHS_AHEAD = 3


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def _columns(cursor, table: str) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [table],
    )
    return cursor.fetchone()[0]


def _definitions(cursor, table: str) -> list[str]:
    """The statements that rebuild the table's foreign keys, unique constraints and plain indexes (not its primary
    key), with their names, as they stand while the table has its own name."""
    cursor.execute(
        "SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', %s, conname, pg_get_constraintdef(oid))"
        " FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
        [table, table],
    )
    constraints = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') FROM pg_index i"
        " WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
        " ORDER BY i.indexrelid",
        [table],
    )
    return constraints + [row[0] for row in cursor.fetchall()]


def _last_id(cursor, table: str) -> int:
    """The highest id handed out: ids are never reused, even those of deleted reads."""
    cursor.execute(
        f"SELECT greatest((SELECT max(id) FROM {table}),"  # noqa: S608
        f" (SELECT last_value FROM pg_sequences WHERE schemaname = current_schema()"
        f"  AND sequencename = split_part(pg_get_serial_sequence(%s, 'id'), '.', 2)), 0)",
        [table],
    )
    return cursor.fetchone()[0]


def _rebuild(cursor, *, partitioned: bool) -> None:
    """Copies the table into a new one (partitioned or not), swaps it in under the same names, sets the sequence."""
    definitions, last_id = _definitions(cursor, TABLE), _last_id(cursor, TABLE)
    old, new = f"{TABLE}_old", f"{TABLE}_new"
    cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {old}")
    layout = " PARTITION BY RANGE (read_at)" if partitioned else ""
    cursor.execute(f"CREATE TABLE {new} (LIKE {old} INCLUDING DEFAULTS INCLUDING IDENTITY){layout}")
    if partitioned:
        _create_partitions(cursor, new, source=old)
    columns = _columns(cursor, old)
    cursor.execute(f"INSERT INTO {new} ({columns}) SELECT {columns} FROM {old}")  # noqa: S608
    cursor.execute(f"DROP TABLE {old}")  # no CASCADE: anything else pointing at it stops the migration
    cursor.execute(f"ALTER TABLE {new} RENAME TO {TABLE}")
    sequence = f"{TABLE}_id_seq"
    cursor.execute(f"ALTER SEQUENCE {new}_id_seq RENAME TO {sequence}")
    cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(last_id, 1), last_id > 0])
    key = "id, read_at" if partitioned else "id"
    cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
    for statement in definitions:
        cursor.execute(statement)


def _create_partitions(cursor, table: str, *, source: str) -> None:
    """DEFAULT, each month holding reads, and this month to MONTHS_AHEAD ahead (UTC)."""
    cursor.execute(f"CREATE TABLE {TABLE}_default PARTITION OF {table} DEFAULT")
    cursor.execute(f"SELECT DISTINCT date_trunc('month', read_at AT TIME ZONE 'UTC')::date FROM {source}")  # noqa: S608
    this_month = datetime.now(UTC).date().replace(day=1)
    months = {row[0] for row in cursor.fetchall()} | {_add_months(this_month, n) for n in range(MONTHS_AHEAD + 1)}
    for month in sorted(months):
        cursor.execute("SELECT to_regclass(%s)", [f"{TABLE}_{month:%Y_%m}"])
        if cursor.fetchone()[0] is not None:  # a month an operator detached: its reads wait in DEFAULT
            continue
        cursor.execute(
            f"CREATE TABLE {TABLE}_{month:%Y_%m} PARTITION OF {table}"
            f" FOR VALUES FROM ({_bound(month)}) TO ({_bound(_add_months(month, 1))})"
        )


def partition_by_month(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=True)


def unpartition(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        _rebuild(cursor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [
        ("meters", "0008_device_test"),
    ]

    operations = [
        migrations.AlterField(
            model_name="meterflag",
            name="read",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="flags",
                to="meters.meterread",
            ),
        ),
        migrations.AlterField(
            model_name="readingrequest",
            name="read",
            field=models.OneToOneField(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="reading_request",
                to="meters.meterread",
            ),
        ),
        migrations.RunPython(partition_by_month, unpartition),
    ]
