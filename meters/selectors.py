"""Reads for the fleet dashboards, written for 10,000 devices and a million meter reads.

Every page asks a fixed number of queries whatever the fleet's size: counts are aggregated in SQL, lists are
limited, and per-device figures come from the denormalised columns on Device (latest_*, lowest_supply_percent).
"""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from agents.models import Agent
from agents.services.deltas import is_delta, whole_varbinds
from meters.choices import SUPPLY_LOW_PREFIX, TONER_CODES, Lifecycle
from meters.interpret import interpret
from meters.interpret.billing import RULE_PART
from meters.interpret.mapping import mapping_applied, shared_oids
from meters.interpret.types import BILLING_KINDS
from meters.models import Alert, Device, DeviceEvent, MeterFlag, MeterMapping, MeterRead

VOLUME_MONTHS = 12
RANKING_MONTHS = 3  # customers are ranked by their pages in the current and the two previous months
AGENT_SILENT_AFTER = timedelta(hours=24)
VOLUME_CACHE_SECONDS = 600  # monthly totals move slowly; a morning dashboard need not rescan a million reads


def open_alerts_exist() -> Exists:
    return Exists(Alert.objects.filter(device=OuterRef("pk"), cleared_at__isnull=True))


def fleet_summary(*, toner_percent: float, now: datetime | None = None) -> dict[str, int]:
    """The overview's tiles in one query: monitored, new this week, stale, in alert, toner low."""
    now = now or timezone.now()
    watched = Q(is_monitored=True) & ~Q(lifecycle=Lifecycle.RETIRED)
    return Device.objects.aggregate(
        monitored=Count("pk", filter=watched),
        new_this_week=Count("pk", filter=Q(first_seen_at__gte=now - timedelta(days=7))),
        stale=Count("pk", filter=watched & Q(lifecycle=Lifecycle.STALE)),
        # IN over the open alerts (hashed once), not an EXISTS probe per device.
        in_alert=Count("pk", filter=watched & Q(pk__in=_open_alert_devices())),
        toner_low=Count("pk", filter=watched & Q(lowest_supply_percent__lt=toner_percent)),
    )


@dataclass(frozen=True)
class MonthVolume:
    """Pages in a month: mono and colour as devices state them, unsplit from devices that state only a total."""

    month: date
    mono: int
    color: int
    unsplit: int = 0

    @property
    def total(self) -> int:
        return self.mono + self.color + self.unsplit


@dataclass(frozen=True)
class CustomerVolume:
    public_id: str
    name: str
    mono: int
    color: int
    devices: int
    unsplit: int = 0

    @property
    def total(self) -> int:
        return self.mono + self.color + self.unsplit


# The months of the fleet (or of one customer) and the customers with the most pages, from the customers' monthly
# pages (CustomerMonth, kept by meters.services.rollups from the devices' MeterMonth rows): a dozen rows per
# customer, summed in SQL in one statement, whatever the number of devices.
_VOLUME_SQL = """
WITH per_customer AS (
    SELECT customer_id, month, mono, color, unsplit, devices
    FROM meters_customermonth
    WHERE month >= %(first)s::date AND (%(customer)s::uuid IS NULL OR customer_id IN (
        SELECT id FROM agents_customer WHERE public_id = %(customer)s::uuid))
)
SELECT NULL, NULL, month, sum(mono), sum(color), sum(unsplit), sum(devices)
FROM per_customer GROUP BY month
UNION ALL
(SELECT c.public_id::text, c.name, NULL, r.mono, r.color, r.unsplit, r.devices
 FROM (SELECT customer_id, sum(mono) AS mono, sum(color) AS color, sum(unsplit) AS unsplit, max(devices) AS devices
       FROM per_customer WHERE month >= %(ranked_since)s::date GROUP BY 1) r
 JOIN agents_customer c ON c.id = r.customer_id
 ORDER BY r.mono + r.color + r.unsplit DESC, c.name
 LIMIT %(ranked)s)
"""
TOP_CUSTOMERS = 10


@dataclass(frozen=True)
class FleetVolume:
    months: list[MonthVolume]  # one a month, oldest first, empty months included
    top_customers: list[CustomerVolume]  # by pages in the last RANKING_MONTHS, most first


def month_start(day: datetime, back: int = 0) -> datetime:
    year, month = divmod(day.year * 12 + day.month - 1 - back, 12)
    return day.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _volume(now: datetime, *, customer_id: str | None = None, ranked: int = 0) -> FleetVolume:
    params = {
        "first": month_start(now, VOLUME_MONTHS - 1),
        "ranked_since": month_start(now, RANKING_MONTHS - 1),
        "customer": customer_id,
        "ranked": ranked,
    }
    with connection.cursor() as cursor:
        cursor.execute(_VOLUME_SQL, params)
        rows = cursor.fetchall()
    months = [(month, mono, color, unsplit) for public_id, _n, month, mono, color, unsplit, _d in rows if not public_id]
    top = [
        CustomerVolume(public_id, name, int(mono), int(color), int(devices), int(unsplit))
        for public_id, name, _month, mono, color, unsplit, devices in rows
        if public_id
    ]
    return FleetVolume(volume_by_month(months, now=now), top)


def _version_key() -> str:
    return f"fleet-volume-version:{connection.schema_name}"


def _volume_key(now: datetime) -> str:
    return f"fleet-volume:{connection.schema_name}:{now:%Y-%m}:{cache.get(_version_key(), 0)}"


def volume_cache_forget() -> None:
    """New pages were counted (an ingest batch, a dealer's decision on a flagged read): show them at once."""
    cache.set(_version_key(), time.time_ns(), None)


def fleet_volume(*, now: datetime | None = None, fresh: bool = False) -> FleetVolume:
    """The dealer's pages a month for the last 12 months, and its customers with the most pages.

    Read from the customers' monthly pages (CustomerMonth, meters.services.rollups) and
    cached per dealer until an ingest batch counts new pages (volume_cache_forget) or VOLUME_CACHE_SECONDS pass.
    """
    now = now or timezone.now()
    key = _volume_key(now)
    volume = None if fresh else cache.get(key)
    if volume is None:
        volume = _volume(now, ranked=TOP_CUSTOMERS)
        cache.set(key, volume, VOLUME_CACHE_SECONDS)
    return volume


def customer_volume(*, customer_id: str, now: datetime | None = None) -> list[MonthVolume]:
    """One customer's (by public id) pages a month for the last 12 months: its own devices' rollups only."""
    return _volume(now or timezone.now(), customer_id=str(customer_id)).months


def volume_by_month(rows: Iterable[tuple], *, now: datetime | None = None) -> list[MonthVolume]:
    """(month, mono, colour, unsplit) rows as one bar per month, empty months included, oldest first."""
    now = now or timezone.now()
    months = [month_start(now, back).date() for back in range(VOLUME_MONTHS - 1, -1, -1)]
    totals = {month: [0, 0, 0] for month in months}
    for month, mono, color, unsplit in rows:
        bucket = totals.get(month)
        if bucket is not None:
            bucket[0] += int(mono)
            bucket[1] += int(color)
            bucket[2] += int(unsplit)
    return [MonthVolume(month, mono, color, unsplit) for month, (mono, color, unsplit) in totals.items()]


def agents_silent(*, now: datetime | None = None, limit: int = 10) -> QuerySet[Agent]:
    """Agents that have not called in for a day (or never did), longest silent first."""
    cutoff = (now or timezone.now()) - AGENT_SILENT_AFTER
    silent = Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True)
    agents = Agent.objects.filter(silent, revoked_at__isnull=True, site__archived_at__isnull=True)
    return agents.select_related("site__customer").order_by("last_seen_at")[:limit]


def _open_alert_devices() -> QuerySet[Alert]:
    """Devices with an open alert, read through the open-alert partial index (a few percent of the fleet)."""
    return Alert.objects.filter(cleared_at__isnull=True).values("device_id")


def _first_devices(devices: QuerySet[Device], *order: str, limit: int) -> QuerySet[Device]:
    """The first `limit` devices in `order`, with their site and customer. Sorted and cut on the device table
    alone, then joined: joined first, PostgreSQL would join the whole fleet to keep ten rows."""
    first = devices.order_by(*order, "pk").values("pk")[:limit]
    return Device.objects.filter(pk__in=first).select_related("site__customer").order_by(*order, "pk")


def devices_toner_low(*, toner_percent: float, limit: int = 10) -> QuerySet[Device]:
    low = Device.objects.filter(is_monitored=True, lowest_supply_percent__lt=toner_percent)
    return _first_devices(low.exclude(lifecycle=Lifecycle.RETIRED), "lowest_supply_percent", limit=limit)


def devices_in_alert(*, limit: int = 10) -> list[Device]:
    """The overview's devices in alert, each with `open_alerts` (what is wrong, said once: see device_alerts)."""
    alerting = Device.objects.filter(pk__in=_open_alert_devices(), is_monitored=True)
    devices = _first_devices(alerting.exclude(lifecycle=Lifecycle.RETIRED), "-last_read_at", limit=limit)
    open_alerts = Prefetch("alerts", Alert.objects.filter(cleared_at__isnull=True), to_attr="open_alerts")
    devices = list(devices.prefetch_related(open_alerts))
    for device in devices:
        device.open_alerts = _said_once(device.open_alerts)
    return devices


DEVICE_SORTS = {
    "customer": ("site__customer__name", "site__name", "model"),
    "model": ("manufacturer", "model", "serial"),
    "serial": ("serial",),
    "ip": ("ip",),
    "total": ("latest_total",),
    "toner": ("lowest_supply_percent",),
    "last_read": ("last_read_at",),
    "first_seen": ("first_seen_at",),
    "status": ("lifecycle", "site__customer__name"),
}


def device_list(queryset: QuerySet[Device], *, sort: str) -> QuerySet[Device]:
    """The devices list: the filter set's queryset, sorted by a whitelisted column ('-' for descending)."""
    descending = sort.startswith("-")
    fields = DEVICE_SORTS.get(sort.lstrip("-"), DEVICE_SORTS["customer"])
    order = [f"-{field}" if descending else field for field in fields]
    order = [_nulls_last(field) for field in order] + ["pk"]
    # Sites and customers are fetched for the page's devices only (two small queries): joined in, PostgreSQL
    # would join every device of the fleet to its site and customer before sorting and keeping fifty.
    return queryset.prefetch_related("site__customer").annotate(in_alert=open_alerts_exist()).order_by(*order)


# PostgreSQL has no skip scan: a DISTINCT reads every device. This walks the manufacturer index instead, one
# probe per distinct value (a handful), whatever the fleet's size.
_MANUFACTURERS_SQL = """
WITH RECURSIVE makes(name) AS (
    (SELECT manufacturer FROM meters_device WHERE manufacturer > '' ORDER BY manufacturer LIMIT 1)
    UNION ALL
    SELECT (SELECT manufacturer FROM meters_device WHERE manufacturer > makes.name ORDER BY manufacturer LIMIT 1)
    FROM makes WHERE makes.name IS NOT NULL
)
SELECT name FROM makes WHERE name IS NOT NULL
"""


def device_manufacturers() -> list[str]:
    """Every manufacturer the dealer's devices name, sorted (the devices list's filter)."""
    with connection.cursor() as cursor:
        cursor.execute(_MANUFACTURERS_SQL)
        return [name for (name,) in cursor.fetchall()]


def _nulls_last(field: str):
    name = field.lstrip("-")
    return F(name).desc(nulls_last=True) if field.startswith("-") else F(name).asc(nulls_last=True)


SITE_DEVICES_LIMIT = 100


def site_devices(*, site_ids: list[int], limit: int = SITE_DEVICES_LIMIT) -> QuerySet[Device]:
    return (
        Device.objects.filter(site_id__in=site_ids)
        .select_related("site__customer")
        .annotate(in_alert=open_alerts_exist())
        .order_by("site__name", "lifecycle", "model", "serial")[:limit]
    )


def device_detail(*, queryset: QuerySet[Device]) -> QuerySet[Device]:
    return queryset.select_related("site__customer", "credential")


CHART_READS = 300  # up to this many reads in the chart's window: one point per read
HOURLY_SPAN = timedelta(days=10)  # more reads than that over less than this: one point an hour, else one a day


def device_read_history(*, device: Device, days: int = 365) -> list[dict]:
    """The meter chart's points, oldest first: one per read while there are few (so a device read a few times
    today has a line), else the highest counters of each hour or day. Flagged reads are left out."""
    since = timezone.now() - timedelta(days=days)
    reads = device.reads.filter(read_at__gte=since, is_flagged=False)
    newest = list(reads.order_by("-read_at").values("read_at", "total", "mono", "color")[: CHART_READS + 1])
    if len(newest) <= CHART_READS:
        return [{"day": row.pop("read_at"), **row} for row in reversed(newest)]
    first = reads.order_by("read_at").values_list("read_at", flat=True).first()
    bucket = TruncHour if newest[0]["read_at"] - first < HOURLY_SPAN else TruncDay
    grouped = reads.annotate(day=bucket("read_at")).values("day")
    return list(grouped.annotate(total=Max("total"), mono=Max("mono"), color=Max("color")).order_by("day"))


SUPPLY_HISTORY_READS = 2000


def device_supply_history(*, device: Device, days: int = 90) -> list[tuple[datetime, dict]]:
    """The newest reads' supply levels, oldest first: the forecast needs the latest levels above all (a device
    read every few minutes has more than SUPPLY_HISTORY_READS reads in the window)."""
    since = timezone.now() - timedelta(days=days)
    reads = device.reads.filter(read_at__gte=since).exclude(supply_levels={}).order_by("-read_at")
    return list(reversed(reads.values_list("read_at", "supply_levels")[:SUPPLY_HISTORY_READS]))


def device_latest_read(*, device: Device) -> MeterRead | None:
    return device.reads.filter(is_flagged=False).order_by("-read_at").first()


def device_alerts(*, device: Device, limit: int = 30) -> list[Alert]:
    """The device's alerts, open first. A toner low by its measured level says it once: the alert table's and
    the error bits' generic "toner low" beside it are left out while it is open."""
    # Open first: PostgreSQL sorts NULLs (still open) last by default.
    order = (F("cleared_at").desc(nulls_first=True), "-first_seen_at")
    return _said_once(list(device.alerts.order_by(*order)[:limit]))


def _said_once(alerts: list[Alert]) -> list[Alert]:
    measured = any(a.code.startswith(SUPPLY_LOW_PREFIX) and a.cleared_at is None for a in alerts)
    return [a for a in alerts if not (measured and a.cleared_at is None and _generic_toner(a))]


def _generic_toner(alert: Alert) -> bool:
    text = alert.description.lower()
    said_in_words = alert.source == "alert_table" and "low" in text and ("toner" in text or "cartridge" in text)
    return alert.code in TONER_CODES or said_in_words


def device_flags(*, device: Device, limit: int = 20) -> list[MeterFlag]:
    return list(device.flags.select_related("read").order_by("state", "-read__read_at")[:limit])


def device_events(*, device: Device, limit: int = 15) -> list[DeviceEvent]:
    return list(device.events.order_by("-at")[:limit])


def device_last_raw(*, device: Device) -> dict | None:
    """This device's entry of the last stored result that read it, as the agent posted it (for support)."""
    read = device.reads.exclude(result=None).select_related("result").order_by("-read_at").first()
    if read is None:
        return None
    entries = read.result.payload.get("devices") if isinstance(read.result.payload, dict) else None
    mine = [e for e in entries or [] if isinstance(e, dict) and e.get("device_id") == str(device.public_id)]
    if not mine:  # read in the discovery that found it (docs/agent-protocol.md, "Reads in the discovery")
        reads = (e.get("read") for e in entries or [] if isinstance(e, dict))
        mine = [r for r in reads if isinstance(r, dict) and r.get("device_id") == str(device.public_id)]
    return {
        "read_at": read.read_at,
        "result_id": read.result.public_id,
        "received_at": read.result.received_at,
        "entry": _whole_entry(mine[0]) if mine else None,
    }


def _whole_entry(entry: dict) -> dict:
    """A changes-only entry with the whole read it stands for (its base's, with the changes applied)."""
    if not is_delta(entry):
        return entry
    varbinds = whole_varbinds({str(entry.get("device_id")): entry}).get(str(entry.get("device_id")))
    return {**entry, "varbinds": varbinds or [], "changes": len(entry.get("changed") or [])}


# --- meter mappings ------------------------------------------------------------------------------------------

ModelKey = tuple[str, str]  # (manufacturer, model), as the device rows spell them


def _mappings_of(keys: set[ModelKey]) -> dict[ModelKey, dict[str, str]]:
    found: dict[ModelKey, dict[str, str]] = {key: {} for key in keys}
    if not keys:
        return found
    rows = MeterMapping.objects.filter(
        manufacturer__in={manufacturer for manufacturer, _ in keys}, model__in={model for _, model in keys}
    ).values_list("manufacturer", "model", "oid", "kind")
    for manufacturer, model, oid, kind in rows:
        if (manufacturer, model) in found:
            found[(manufacturer, model)][oid] = kind
    return found


class ModelMappings:
    """The meter mappings of the models of a batch of devices, read in one query (an upload carries a site's
    fleet: one lookup, not one per device). A device outside the batch (a replaced printer) is looked up alone."""

    def __init__(self, devices: Iterable[Device]) -> None:
        self._by_model = _mappings_of({(device.manufacturer, device.model) for device in devices})

    def overrides(self, device: Device) -> dict[str, str]:
        """OID -> billing kind ("" not billed) for the device's model; empty where the profile stands."""
        key = (device.manufacturer, device.model)
        if key not in self._by_model:
            self._by_model.update(_mappings_of({key}))
        return self._by_model[key]


def model_mapping(*, manufacturer: str, model: str) -> dict[str, MeterMapping]:
    """OID -> the model's mapping row."""
    return {row.oid: row for row in MeterMapping.objects.filter(manufacturer=manufacturer, model=model)}


def mapped_models() -> list[dict]:
    """Every model with a mapping: {manufacturer, model, rows} (for the API's list)."""
    models: dict[ModelKey, list[MeterMapping]] = {}
    for row in MeterMapping.objects.order_by("manufacturer", "model", "oid"):
        models.setdefault((row.manufacturer, row.model), []).append(row)
    return [{"manufacturer": key[0], "model": key[1], "rows": rows} for key, rows in models.items()]


@dataclass(frozen=True)
class KnownCounter:
    """A counter a device states, as the meter mapping shows it: what its profile makes of it, the dealer's
    choice if any, and the billing meters it feeds now (kind, rule)."""

    oid: str
    label: str
    value: int = 0
    profile_kind: str = "unclassified"  # a billing kind, duplex, sheets or unclassified
    summed: bool = False  # one row of a meter the profile sums
    mappable: bool = True  # False when other counters are read out of the same OID (a record blob)
    mapped: MeterMapping | None = None
    feeds: tuple[tuple[str, str], ...] = ()


def device_counters(*, device: Device) -> list[KnownCounter]:
    """The counters of the device's last stored read as its profile reads them, with its model's mapping."""
    raw = device_last_raw(device=device)
    varbinds = (raw.get("entry") or {}).get("varbinds") if raw else None
    if not varbinds:
        return []
    reading = interpret(varbinds, device.profile or None)
    rows = model_mapping(manufacturer=device.manufacturer, model=device.model)
    billed = mapping_applied(reading, {oid: row.kind for oid, row in rows.items()}).meters
    feeds: dict[str, list[tuple[str, str]]] = {}
    for meter in billed:
        if meter.kind in BILLING_KINDS:
            for oid in meter.source_oids:
                feeds.setdefault(oid, []).append((meter.kind, meter.rule))
    shared = shared_oids(reading.counters)
    return [
        KnownCounter(
            oid=m.oid,
            label=m.label or m.kind,
            value=m.value,
            profile_kind=m.kind,
            summed=m.rule == RULE_PART,
            mappable=m.oid not in shared,
            mapped=rows.get(m.oid),
            feeds=tuple(feeds.get(m.oid, ())),
        )
        for m in reading.counters
    ]


def model_counters(*, manufacturer: str, model: str) -> tuple[Device | None, list[KnownCounter]]:
    """The model's most recently read device and its counters: what a mapping for the model may name."""
    devices = Device.objects.filter(manufacturer=manufacturer, model=model).exclude(last_read_at=None)
    device = devices.order_by("-last_read_at").first()
    return device, device_counters(device=device) if device else []
