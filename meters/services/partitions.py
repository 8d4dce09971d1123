"""Monthly partitions of the meter history (`meters_meterread`, partitioned by RANGE of read_at since migration
0009), in the current dealer's schema: created ahead of time, listed, and old months detached for archiving.

A month's partition is always built beside the table and attached (ATTACH PARTITION does not block reads and
writes of the other months, CREATE TABLE ... PARTITION OF would lock the whole table). Reads of a month with no
partition wait in the DEFAULT partition, so nothing is refused for its date; when their month is created they move
into it in the same transaction. Nothing here deletes a read: a detached month is an ordinary table the operator
dumps and drops (docs/operations-partitions.md).
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection, transaction

TABLE = "meters_meterread"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTH_NAME = re.compile(rf"^{TABLE}_(\d{{4}})_(\d{{2}})$")
# A month waits at most this long for the locks it needs (ingest and dashboards go first); tomorrow's run retries.
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None: the DEFAULT partition
    attached: bool
    rows: int  # the planner's estimate once analysed; counted for DEFAULT (it should stay small) and until then
    bytes: int


def partition_name(month: date) -> str:
    return f"{TABLE}_{month:%Y_%m}"


def month_add(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partitions_ensure(*, months_ahead: int = 3, since: date | None = None) -> list[str]:
    """Creates the missing month partitions: this month (or `since`'s, if earlier: before loading history) to
    `months_ahead` ahead, and every month some reads wait for in DEFAULT (moved into it). An empty past month needs
    none: a late read for it waits in DEFAULT until the next run. Returns the names created."""
    this_month = datetime.now(UTC).date().replace(day=1)
    first = min(since.replace(day=1), this_month) if since else this_month
    count = (this_month.year - first.year) * 12 + this_month.month - first.month + months_ahead + 1
    wanted = {month_add(first, n) for n in range(count)} | set(_months_waiting_in_default())
    # A table of the month's name that is not attached is a detached month not yet dropped: its late reads stay
    # in DEFAULT.
    return [partition_name(month) for month in sorted(wanted) if partition_create(month=month)]


def partition_create(*, month: date) -> bool:
    """Builds the month's table, moves its reads out of DEFAULT, attaches it: all or nothing. False if a table of
    that name exists already (attached, or detached)."""
    name, start, end = partition_name(month), _bound(month), _bound(month_add(month, 1))
    if _table_exists(name):
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        # DEFAULT first (ATTACH would lock it anyway): no read of this month can land there after the move.
        cursor.execute(f"LOCK TABLE {DEFAULT_PARTITION} IN ACCESS EXCLUSIVE MODE")
        if _table_exists(name):  # made by another run while this one waited for the lock
            return False
        cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE})")
        # The bounds as a constraint spare ATTACH a scan of the new table.
        cursor.execute(
            f"ALTER TABLE {name} ADD CONSTRAINT {name}_bounds CHECK (read_at >= {start} AND read_at < {end})"
        )
        columns = _columns(cursor)
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE read_at >= {start} AND read_at < {end}"  # noqa: S608
            f" RETURNING {columns}) INSERT INTO {name} ({columns}) SELECT {columns} FROM moved"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})")
        cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {name}_bounds")
    return True


def partitions_detach(*, before: date) -> list[str]:
    """Detaches every month partition before `before`'s month: each becomes an ordinary table of the same name,
    with its rows, indexes and no foreign keys (a device can still be deleted). Returns the names detached."""
    names = [name for name in _attached() if (month := _month_of(name)) and month < before.replace(day=1)]
    for name in names:
        _detach(name)
    return names


def _detach(name: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [name])
        foreign_keys = [row[0] for row in cursor.fetchall()]
        # Dropping a foreign key alters the table it points at, which PostgreSQL refuses while a deferred check
        # of that table is pending in this transaction: run those checks now, then defer again as Django does.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for constraint in foreign_keys:
            cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {connection.ops.quote_name(constraint)}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def partitions_list() -> list[Partition]:
    """The current schema's meter history: its partitions (months oldest first, then DEFAULT), then the
    detached months still in the schema."""
    with connection.cursor() as cursor:
        cursor.execute(PARTITIONS_SQL, {"table": TABLE, "pattern": f"^{TABLE}_[0-9]{{4}}_[0-9]{{2}}$"})
        rows = cursor.fetchall()
    return [
        Partition(name, _month_of(name), attached, _rows(name, estimate), size)
        for name, attached, estimate, size in rows
    ]


PARTITIONS_SQL = """
SELECT c.relname, i.inhrelid IS NOT NULL, c.reltuples, pg_total_relation_size(c.oid)
FROM pg_class c
LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = %(table)s::regclass
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
  AND (i.inhrelid IS NOT NULL OR c.relname ~ %(pattern)s)
ORDER BY i.inhrelid IS NULL, c.relname
"""


def _rows(name: str, estimate: float) -> int:
    if estimate >= 0 and name != DEFAULT_PARTITION:
        return int(estimate)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
        return cursor.fetchone()[0]


def _attached() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
        return sorted(row[0] for row in cursor.fetchall())


def _months_waiting_in_default() -> list[date]:
    with connection.cursor() as cursor:
        month = "date_trunc('month', read_at AT TIME ZONE 'UTC')::date"
        cursor.execute(f"SELECT DISTINCT {month} FROM {DEFAULT_PARTITION}")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]


def _columns(cursor) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [TABLE],
    )
    return cursor.fetchone()[0]


def _month_of(name: str) -> date | None:
    match = MONTH_NAME.match(name)
    return date(int(match[1]), int(match[2]), 1) if match else None


def _bound(month: date) -> str:
    """A UTC timestamp literal: the same instant whatever the session's time zone."""
    return f"'{month.isoformat()} 00:00:00+00'"
