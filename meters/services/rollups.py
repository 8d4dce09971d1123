"""Monthly rollups of good meter reads (MeterMonth): each device's lowest and highest total, mono and colour
counts per calendar month (UTC). Only what the device states is rolled up: a printer that states no mono
count has none here, and its pages show as unsplit, never as mono."""

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
    transaction.on_commit(volume_cache_forget)


def rollups_rebuild(device: Device | None = None) -> None:
    """After a dealer's decision changed a device's reads (accepted offset, dismissed flag), or after
    reinterpretation; every device's when none is given."""
    with connection.cursor() as cursor:
        cursor.execute(REBUILD_SQL, {"device": device.pk if device else None})
    transaction.on_commit(volume_cache_forget)
