"""The devices list as a file a dealer bills from: one line per device of the list as filtered, with its last
read's time, every billing meter it states and its toner levels.

Two passes over the filtered devices, both in SQL chunks: one for the meter columns (the kinds any device's last
good read states, so a mono fleet gets no empty colour columns), one for the lines. Memory stays flat.
"""

from collections.abc import Iterator
from datetime import datetime

from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from meters.interpret.types import BILLING_KINDS
from meters.models import Device, MeterRead, Supply
from meters.supply_keys import COLOUR_ORDER, supply_key
from portal.lib.columns import Column
from portal.lib.zones import zone

BASE_KINDS = ("total", "mono", "color")  # always columns, so an import mapping never loses them
TONER_KINDS = ("toner", "ink")
CHUNK = 500
IDENTITY = (
    Column("customer", "text"),
    Column("site", "text"),
    Column("manufacturer", "text"),
    Column("model", "text"),
    Column("serial", "text"),
    Column("ip", "text"),
    Column("location", "text"),
    Column("status", "text"),
    Column("last_read_at", "time"),
    Column("meters_read_at", "time"),  # the last good read the meters are from (a flagged read is held back)
    Column("time_zone", "text"),
)
TONER_COLUMNS = tuple(Column(f"toner_{colour}_percent", "count") for colour in COLOUR_ORDER)
TRAILER = (Column("lowest_supply_percent", "count"), Column("device_id", "text"))


def with_last_meters(devices: QuerySet[Device]) -> QuerySet[Device]:
    """Each device's last good read (values and time), and its toner and ink supplies."""
    last = MeterRead.objects.filter(device=OuterRef("pk"), is_flagged=False).order_by("-read_at")
    toners = Prefetch("supplies", queryset=Supply.objects.filter(kind__in=TONER_KINDS), to_attr="toners")
    return devices.annotate(
        meter_values=Subquery(last.values("values")[:1]), meters_read_at=Subquery(last.values("read_at")[:1])
    ).prefetch_related(toners)


def export_columns(devices: QuerySet[Device]) -> list[Column]:
    """Identity, then total, mono, colour and every other billing kind a device's last read states, then toner."""
    sql, params = devices.order_by().values("meter_values").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT jsonb_object_keys(d.meter_values) FROM ({sql}) d "  # noqa: S608 - Django's own SQL
            "WHERE jsonb_typeof(d.meter_values) = 'object'",
            params,
        )
        stated = {kind for (kind,) in cursor.fetchall()}
    meters = [Column(kind, "count") for kind in BILLING_KINDS if kind in BASE_KINDS or kind in stated]
    return [*IDENTITY, *meters, *TONER_COLUMNS, *TRAILER]


def export_lines(devices: QuerySet[Device], columns: list[Column]) -> Iterator[list[object]]:
    for device in devices.iterator(chunk_size=CHUNK):
        values = _line(device)
        yield [values.get(column.name) for column in columns]


def _line(device: Device) -> dict[str, object]:
    site, tz = device.site, zone(device.site.time_zone)
    line: dict[str, object] = {
        "customer": site.customer.name,
        "site": site.name,
        "manufacturer": device.manufacturer or None,
        "model": device.model or None,
        "serial": device.serial or None,
        "ip": device.ip,
        "location": device.location or None,
        "status": device.lifecycle if device.is_monitored else "not monitored",
        "last_read_at": _local(device.last_read_at, tz),
        "meters_read_at": _local(device.meters_read_at, tz),
        "time_zone": site.time_zone,
        "lowest_supply_percent": _percent(device.lowest_supply_percent),
        "device_id": str(device.public_id),
    }
    line.update((kind, pages) for kind, pages in (device.meter_values or {}).items() if isinstance(pages, int))
    for supply in device.toners:
        _kind, colour = supply_key(supply)
        name, level = f"toner_{colour}_percent", _percent(supply.level_percent)
        if level is not None and (line.get(name) is None or level < line[name]):  # twin cartridges: the lower
            line[name] = level
    return line


def _local(moment: datetime | None, tz) -> datetime | None:
    return None if moment is None else timezone.localtime(moment, tz)


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value)
