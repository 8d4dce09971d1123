"""Monthly rollups of good meter reads (MeterMonth): each device's lowest and highest total, mono and colour
counts per calendar month (UTC). Only what the device states is rolled up: a printer that states no mono
count has none here, and its pages show as unsplit, never as mono.

From those, each customer's pages a month (CustomerMonth), which the overview and the volume API read: kept after
every MeterMonth write, for the customers and months touched and the months after them (a month's pages are
counted from the device's previous month)."""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import connection, transaction

from meters.models import Device, MeterRead
from meters.selectors import volume_cache_forget

_UPSERT = """
INSERT INTO meters_metermonth (device_id, month, min_total, max_total, min_mono, max_mono, min_color, max_color)
SELECT device_id, month, min(total), max(total), min(mono), max(mono), min(color), max(color)
FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::bigint[], %s::bigint[])
    AS v(device_id, month, total, mono, color)
GROUP BY device_id, month
ON CONFLICT (device_id, month) DO UPDATE SET
    min_total = LEAST(meters_metermonth.min_total, EXCLUDED.min_total),
    max_total = GREATEST(meters_metermonth.max_total, EXCLUDED.max_total),
    min_mono = LEAST(meters_metermonth.min_mono, EXCLUDED.min_mono),
    max_mono = GREATEST(meters_metermonth.max_mono, EXCLUDED.max_mono),
    min_color = LEAST(meters_metermonth.min_color, EXCLUDED.min_color),
    max_color = GREATEST(meters_metermonth.max_color, EXCLUDED.max_color)
"""

# Rebuilds one device's months (or every device's, with no device given) from its good reads.
REBUILD_SQL = """
DELETE FROM meters_metermonth WHERE %(device)s::bigint IS NULL OR device_id = %(device)s;
INSERT INTO meters_metermonth (device_id, month, min_total, max_total, min_mono, max_mono, min_color, max_color)
SELECT device_id, date_trunc('month', read_at AT TIME ZONE 'UTC')::date,
       min(total), max(total), min(mono), max(mono), min(color), max(color)
FROM meters_meterread WHERE (%(device)s::bigint IS NULL OR device_id = %(device)s) AND NOT is_flagged
GROUP BY 1, 2;
"""


# Pages in a month = the device's highest counter that month minus its highest in its previous month with reads,
# so pages printed between the last read of one month and the first of the next are not lost; in a device's
# first month, its highest minus its lowest. Mono and colour are what devices state; the rest of a device's
# total is unsplit, never counted as mono. Summed per customer (by the device's current site) and month.
# Scope: (customer, since) pairs: the customers of the given devices from the earliest month given for each, the
# given customers from the start, or (everyone) all customers. Months of the scope that no longer have reads
# (a device deleted or moved away) are removed; one statement whatever the batch's size.
_CUSTOMER_MONTHS_SQL = """
WITH scope AS (
    SELECT s.customer_id, min(v.month) AS since
    FROM unnest(%(devices)s::bigint[], %(months)s::date[]) AS v(device_id, month)
    JOIN meters_device d ON d.id = v.device_id JOIN agents_site s ON s.id = d.site_id
    GROUP BY 1
    UNION ALL
    SELECT c.id, '-infinity'::date FROM agents_customer c WHERE %(everyone)s OR c.id = ANY(%(customers)s::bigint[])
), scoped AS (
    SELECT customer_id, min(since) AS since FROM scope GROUP BY 1
), deltas AS (
    SELECT s.customer_id, m.month,
           greatest(m.max_total - coalesce(lag(m.max_total) OVER w, m.min_total), 0) AS total,
           greatest(m.max_mono - coalesce(lag(m.max_mono) OVER w, m.min_mono), 0) AS mono,
           greatest(m.max_color - coalesce(lag(m.max_color) OVER w, m.min_color), 0) AS color
    FROM meters_metermonth m
    JOIN meters_device d ON d.id = m.device_id JOIN agents_site s ON s.id = d.site_id
    WHERE s.customer_id IN (SELECT customer_id FROM scoped)
    WINDOW w AS (PARTITION BY m.device_id ORDER BY m.month)
), fresh AS (
    SELECT d.customer_id, d.month, coalesce(sum(d.mono), 0) AS mono, coalesce(sum(d.color), 0) AS color,
           coalesce(sum(greatest(d.total - coalesce(d.mono, 0) - coalesce(d.color, 0), 0)), 0) AS unsplit,
           count(*) AS devices
    FROM deltas d JOIN scoped USING (customer_id)
    WHERE d.month >= scoped.since
    GROUP BY 1, 2
), gone AS (
    DELETE FROM meters_customermonth cm USING scoped
    WHERE cm.customer_id = scoped.customer_id AND cm.month >= scoped.since
      AND NOT EXISTS (SELECT FROM fresh f WHERE f.customer_id = cm.customer_id AND f.month = cm.month)
)
INSERT INTO meters_customermonth (customer_id, month, mono, color, unsplit, devices)
SELECT customer_id, month, mono, color, unsplit, devices FROM fresh
ON CONFLICT (customer_id, month) DO UPDATE SET
    mono = EXCLUDED.mono, color = EXCLUDED.color, unsplit = EXCLUDED.unsplit, devices = EXCLUDED.devices
"""


# Two ingests of one customer's devices must not each write its months from a snapshot without the other's reads:
# the months are recomputed under a lock per customer (taken in id order, after the devices' row locks, held to
# commit), and a full rebuild takes the whole schema's lock, which every partial refresh shares.
_CUSTOMER_LOCKS_SQL = """
WITH scope AS (
    SELECT s.customer_id FROM meters_device d JOIN agents_site s ON s.id = d.site_id
    WHERE d.id = ANY(%(devices)s::bigint[])
    UNION SELECT unnest(%(customers)s::bigint[])
)
SELECT count(pg_advisory_xact_lock(hashtext('customer_months:' || current_schema()), locked.customer_id::int))
FROM (SELECT customer_id FROM scope ORDER BY 1) locked
"""
_SCHEMA_LOCK_SQL = """
SELECT CASE WHEN %(everyone)s THEN pg_advisory_xact_lock(hashtext('customer_months:' || current_schema()), 0)
            ELSE pg_advisory_xact_lock_shared(hashtext('customer_months:' || current_schema()), 0) END
"""


def customer_months_sql_params(
    *, devices: Iterable[int] = (), months: Iterable[date] = (), customers: Iterable[int] | None = ()
) -> dict:
    """Parameters of _CUSTOMER_MONTHS_SQL: devices' months touched, and customers (None: every customer)."""
    return {
        "devices": list(devices),
        "months": list(months),
        "customers": list(customers or ()),
        "everyone": customers is None,
    }


def customer_months_refresh(cursor, **scope) -> None:
    """Recomputes the CustomerMonth rows of a scope (customer_months_sql_params) on an open cursor: the
    migration's backfill and bench/scale.py run the same statement."""
    params = customer_months_sql_params(**scope)
    cursor.execute(_SCHEMA_LOCK_SQL, params)
    if not params["everyone"]:
        cursor.execute(_CUSTOMER_LOCKS_SQL, params)
    cursor.execute(_CUSTOMER_MONTHS_SQL, params)


def customer_months_rebuild(customer_ids: Iterable[int] | None = None) -> None:
    """Every month of some customers (by pk), or of every customer with none given: after a device moved to
    another customer or was deleted, or a device's months were rebuilt."""
    with connection.cursor() as cursor:
        customer_months_refresh(cursor, customers=None if customer_ids is None else list(customer_ids))
    transaction.on_commit(volume_cache_forget)


def month_of(read_at: datetime) -> date:
    """The rollup month of a read: its UTC calendar month, as REBUILD_SQL buckets it."""
    return read_at.astimezone(UTC).date().replace(day=1)


def rollups_add(reads: list[MeterRead]) -> None:
    """Folds good (unflagged) reads into their devices' months: one statement for the batch."""
    rollups_fold([(r.device_id, r.read_at, r.total, r.mono, r.color) for r in reads if not r.is_flagged])


def rollups_fold(reads: list[tuple[int, datetime, int | None, int | None, int | None]]) -> None:
    """Folds good reads given as (device pk, read at, total, mono, colour) into their months."""
    if not reads:
        return
    device_ids, read_ats, totals, monos, colors = zip(*reads, strict=True)
    months = [month_of(read_at) for read_at in read_ats]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [list(device_ids), months, list(totals), list(monos), list(colors)])
        customer_months_refresh(cursor, devices=device_ids, months=months)
    transaction.on_commit(volume_cache_forget)


def rollups_rebuild(device: Device | None = None) -> None:
    """After a dealer's decision changed a device's reads (accepted offset, dismissed flag), or after
    reinterpretation; every device's when none is given."""
    if device is None:
        with connection.cursor() as cursor:
            cursor.execute(REBUILD_SQL, {"device": None})
            customer_months_refresh(cursor, customers=None)
        transaction.on_commit(volume_cache_forget)
    else:
        rollups_rebuild_devices([device])


def rollups_rebuild_devices(devices: list[Device]) -> None:
    """Some devices' months rebuilt, then every month of their customers in one statement."""
    if not devices:
        return
    with connection.cursor() as cursor:
        for device in devices:
            cursor.execute(REBUILD_SQL, {"device": device.pk})
        customer_months_refresh(cursor, devices=[device.pk for device in devices], months=[date.min] * len(devices))
    transaction.on_commit(volume_cache_forget)
