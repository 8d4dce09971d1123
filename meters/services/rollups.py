"""Monthly rollups of good meter reads (MeterMonth). A printer that counts no mono pages counts its total
less its colour pages as mono, as the fleet volume chart does."""

from datetime import datetime

from django.db import connection

from meters.models import Device, MeterRead
from meters.selectors import volume_cache_forget

_UPSERT = """
INSERT INTO meters_metermonth (device_id, month, min_mono, max_mono, min_color, max_color)
SELECT device_id, month, min(mono), max(mono), min(color), max(color)
FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::bigint[]) AS v(device_id, month, mono, color)
GROUP BY device_id, month
ON CONFLICT (device_id, month) DO UPDATE SET
    min_mono = LEAST(meters_metermonth.min_mono, EXCLUDED.min_mono),
    max_mono = GREATEST(meters_metermonth.max_mono, EXCLUDED.max_mono),
    min_color = LEAST(meters_metermonth.min_color, EXCLUDED.min_color),
    max_color = GREATEST(meters_metermonth.max_color, EXCLUDED.max_color)
"""

_REBUILD = """
DELETE FROM meters_metermonth WHERE device_id = %(device)s;
INSERT INTO meters_metermonth (device_id, month, min_mono, max_mono, min_color, max_color)
SELECT device_id, date_trunc('month', read_at)::date,
       min(coalesce(mono, total - coalesce(color, 0))), max(coalesce(mono, total - coalesce(color, 0))),
       min(color), max(color)
FROM meters_meterread WHERE device_id = %(device)s AND NOT is_flagged GROUP BY 1, 2;
"""


def month_mono(total: int | None, mono: int | None, color: int | None) -> int | None:
    """A read's mono pages for the rollup: its mono meter, else its total less its colour pages."""
    if mono is not None:
        return mono
    return None if total is None else total - (color or 0)


def rollups_add(reads: list[MeterRead]) -> None:
    """Folds good (unflagged) reads into their devices' months: one statement for the batch."""
    good = [read for read in reads if not read.is_flagged]
    rollups_fold([(r.device_id, r.read_at, month_mono(r.total, r.mono, r.color), r.color) for r in good])


def rollups_fold(reads: list[tuple[int, datetime, int | None, int | None]]) -> None:
    """Folds good reads given as (device pk, read at, mono pages, colour pages) into their months."""
    if not reads:
        return
    device_ids, read_ats, monos, colors = zip(*reads, strict=True)
    months = [read_at.date().replace(day=1) for read_at in read_ats]
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [list(device_ids), months, list(monos), list(colors)])
    volume_cache_forget()


def rollups_rebuild(device: Device) -> None:
    """After a dealer's decision changed a device's reads (accepted offset, dismissed flag)."""
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD, {"device": device.pk})
    volume_cache_forget()
