"""A read's interpretation into rows: meter read (validated), supplies, alerts, device's latest state.

Billing numbers come from here, so a counter that goes backwards or jumps is stored *flagged* and
never becomes the device's latest count until a dealer accepts an offset or dismisses the flag.
"""

from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from meters.interpret import DeviceReading, Meter, validate_read
from meters.models import Alert, Device, MeterFlag, MeterOffset, MeterRead, Supply
from meters.services.devices import device_mark_read

# Supply kinds whose level a "lowest supply" figure on the device row should consider.
CONSUMABLE_KINDS = {"toner", "ink", "drum", "developer"}
SUPPLY_LOW_PREFIX = "supply_low:"


def reading_record(*, device: Device, reading: DeviceReading, at: datetime, result=None) -> MeterRead | None:
    """Stores one interpreted read of `device`. Returns the MeterRead, or None when it had no meters."""
    with transaction.atomic():
        read = _store_read(device, reading, at, result) if reading.meters else None
        _store_supplies(device, reading, at)
        _store_alerts(device, reading, at)
        _update_device(device, reading, read, at)
    return read


def _adjusted(device: Device, meters: list[Meter], at: datetime) -> dict[str, int]:
    """Meter values with accepted offsets applied (a board swap restarts the raw counter)."""
    offsets: dict[str, int] = {}
    for offset in device.offsets.filter(since__lte=at):
        offsets[offset.meter_kind] = offsets.get(offset.meter_kind, 0) + offset.offset
    values: dict[str, int] = {}
    for meter in meters:
        if meter.kind == "unclassified":
            continue  # kept in the raw result; a counter we cannot name never reaches a report column
        values.setdefault(meter.kind, meter.value + offsets.get(meter.kind, 0))
    return values


def _store_read(device: Device, reading: DeviceReading, at: datetime, result) -> MeterRead | None:
    values = _adjusted(device, reading.meters, at)
    if not values:
        return None
    previous = device.reads.filter(read_at__lt=at, is_flagged=False).order_by("-read_at").first()
    flags = _validate(previous, values, reading, at)
    read = MeterRead(
        device=device, result=result, read_at=at, total=values.get("total"), mono=values.get("mono"),
        color=values.get("color"), values=values, sources={m.kind: m.oid for m in reading.meters},
        supply_levels={s.oid: s.level_percent for s in reading.supplies if s.level_percent is not None},
        is_flagged=bool(flags),
    )  # fmt: skip
    try:
        with transaction.atomic():
            read.save()
    except IntegrityError:  # the same read interpreted twice (re-interpretation): keep the first
        return MeterRead.objects.get(device=device, read_at=at)
    MeterFlag.objects.bulk_create(
        MeterFlag(device=device, read=read, kind=f.kind, meter_kind=f.meter_kind, oid=f.oid, previous=f.previous,
                  current=f.current, proposed_offset=f.proposed_offset, message=f.message)
        for f in flags
    )  # fmt: skip
    return read


def _validate(previous: MeterRead | None, values: dict[str, int], reading: DeviceReading, at: datetime):
    if previous is None:
        return []
    oids = {m.kind: m.oid for m in reading.meters}
    before = [Meter(kind, value, oids.get(kind, "")) for kind, value in previous.values.items()]
    now = [Meter(kind, value, oids.get(kind, "")) for kind, value in values.items()]
    elapsed = (at - previous.read_at).total_seconds()
    return validate_read(before, now, elapsed, None)


def _store_supplies(device: Device, reading: DeviceReading, at: datetime) -> None:
    if not reading.supplies:
        return
    rows = [
        Supply(
            device=device, key=s.oid[:160], description=s.description[:255], kind=s.kind, colour=s.colour or "",
            level_percent=s.level_percent, level_raw=s.level_raw, max_capacity=s.max_capacity, unit=s.unit or "",
            level_state=s.level_state, part_number=(s.part_number or "")[:64], pages_remaining=s.pages_remaining,
            updated_at=at,
        )
        for s in reading.supplies
    ]  # fmt: skip
    fields = [f.name for f in Supply._meta.concrete_fields if f.name not in ("id", "device", "key")]
    Supply.objects.bulk_create(rows, update_conflicts=True, unique_fields=["device", "key"], update_fields=fields)
    device.supplies.exclude(key__in=[row.key for row in rows]).delete()


def _supply_conditions(reading: DeviceReading) -> dict[str, tuple[str, str, str]]:
    """Toner at or under the dealer's threshold; only real percentages count ("some remaining" never does)."""
    threshold = getattr(connection.tenant, "toner_alert_percent", 15)
    conditions = {}
    for supply in reading.supplies:
        level = supply.level_percent
        if supply.kind in CONSUMABLE_KINDS - {"drum"} and level is not None and level <= threshold:
            name = (supply.colour or supply.description or supply.kind).lower()
            text = f"{supply.description} low ({level:.0f} %)"
            conditions[f"{SUPPLY_LOW_PREFIX}{name}"[:64]] = ("warning", text, "supply")
    return conditions


def _reported_conditions(reading: DeviceReading) -> dict[str, tuple[str, str, str]]:
    """code -> (severity, description, source) for every condition this read reports."""
    conditions: dict[str, tuple[str, str, str]] = _supply_conditions(reading)
    for condition in reading.status.conditions:
        conditions[condition] = ("warning", condition.replace("_", " "), "error_state")
    for alert in reading.alerts:
        code = alert.condition or f"alert_{alert.group}_{alert.code}"
        conditions[code] = (alert.severity, alert.description or code.replace("_", " "), "alert_table")
    return conditions


def _store_alerts(device: Device, reading: DeviceReading, at: datetime) -> None:
    reported = _reported_conditions(reading)
    open_alerts = {alert.code: alert for alert in device.alerts.filter(cleared_at__isnull=True)}
    for code, alert in open_alerts.items():
        if code not in reported:
            alert.cleared_at = at
            alert.save(update_fields=["cleared_at"])
    for code, (severity, description, source) in reported.items():
        if code in open_alerts:
            Alert.objects.filter(pk=open_alerts[code].pk).update(last_seen_at=at, description=description[:255])
        else:
            Alert.objects.create(device=device, code=code[:64], severity=severity[:16], description=description[:255],
                                 source=source, first_seen_at=at, last_seen_at=at)  # fmt: skip


def _update_device(device: Device, reading: DeviceReading, read: MeterRead | None, at: datetime) -> None:
    device_mark_read(device, at)
    if read is not None and not read.is_flagged and read.read_at >= (device.last_read_at or at):
        device.latest_total, device.latest_mono, device.latest_color = read.total, read.mono, read.color
    levels = [s.level_percent for s in reading.supplies if s.kind in CONSUMABLE_KINDS and s.level_percent is not None]
    device.lowest_supply_percent = min(levels) if levels else None
    device.status_text = (reading.status.device_status or reading.status.printer_status or "")[:64]
    device.problems = [{"code": p.code, "message": p.message, "oid": p.oid} for p in reading.problems][:50]
    device.save()


@transaction.atomic
def flag_accept(*, flag: MeterFlag, by: str) -> MeterFlag:
    """Accepts the proposed offset: the flagged read and later ones count on from the previous value."""
    offset = flag.proposed_offset or 0
    MeterOffset.objects.create(device=flag.device, meter_kind=flag.meter_kind, offset=offset, since=flag.read.read_at,
                               flag=flag)  # fmt: skip
    for read in flag.device.reads.filter(read_at__gte=flag.read.read_at):
        _shift(read, flag.meter_kind, offset)
    _resolve(flag, "accepted", by, timezone.now())
    _refresh_latest(flag.device)
    return flag


@transaction.atomic
def flag_dismiss(*, flag: MeterFlag, by: str) -> MeterFlag:
    """The read is right as it is (e.g. a counter really was replaced and billing restarts)."""
    _resolve(flag, "dismissed", by, timezone.now())
    _refresh_latest(flag.device)
    return flag


def _shift(read: MeterRead, kind: str, offset: int) -> None:
    if kind in read.values:
        read.values[kind] += offset
        read.total, read.mono, read.color = (read.values.get(k) for k in ("total", "mono", "color"))
        read.save(update_fields=["values", "total", "mono", "color"])


def _resolve(flag: MeterFlag, state: str, by: str, now) -> None:
    flag.state, flag.resolved_by, flag.resolved_at = state, by, now
    flag.save(update_fields=["state", "resolved_by", "resolved_at"])
    if not flag.read.flags.filter(state="open").exists():
        MeterRead.objects.filter(pk=flag.read_id).update(is_flagged=False)


def _refresh_latest(device: Device) -> None:
    latest = device.reads.filter(is_flagged=False).order_by("-read_at").first()
    if latest is not None:
        device.latest_total, device.latest_mono, device.latest_color = latest.total, latest.mono, latest.color
        device.save(update_fields=["latest_total", "latest_mono", "latest_color"])
