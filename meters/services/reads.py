"""Interpreted reads into rows: meter reads (validated), supplies, alerts, the devices' latest state.

Written for batches: one upload carries a site's whole fleet, and the rows for all of it are read and
written in a fixed number of queries, not a few per device.

Billing numbers come from here, so a counter that goes backwards or jumps is stored *flagged* and never
becomes the device's latest count until a dealer accepts an offset or dismisses the flag.
"""

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Case, Exists, OuterRef, Q, Value, When

from meters.choices import SUPPLY_LOW_PREFIX, EventKind, FlagState, Lifecycle
from meters.interpret import DeviceReading, Flag, Meter, validate_read
from meters.interpret.billing import meter_source
from meters.interpret.plan import SECTIONS_READ
from meters.interpret.profiles import profile_named
from meters.interpret.validate import page_ceiling, validate_before
from meters.models import Alert, Device, DeviceEvent, MeterFlag, MeterOffset, MeterRead, Supply
from meters.services.rollups import rollups_add, rollups_rebuild
from portal.lib.bulk import bulk_insert_rows, bulk_update_rows

# Supply kinds whose level a "lowest supply" figure on the device row (the toner tiles, "toner below %")
# considers: what runs out with printing. Drums, developers and waste boxes are service parts with alerts of
# their own.
LEVEL_KINDS = {"toner", "ink"}
# What concurrent ingests of one device write: reloaded under the row lock, so the newest read wins whichever
# transaction commits last (a status scan and a read of one site can be interpreted by two workers at once).
LIVE_FIELDS = [
    "last_read_at",
    "last_seen_at",
    "lifecycle",
    "latest_total",
    "latest_mono",
    "latest_color",
    "lowest_supply_percent",
    "status_text",
    "problems",
]
DEVICE_FIELDS = [*LIVE_FIELDS, "serial", "identity_key", "hostname", "location", "contact", "firmware"]
READ_FIELDS = [
    "device",
    "result",
    "read_at",
    "total",
    "mono",
    "color",
    "values",
    "sources",
    "supply_levels",
    "is_flagged",
]


def reading_record(
    *, device: Device, reading: DeviceReading, at: datetime, result=None, sections: frozenset[str] = SECTIONS_READ
) -> MeterRead | None:
    """One device's read; see readings_record."""
    return readings_record(items=[(device, reading)], at=at, result=result, sections=sections).get(device.pk)


@transaction.atomic
def readings_record(
    *, items: list[tuple[Device, DeviceReading]], at: datetime, result=None, sections: frozenset[str] = SECTIONS_READ
) -> dict[int, MeterRead]:
    """Stores the reads of many devices taken at `at`. Returns device pk -> its new MeterRead (if it had meters).
    Only the `sections` the read's plan covered are touched (meters.interpret.plan: a status scan covers status
    and alerts). (Reads in which only counters moved are stored by meters.services.steady_ingest.)"""
    items = list({device.pk: (device, reading) for device, reading in items}.values())
    devices_lock([device for device, _ in items])
    reads = _store_reads(items, at, result) if "meters" in sections else {}
    if "supplies" in sections:
        _store_supplies(items, at)
    _store_alerts(items, at, sections)
    _update_devices(items, reads, at, sections)
    bulk_update_rows([device for device, _ in items], DEVICE_FIELDS)
    return reads


def meter_sources(reading: DeviceReading) -> dict[str, dict]:
    """Billing meter kind -> where it came from (rule, OIDs, the device's label), kept with each meter read."""
    return {m.kind: meter_source(m) for m in reading.meters if m.kind != "unclassified"}


def supply_levels(reading: DeviceReading) -> dict[str, float]:
    """Supply key -> percent, kept with each meter read for days-to-empty forecasts."""
    return {s.oid: s.level_percent for s in reading.supplies if s.level_percent is not None}


def devices_lock(devices: list[Device]) -> None:
    """Row-locks the devices (in id order, as every ingest does, so two never deadlock) and reloads what other
    ingests may have written since they were loaded. Inside the caller's transaction."""
    rows = Device.objects.select_for_update().filter(pk__in=[d.pk for d in devices]).order_by("pk")
    fresh = {row["pk"]: row for row in rows.values("pk", *LIVE_FIELDS)}
    for device in devices:
        for name in LIVE_FIELDS:
            setattr(device, name, fresh.get(device.pk, {}).get(name, getattr(device, name)))


# --- meter reads ---------------------------------------------------------------------------------------------


def _offsets(devices: list[Device], at: datetime) -> dict[int, dict[str, int]]:
    offsets: dict[int, dict[str, int]] = defaultdict(dict)
    for offset in MeterOffset.objects.filter(device__in=devices, since__lte=at):
        kinds = offsets[offset.device_id]
        kinds[offset.meter_kind] = kinds.get(offset.meter_kind, 0) + offset.offset
    return offsets


def adjusted_values(meters: Iterable[tuple[str, int]], offsets: dict[str, int]) -> dict[str, int]:
    """kind -> value of (kind, value) meters, accepted offsets applied (a board swap restarts the raw counter)."""
    values: dict[str, int] = {}
    for kind, value in meters:
        if kind == "unclassified":
            continue  # kept in the raw result; a counter we cannot name never reaches a report column
        values.setdefault(kind, value + offsets.get(kind, 0))
    return values


def open_jump() -> Exists:
    """The read has a jump (or is out of order) and no dealer has decided: not what later reads compare to."""
    return Exists(
        MeterFlag.objects.filter(read=OuterRef("pk"), state=FlagState.OPEN, kind__in=["jump", "out_of_order"])
    )


def _previous_reads(devices: list[Device], at: datetime) -> dict[int, MeterRead]:
    """Each device's read before `at` that the next read is checked against: the last one, held or not (a read
    after a reset is on the reset counter's scale and attaches to its episode), unless it is an undecided jump."""
    reads = MeterRead.objects.filter(device__in=devices, read_at__lt=at).exclude(open_jump())
    reads = reads.only("device_id", "read_at", "values")
    return {read.device_id: read for read in reads.order_by("device_id", "-read_at").distinct("device_id")}


def _following_reads(devices: list[Device], at: datetime) -> dict[int, MeterRead]:
    """Each device's first read after `at` (held or not, unless an undecided jump): a read that arrives late is
    checked against both neighbours."""
    reads = MeterRead.objects.filter(device__in=devices, read_at__gt=at).exclude(open_jump())
    reads = reads.only("device_id", "read_at", "values")
    return {read.device_id: read for read in reads.order_by("device_id", "read_at").distinct("device_id")}


def held_devices(devices: list[Device], at: datetime) -> set[int]:
    """Devices with an episode open at `at` (a reset or jump no dealer has decided): their reads from it on are
    held with it, so that one decision settles them all and nothing is billed twice."""
    open_flags = MeterFlag.objects.filter(
        device__in=devices, state=FlagState.OPEN, kind__in=["reset", "jump"], read__read_at__lte=at
    )
    return set(open_flags.values_list("device_id", flat=True))


def device_speed(device: Device) -> tuple[int | None, str]:
    """The device's rated pages a minute and where that comes from (its profile's model numbering)."""
    return rated_speed(device.profile, device.model)


@lru_cache(maxsize=4096)
def rated_speed(profile: str, model: str) -> tuple[int | None, str]:
    try:
        return profile_named(profile).rated_speed(model)
    except KeyError:
        return None, ""


def _store_reads(items, at: datetime, result) -> dict[int, MeterRead]:
    devices = [device for device, reading in items if reading.meters]
    if not devices:
        return {}
    offsets, previous, following = _offsets(devices, at), _previous_reads(devices, at), _following_reads(devices, at)
    existing = {r.device_id: r for r in MeterRead.objects.filter(device__in=devices, read_at=at)}
    held = held_devices(devices, at)
    new_reads, flags_by_device, revealed = {}, {}, {}
    for device, reading in items:
        meters = [(m.kind, m.value) for m in reading.meters]
        values = adjusted_values(meters, offsets.get(device.pk, {})) if meters else {}
        if not values or device.pk in existing:  # nothing countable, or already stored (re-interpretation)
            continue
        before, after = previous.get(device.pk), following.get(device.pk)
        oids = {m.kind: m.oid for m in reading.meters}
        flags = meter_flags(read_pair(before), values, oids, at, speed=device_speed(device), following=read_pair(after))
        own = [f for f in flags if not f.on_following]
        new_reads[device.pk] = _meter_read(device, reading, values, bool(own) or device.pk in held, at, result)
        flags_by_device[device.pk] = own
        if len(own) < len(flags):  # the read after this one was a reset: its episode starts there
            revealed[device.pk] = (after, [f for f in flags if f.on_following])
    bulk_insert_rows(list(new_reads.values()), READ_FIELDS)
    rollups_add(list(new_reads.values()))
    flags_store([(pk, new_reads[pk].pk, flags) for pk, flags in flags_by_device.items()])
    _resets_revealed(revealed)
    return {**existing, **new_reads}


def _resets_revealed(revealed: dict[int, tuple[MeterRead, list[Flag]]]) -> None:
    """Flags the later reads a late read showed to be resets, holds them with their episode, rebuilds months."""
    if not revealed:
        return
    flags_store([(pk, read.pk, flags) for pk, (read, flags) in revealed.items()])
    for device in Device.objects.filter(pk__in=revealed):
        reads_release(device)
        rollups_rebuild(device)


def flags_store(flagged: list[tuple[int, int, list[Flag]]]) -> None:
    """Holds flagged reads for a dealer's decision: (device pk, meter read pk, its flags). A reset found on a read
    that arrived late, before the read an open flag of the same reset holds, moves that flag back to it: one
    episode, one flag, whatever order the reads came in."""
    new = []
    for device_pk, read_pk, flags in flagged:
        for f in flags:
            if f.kind != "reset" or not _episode_moved_back(device_pk, read_pk, f):
                new.append(
                    MeterFlag(
                        device_id=device_pk,
                        read_id=read_pk,
                        kind=f.kind,
                        meter_kind=f.meter_kind,
                        oid=f.oid,
                        previous=f.previous,
                        current=f.current,
                        proposed_offset=f.proposed_offset,
                        message=f.message,
                    )
                )
    MeterFlag.objects.bulk_create(new)


def _episode_moved_back(device_pk: int, read_pk: int, flag: Flag) -> bool:
    """The open reset of this counter on this read (found again against a read that arrived late: it now counts
    on from that one), or from the same count on a later read (it is this reset, seen late)."""
    read_at = MeterRead.objects.filter(pk=read_pk).values_list("read_at", flat=True).first()
    resets = MeterFlag.objects.filter(device_id=device_pk, meter_kind=flag.meter_kind, kind="reset", state="open")
    fields = {
        "previous": flag.previous,
        "current": flag.current,
        "proposed_offset": flag.proposed_offset,
        "message": flag.message,
    }
    if resets.filter(read_id=read_pk).update(**fields):
        return True
    later = resets.filter(previous=flag.previous, read__read_at__gt=read_at)
    return bool(later.update(read_id=read_pk, current=flag.current, message=flag.message))


def _meter_read(device, reading: DeviceReading, values: dict[str, int], flagged: bool, at, result) -> MeterRead:
    return MeterRead(
        device=device,
        result=result,
        read_at=at,
        total=values.get("total"),
        mono=values.get("mono"),
        color=values.get("color"),
        values=values,
        sources=meter_sources(reading),
        supply_levels=supply_levels(reading),
        is_flagged=flagged,
    )


def read_pair(read: MeterRead | None) -> tuple[dict, datetime] | None:
    return None if read is None else (read.values, read.read_at)


def _meters(values: dict[str, int], oids: dict[str, str]) -> list[Meter]:
    return [Meter(kind, value, oids.get(kind, "")) for kind, value in values.items()]


def _late_read_doubted(flag: Flag, values: dict[str, int]) -> Flag:
    value, later = values[flag.meter_kind], flag.current
    message = (
        f"{flag.meter_kind} counter of a read taken before a later one reads {value:,} against the later "
        f"{later:,}: it does not fit between its neighbours."
    )
    return replace(
        flag,
        kind="out_of_order",
        on_following=False,
        proposed_offset=None,
        previous=later,
        current=value,
        message=message,
    )


def _plausible(previous: tuple[dict, datetime], values: dict[str, int], at: datetime, ppm: int | None) -> bool:
    """Every counter moved forward by no more than the device can print since the previous read: nothing to flag
    (the common case, checked without building the meters validate_read compares)."""
    before, elapsed = previous[0], (at - previous[1]).total_seconds()
    pages, scans = page_ceiling("total", elapsed, ppm), page_ceiling("scan", elapsed, ppm)
    return all(
        before.get(kind, value) <= value <= before.get(kind, value) + (scans if kind == "scan" else pages)
        for kind, value in values.items()
    )


def meter_flags(
    previous: tuple[dict, datetime] | None,
    values: dict[str, int],
    oids: dict[str, str],
    at: datetime,
    *,
    speed: tuple[int | None, str] = (None, ""),
    following: tuple[dict, datetime] | None = None,
) -> list[Flag]:
    """Resets and implausible jumps of `values` (read at `at`; kind -> OID in `oids`) against the read before
    it and, for a read that arrives after a later one, the read after it, each given as (values, read_at); at
    the device's rated `speed` (pages a minute, its source) when known."""
    flags = []
    if previous is not None and not _plausible(previous, values, at, speed[0]):
        elapsed = (at - previous[1]).total_seconds()
        flags += validate_read(_meters(previous[0], oids), _meters(values, oids), elapsed, *speed)
    if following is not None:
        elapsed = (following[1] - at).total_seconds()
        doubtful = {f.meter_kind for f in flags if f.kind == "jump"}
        for flag in validate_before(_meters(values, oids), _meters(following[0], oids), elapsed, *speed):
            # Only a late read that fits the read before it shows that the read after it was a reset; one with
            # nothing before it to vouch for it, or that fits neither neighbour, is the wrong one.
            if flag.on_following and (previous is None or flag.meter_kind in doubtful):
                flag = _late_read_doubted(flag, values)
            flags.append(flag)
    return flags


# --- supplies --------------------------------------------------------------------------------------------------

SUPPLY_FIELDS = [f.name for f in Supply._meta.concrete_fields if f.name not in ("id", "device", "key")]
# What makes a supply row different; updated_at is when one of these last changed.
SUPPLY_STATE = [name for name in SUPPLY_FIELDS if name != "updated_at"]


def rows_upsert(model, rows: list[dict], *, unique: list[str], update: list[str]) -> None:
    """INSERT … ON CONFLICT DO UPDATE of `rows` (field attname -> value) in one statement, sent as one JSON
    parameter: for a fleet's worth of rows, Django's bulk_create (a model instance each, a placeholder per value)
    costs more than the database's work."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in [*unique, *update]]
    names = ", ".join(quote(f.column) for f in fields)
    typed = ", ".join(f"{quote(f.column)} {_column_type(f)}" for f in fields)
    sets = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields[len(unique) :])
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {names} FROM json_to_recordset(%s::json) AS v({typed}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    )
    data = [{f.column: row[f.attname] for f in fields} for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(data, separators=(",", ":"), cls=DjangoJSONEncoder)])


def _column_type(field) -> str:
    return "jsonb" if isinstance(field, models.JSONField) else field.db_type(connection)


def _supply_values(s) -> dict:
    """The row's fields (SUPPLY_STATE) from the interpreter's supply."""
    return {
        "description": s.description[:255],
        "kind": s.kind,
        "colour": s.colour or "",
        "level_percent": s.level_percent,
        "level_raw": s.level_raw,
        "max_capacity": s.max_capacity,
        "unit": s.unit or "",
        "level_state": s.level_state,
        "part_number": (s.part_number or "")[:64],
        "pages_remaining": s.pages_remaining,
    }


def _store_supplies(items, at: datetime) -> None:
    """Writes only supplies that are new or changed (most reads change none), removes those no longer reported."""
    reported = [(device, reading) for device, reading in items if reading.supplies]
    if not reported:
        return
    stored = {
        (row[1], row[2]): (row[0], row[3:])
        for row in Supply.objects.filter(device__in=[d for d, _ in reported]).values_list(
            "pk", "device_id", "key", *SUPPLY_STATE
        )
    }
    seen, changed = set(), []
    stamp = DjangoJSONEncoder().default(at)  # as rows_upsert would write it, once rather than for every supply
    for device, reading in reported:
        for supply in reading.supplies:
            key, values = (device.pk, supply.oid[:160]), _supply_values(supply)
            seen.add(key)
            if stored.get(key, (None, None))[1] != tuple(values[name] for name in SUPPLY_STATE):
                changed.append({"device_id": device.pk, "key": key[1], "updated_at": stamp, **values})
    rows_upsert(Supply, changed, unique=["device", "key"], update=SUPPLY_FIELDS)
    gone = [pk for key, (pk, _values) in stored.items() if key not in seen]
    if gone:
        Supply.objects.filter(pk__in=gone).delete()


# --- alerts ----------------------------------------------------------------------------------------------------


def _supply_conditions(reading: DeviceReading) -> dict[str, tuple[str, str, str]]:
    """Toner at or under the dealer's threshold (supply_low_code)."""
    threshold = toner_threshold()
    conditions = {}
    for s in reading.supplies:
        code = supply_low_code(s.kind, s.colour, s.description, s.level_percent, threshold)
        if code is not None:
            conditions[code] = ("warning", f"{s.description} low ({s.level_percent:.0f} %)", "supply")
    return conditions


def toner_threshold() -> int:
    return getattr(connection.tenant, "toner_alert_percent", 15)


def supply_low_code(kind: str, colour: str | None, description: str, level: float | None, threshold: int):
    """The alert code of a supply at `level` percent when it is low (toner at or under the dealer's threshold;
    only real percentages count, "some remaining" never does), else None."""
    if kind not in LEVEL_KINDS or level is None or level > threshold:
        return None
    return f"{SUPPLY_LOW_PREFIX}{(colour or description or kind).lower()}"[:64]


def _reported_conditions(reading: DeviceReading, sections: frozenset[str]) -> dict[str, tuple[str, str, str]]:
    """code -> (severity, description, source) for every condition this read reports."""
    conditions: dict[str, tuple[str, str, str]] = _supply_conditions(reading) if "supplies" in sections else {}
    for condition in reading.status.conditions:
        conditions[condition] = ("warning", condition.replace("_", " "), "error_state")
    for alert in reading.alerts:
        code = alert.condition or f"alert_{alert.group}_{alert.code}"
        conditions[code[:64]] = (
            alert.severity[:16],
            (alert.description or code.replace("_", " "))[:255],
            "alert_table",
        )
    return conditions


def _covered(alert: Alert, sections: frozenset[str]) -> bool:
    """Whether this read could have reported the alert again: a toner alert needs a read of the supplies."""
    return alert.source != "supply" or "supplies" in sections


def _store_alerts(items, at: datetime, sections: frozenset[str]) -> None:
    """Opens alerts for new conditions, touches those still reported, clears those gone: three statements. An alert
    of a section the read did not cover stays as it is."""
    open_alerts = defaultdict(dict)
    for alert in Alert.objects.filter(device__in=[d for d, _ in items], cleared_at__isnull=True):
        if _covered(alert, sections):
            open_alerts[alert.device_id][alert.code] = alert
    cleared, seen, new = [], [], []
    for device, reading in items:
        reported, current = _reported_conditions(reading, sections), open_alerts.get(device.pk, {})
        cleared += [alert.pk for code, alert in current.items() if code not in reported]
        seen += [current[code].pk for code in reported if code in current]
        new += [
            Alert(
                device=device,
                code=code,
                severity=severity,
                description=text[:255],
                source=source,
                first_seen_at=at,
                last_seen_at=at,
            )
            for code, (severity, text, source) in reported.items()
            if code not in current
        ]
    Alert.objects.filter(pk__in=cleared).update(cleared_at=at)
    Alert.objects.filter(pk__in=seen).update(last_seen_at=at)
    Alert.objects.bulk_create(new)


# --- devices ---------------------------------------------------------------------------------------------------


def _update_devices(items, reads: dict[int, MeterRead], at: datetime, sections: frozenset[str]) -> None:
    returned = []
    for device, reading in items:
        if device.last_read_at is None or at >= device.last_read_at:  # an older read arriving late sets no state
            _set_state(device, reading, sections)
        device.last_seen_at = max(filter(None, [device.last_seen_at, at]))
        if "meters" not in sections:
            continue  # a status scan is no meter read: billing freshness and the lifecycle follow meter reads
        if device.lifecycle != Lifecycle.ACTIVE:  # a good read brings a stale or retired device back
            returned.append(
                DeviceEvent(device=device, kind=EventKind.RETURNED, at=at, details={"was": device.lifecycle})
            )
            device.lifecycle = Lifecycle.ACTIVE
        read = reads.get(device.pk)
        newest = read is not None and not read.is_flagged and read.read_at >= (device.last_read_at or at)
        if newest:
            device.latest_total, device.latest_mono, device.latest_color = read.total, read.mono, read.color
        device.last_read_at = max(filter(None, [device.last_read_at, at]))
    DeviceEvent.objects.bulk_create(returned)


def _set_state(device: Device, reading: DeviceReading, sections: frozenset[str]) -> None:
    if "supplies" in sections:
        levels = [s.level_percent for s in reading.supplies if s.kind in LEVEL_KINDS and s.level_percent is not None]
        device.lowest_supply_percent = min(levels) if levels else None
    if "status" in sections:
        device.status_text = (reading.status.device_status or reading.status.printer_status or "")[:64]
    if "meters" in sections:
        device.problems = [{"code": p.code, "message": p.message, "oid": p.oid} for p in reading.problems][:50]


# --- held reads --------------------------------------------------------------------------------------------------

EPISODE_KINDS = ("reset", "jump")  # an out-of-order read holds only itself


def reads_release(device: Device) -> None:
    """Holds exactly the reads that must wait: those with an open flag of their own, and every read from the
    earliest open episode (reset or jump) on; releases the others and sets the device's latest figures from its
    newest good read."""
    open_flags = device.flags.filter(state=FlagState.OPEN)
    episode = open_flags.filter(kind__in=EPISODE_KINDS).select_related("read").order_by("read__read_at").first()
    held = Q(pk__in=open_flags.values("read_id"))
    if episode is not None:
        held |= Q(read_at__gte=episode.read.read_at)
    device.reads.update(is_flagged=Case(When(held, then=Value(True)), default=Value(False)))
    latest = device.reads.filter(is_flagged=False).order_by("-read_at").first()
    if latest is not None:
        device.latest_total, device.latest_mono, device.latest_color = latest.total, latest.mono, latest.color
        device.save(update_fields=["latest_total", "latest_mono", "latest_color"])
