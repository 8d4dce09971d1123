"""Monthly rollups of good meter reads (MeterMonth). A printer that counts no mono pages counts its total
less its colour pages as mono, as the fleet volume chart does."""

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


def _mono(read: MeterRead) -> int | None:
    if read.mono is not None:
        return read.mono
    return None if read.total is None else read.total - (read.color or 0)


def rollups_add(reads: list[MeterRead]) -> None:
    """Folds good (unflagged) reads into their devices' months: one statement for the batch."""
    good = [read for read in reads if not read.is_flagged]
    if not good:
        return
    columns = ([r.device_id for r in good], [r.read_at.date().replace(day=1) for r in good], [_mono(r) for r in good],
               [r.color for r in good])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, columns)
    volume_cache_forget()


def rollups_rebuild(device: Device) -> None:
    """After a dealer's decision changed a device's reads (accepted offset, dismissed flag)."""
    with connection.cursor() as cursor:
        cursor.execute(_REBUILD, {"device": device.pk})
    volume_cache_forget()
