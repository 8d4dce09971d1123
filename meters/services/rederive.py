"""Re-deriving history: the stored reads of some devices interpreted again from their raw results, in place.

After a dealer changes a model's meter mapping, or when a vendor profile improves (`manage.py reinterpret`),
the billing meters already stored must follow, or an invoice mixes two ways of counting. For each device,
every stored raw result that holds a read of it is interpreted again (whole varbinds; changes-only entries
resolved), with the device's profile and its model's mapping. Each meter read keeps its read_at; accepted
offsets stay applied; the reset and jump checks run again in time order, so a read is flagged exactly when
the ingest would flag it now (a flag a dealer decided stands); a read that no longer counts anything is
removed and one the result holds but the table lacks is added. Then the monthly rollups and the device's
latest figures are rebuilt and its steady state dropped (its next read is interpreted in full).

Reads without a stored result (entered by hand, or whose result is gone) keep their values; only their flags
are checked again. Running it twice changes nothing more.
"""

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import connection, transaction

from agents.choices import DirectiveKind
from agents.models import DirectiveResult
from agents.services.deltas import applied, is_delta, whole_varbinds
from meters.choices import FlagState
from meters.interpret import Flag, interpret
from meters.interpret.types import BILLING_KINDS
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, MeterFlag, MeterOffset, MeterRead, SteadyState
from meters.selectors import ModelMappings
from meters.services.ingest import result_time
from meters.services.reads import (
    READ_FIELDS,
    adjusted_values,
    device_speed,
    flags_store,
    meter_flags,
    meter_sources,
    open_jump,
    supply_levels,
)
from meters.services.rollups import rollups_rebuild_devices
from portal.lib.bulk import bulk_insert_rows, bulk_update_rows

CHUNK = 25  # devices re-derived together: one scan of their results, one transaction, bounded memory
READ_COLUMNS = ["values", "sources", "total", "mono", "color", "is_flagged"]
EPISODE_KINDS = ("reset", "jump")  # an open one holds every later read of the device (meters.services.flags)
JUMP_KINDS = ("jump", "out_of_order")  # an undecided one is not what the next read is checked against

# Every entry for the chunk's devices, oldest upload first, in the meter-read results of their sites and in
# any result one of their reads came from (a device that moved sites keeps its history). A discovery's entry
# holds the read the agent took in the same run under `read` (docs/agent-protocol.md, "Reads in the discovery").
_ENTRIES_SQL = """
SELECT r.id, r.payload->>'finished_at', x.e->>'device_id', x.e::text
FROM agents_directiveresult r
JOIN agents_directive d ON d.id = r.directive_id
CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.payload->'devices') = 'array' THEN r.payload->'devices' ELSE '[]'::jsonb END) raw
CROSS JOIN LATERAL (SELECT CASE WHEN d.kind = %(discover)s THEN raw->'read' ELSE raw END AS e) x
WHERE d.kind = ANY(%(kinds)s)
  AND (%(since)s::timestamptz IS NULL OR r.received_at >= %(since)s::timestamptz)
  AND (d.site_id = ANY(%(sites)s) OR r.id IN (
      SELECT result_id FROM meters_meterread WHERE device_id = ANY(%(devices)s) AND result_id IS NOT NULL))
  AND x.e->>'device_id' = ANY(%(ids)s)
ORDER BY r.received_at, r.id
"""


@dataclass
class DeviceChange:
    """What re-deriving did to one device: reads changed, and its latest good read's billing meters."""

    public_id: str
    name: str
    serial: str
    reads: int = 0  # reads whose stored row changed (meters, sources or flag), added or removed
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.reads) or self.before != self.after

    @property
    def meters(self) -> list[tuple[str, int | None, int | None]]:
        """(kind, old, new) of every billing meter of the latest read that changed, in billing order."""
        kinds = sorted(self.before.keys() | self.after.keys(), key=_billing_order)
        return [(k, self.before.get(k), self.after.get(k)) for k in kinds if self.before.get(k) != self.after.get(k)]

    def text(self) -> str:
        """One line: 'ABC123 (Konica Minolta bizhub C250i): 3 reads changed; mono 26,548 → 22,876'."""
        moved = ", ".join(f"{kind} {_number(old)} → {_number(new)}" for kind, old, new in self.meters)
        reads = f"{self.reads} read{'s' if self.reads != 1 else ''} changed"
        return f"{self.serial or self.public_id} ({self.name}): {reads}" + (f"; {moved}" if moved else "")


@dataclass
class Rederived:
    devices: list[DeviceChange] = field(default_factory=list)
    reads: int = 0  # reads interpreted again from their raw results

    @property
    def changed(self) -> list[DeviceChange]:
        return [device for device in self.devices if device.changed]

    @property
    def reads_changed(self) -> int:
        return sum(device.reads for device in self.devices)

    def text(self, limit: int = 10) -> str:
        """'12 devices, 340 reads re-derived: 3 reads changed on 1 device: ABC123 mono 1,000 → 1,200'."""
        head = f"{_count(len(self.devices), 'device')}, {_count(self.reads, 'read')} re-derived"
        changed = self.changed
        if not changed:
            return f"{head}: nothing changed."
        lines = "; ".join(device.text() for device in changed[:limit])
        more = f"; and {len(changed) - limit} more" if len(changed) > limit else ""
        return (
            f"{head}: {_count(self.reads_changed, 'read')} changed on {_count(len(changed), 'device')}: {lines}{more}."
        )


def _billing_order(kind: str) -> tuple[int, str]:
    return (BILLING_KINDS.index(kind) if kind in BILLING_KINDS else len(BILLING_KINDS), kind)


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def devices_rederive(*, devices: Iterable[Device], since: datetime | None = None) -> Rederived:
    """Re-derives the reads of `devices` (all of them, or those taken at or after `since`) from their raw
    results; returns per device what changed. One transaction per chunk of devices."""
    outcome = Rederived()
    for chunk in _chunks(devices, CHUNK):
        with transaction.atomic():
            outcome.devices += _chunk_rederive(chunk, since, outcome)
    return outcome


def _chunks(devices: Iterable[Device], size: int) -> Iterator[list[Device]]:
    iterator = iter(devices)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class _Fresh:
    """A read as its raw result interprets now."""

    result: int
    values: dict[str, int]
    sources: dict[str, dict]
    supply_levels: dict[str, float]


def _chunk_rederive(devices: list[Device], since: datetime | None, outcome: Rederived) -> list[DeviceChange]:
    # The devices' rows first, in id order as the ingest locks them: a read arriving meanwhile waits for the
    # re-derived history instead of deadlocking with it.
    locked = Device.objects.filter(pk__in=[device.pk for device in devices]).order_by("pk").select_for_update()
    list(locked.values_list("pk", flat=True))
    changes = {device.pk: _change(device) for device in devices}
    history = _History(devices, since)
    fresh = _reinterpreted(devices, history.start(since), _offsets(devices), changes)
    history.reseed(fresh, since)
    outcome.reads += sum(len(reads) for reads in fresh.values())
    before = _latest_values(devices)
    for device in devices:
        changes[device.pk].reads = history.replay(device, fresh.get(device.pk, {}))
    history.write()
    changed = [device for device in devices if changes[device.pk].reads]
    rollups_rebuild_devices(changed)
    _latest_refresh(changed)
    SteadyState.objects.filter(device__in=devices).delete()
    after = _latest_values(devices)
    for device in devices:
        changes[device.pk].before, changes[device.pk].after = before.get(device.pk, {}), after.get(device.pk, {})
    return list(changes.values())


def _change(device: Device) -> DeviceChange:
    return DeviceChange(public_id=str(device.public_id), name=device.display_name, serial=device.serial)


# --- interpreting the raw results again ----------------------------------------------------------------------


def _offsets(devices: list[Device]) -> dict[int, list[MeterOffset]]:
    found: dict[int, list[MeterOffset]] = defaultdict(list)
    for offset in MeterOffset.objects.filter(device__in=devices):
        found[offset.device_id].append(offset)
    return found


def _offsets_at(offsets: list[MeterOffset], at: datetime) -> dict[str, int]:
    """kind -> the accepted offsets in force at `at` (as the ingest applies them)."""
    total: dict[str, int] = defaultdict(int)
    for offset in offsets:
        if offset.since <= at:
            total[offset.meter_kind] += offset.offset
    return total


def _stored_entries(devices: list[Device], since: datetime | None) -> list[tuple[int, str, str, dict]]:
    """(result pk, its finished_at, device id, entry) of every entry for the devices, oldest upload first."""
    params = {
        "kinds": [DirectiveKind.READ.value, DirectiveKind.DISCOVER.value],
        "discover": DirectiveKind.DISCOVER.value,
        "since": since,
        "sites": list({d.site_id for d in devices}),
        "devices": [d.pk for d in devices],
        "ids": [str(d.public_id) for d in devices],
    }
    with connection.cursor() as cursor:
        cursor.execute(_ENTRIES_SQL, params)
        rows = cursor.fetchall()
    return [(result, finished or "", device_id, json.loads(entry)) for result, finished, device_id, entry in rows]


def _reinterpreted(devices, since, offsets, changes) -> dict[int, dict[datetime, _Fresh]]:
    """device pk -> read_at -> the read as its result interprets now."""
    entries = _stored_entries(devices, since)
    results = DirectiveResult.objects.select_related("directive").defer("payload").in_bulk({e[0] for e in entries})
    by_id = {str(device.public_id): device for device in devices}
    mappings = ModelMappings(devices)
    wholes = _Wholes()
    fresh: dict[int, dict[datetime, _Fresh]] = defaultdict(dict)
    for result_pk, finished_at, device_id, entry in entries:
        result, device = results[result_pk], by_id[device_id]
        varbinds = wholes.resolve(str(result.public_id), device_id, entry)
        at = result_time(result, {"finished_at": finished_at})
        if varbinds is None or (since is not None and at < since):
            continue
        read = _fresh_read(device, result_pk, varbinds, mappings, _offsets_at(offsets[device.pk], at))
        if isinstance(read, str):
            changes[device.pk].errors.append(read)
        elif read is not None and (at not in fresh[device.pk] or fresh[device.pk][at].result == result_pk):
            fresh[device.pk][at] = read  # one read per instant: the first result's, as the ingest kept it
    return fresh


def _fresh_read(device, result_pk, varbinds, mappings: ModelMappings, offsets) -> _Fresh | str | None:
    """The read's billing meters now; None when it belongs to another printer, an error text when it cannot
    be interpreted."""
    try:
        reading = interpret(VarbindIndex(varbinds), device.profile or None, overrides=mappings.overrides(device))
    except Exception as exc:  # a result the interpreter chokes on is reported, never stops the run
        return f"{device.ip}: could not interpret: {exc}"[:300]
    serial = (reading.identity.serial or "").strip().upper()
    if serial and device.serial and serial != device.serial.strip().upper():
        return None  # a replaced printer at the device's address: the ingest gave this read to that one
    values = adjusted_values(((m.kind, m.value) for m in reading.meters), offsets)
    return _Fresh(result_pk, values, meter_sources(reading), supply_levels(reading))


class _Wholes:
    """Whole varbinds of entries, oldest first: a changes-only entry based on the device's previous entry is
    resolved from it here; any other is resolved through agents.services.deltas (one query per hop)."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[str, list]] = {}  # device id -> (result id, whole varbinds)

    def resolve(self, result_id: str, device_id: str, entry: dict) -> list | None:
        if not entry.get("ok", True) and not (entry.get("varbinds") or entry.get("base")):
            return None  # the agent could not read the device at all
        if not is_delta(entry):
            varbinds = entry.get("varbinds") if isinstance(entry.get("varbinds"), list) else None
        elif self.last.get(device_id, ("", []))[0] == str(entry["base"]):
            varbinds = applied(self.last[device_id][1], entry.get("changed") or [], entry.get("removed") or [])
        else:
            varbinds = whole_varbinds({device_id: entry}).get(device_id)
        if varbinds is not None:
            self.last[device_id] = (result_id, varbinds)
        return varbinds


# --- replaying each device's reads in time order -------------------------------------------------------------


def _signature(flag: Flag | MeterFlag) -> tuple:
    return (flag.kind, flag.meter_kind, flag.oid, flag.previous, flag.current, flag.proposed_offset, flag.message)


def _flag_oids(sources: dict[str, dict]) -> dict[str, str]:
    return {kind: source["oids"][0] for kind, source in sources.items() if source.get("oids")}


class _History:
    """The chunk's stored reads (from `since` on) and their flags, replayed in time order with the fresh reads;
    collects the writes and makes them in a few statements.

    The checks are the ingest's as if every read had arrived in order: each read against the one before it
    (held or not, unless that one jumped), at the device's rated speed. A read is held when it has an open flag
    or an open reset or jump episode began at or before it (meters.services.flags.reads_release)."""

    def __init__(self, devices: list[Device], since: datetime | None) -> None:
        reads = MeterRead.objects.filter(device__in=devices).order_by("device_id", "read_at")
        flags = MeterFlag.objects.filter(device__in=devices)
        if since is not None:
            reads, flags = reads.filter(read_at__gte=since), flags.filter(read__read_at__gte=since)
        self.reads: dict[int, list[MeterRead]] = defaultdict(list)
        for read in reads.defer("supply_levels"):
            self.reads[read.device_id].append(read)
        self.flags: dict[int, list[MeterFlag]] = defaultdict(list)
        for flag in flags:
            self.flags[flag.read_id].append(flag)
        self.previous, self.held_before = _before(devices, since)
        self.deleted_reads: list[int] = []
        self.deleted_flags: list[int] = []
        self.updated: list[MeterRead] = []
        self.created: list[MeterRead] = []
        self.new_flags: list[tuple[MeterRead, list[Flag]]] = []

    def start(self, since: datetime | None) -> datetime | None:
        """Where interpreting again starts: at `since`, or at the read before it that the first re-derived read
        is checked against (see reseed)."""
        return min((at for _values, at in self.previous.values()), default=since) if since else None

    def reseed(self, fresh: dict[int, dict[datetime, _Fresh]], since: datetime | None) -> None:
        """With `since`, the read before it is checked against as its result interprets now, so that a profile
        or mapping change is no reset at the boundary; it is not rewritten (only reads from `since` on are)."""
        if since is None:
            return
        for pk, reads in fresh.items():
            prior = self.previous.get(pk)
            if prior is not None and prior[1] in reads and reads[prior[1]].values:
                self.previous[pk] = (reads[prior[1]].values, prior[1])
            for at in [at for at in reads if at < since]:
                del reads[at]

    def replay(self, device: Device, fresh: dict[datetime, _Fresh]) -> int:
        """Replays one device's reads; returns how many changed."""
        stored = {read.read_at: read for read in self.reads.get(device.pk, [])}
        previous, held, speed, changed = self.previous.get(device.pk), device.pk in self.held_before, None, 0
        for at in sorted(stored.keys() | fresh.keys()):
            read, new = stored.get(at), fresh.get(at)
            values, sources = (new.values, new.sources) if new else (read.values, read.sources)
            if not values:  # the result counts nothing we bill any more: the read goes (the raw result stays)
                if read is not None and new is not None:
                    self.deleted_reads.append(read.pk)
                    changed += 1
                continue
            speed = speed or device_speed(device)
            found = meter_flags(previous, values, _flag_oids(sources), at, speed=speed)
            flags = self._undecided(read, found)
            if read is None:
                read = MeterRead(device=device, result_id=new.result, read_at=at, supply_levels=new.supply_levels)
                self.created.append(read)
            held = held or any(flag.kind in EPISODE_KINDS for flag in flags)
            changed += self._set(read, values, sources, flags, held=held)
            if not any(flag.kind in JUMP_KINDS for flag in flags):
                previous = (values, at)
        return changed

    def _undecided(self, read: MeterRead | None, flags: list[Flag]) -> list[Flag]:
        """The flags a dealer has not decided yet: a decision on a reset or jump of a meter stands."""
        mine = self.flags.get(read.pk, []) if read is not None else []
        decided = {(flag.kind, flag.meter_kind) for flag in mine if flag.state != FlagState.OPEN}
        return [flag for flag in flags if (flag.kind, flag.meter_kind) not in decided]

    def _set(self, read: MeterRead, values: dict, sources: dict, flags: list[Flag], *, held: bool) -> int:
        is_new, flagged = read.pk is None, bool(flags) or held
        kept = [] if is_new else [flag for flag in self.flags.get(read.pk, []) if flag.state == FlagState.OPEN]
        flags_differ = sorted(repr(_signature(f)) for f in kept) != sorted(repr(_signature(f)) for f in flags)
        row_differs = is_new or (read.values, read.sources, read.is_flagged) != (values, sources, flagged)
        if flags_differ:
            self.deleted_flags += [flag.pk for flag in kept]
            self.new_flags.append((read, flags))
        if row_differs:
            read.values, read.sources, read.is_flagged = values, sources, flagged
            read.total, read.mono, read.color = values.get("total"), values.get("mono"), values.get("color")
            if not is_new:
                self.updated.append(read)
        return int(row_differs or flags_differ)

    def write(self) -> None:
        MeterFlag.objects.filter(pk__in=self.deleted_flags).delete()
        MeterRead.objects.filter(pk__in=self.deleted_reads).delete()
        bulk_update_rows(self.updated, READ_COLUMNS)
        bulk_insert_rows(self.created, READ_FIELDS)
        flags_store([(read.device_id, read.pk, flags) for read, flags in self.new_flags if flags])


def _before(devices: list[Device], since: datetime | None) -> tuple[dict[int, tuple[dict, datetime]], set[int]]:
    """Before `since`: each device's read the first re-derived one is checked against (the last one, unless it
    jumped), and the devices with a reset or jump episode still open (their later reads are held)."""
    if since is None:
        return {}, set()
    reads = MeterRead.objects.filter(device__in=devices, read_at__lt=since).exclude(open_jump())
    latest = reads.order_by("device_id", "-read_at").distinct("device_id").only("device_id", "read_at", "values")
    episodes = MeterFlag.objects.filter(
        device__in=devices, state=FlagState.OPEN, kind__in=EPISODE_KINDS, read__read_at__lt=since
    )
    return {r.device_id: (r.values, r.read_at) for r in latest}, set(episodes.values_list("device_id", flat=True))


# --- the devices' figures ------------------------------------------------------------------------------------


def _latest_reads(devices: list[Device]) -> dict[int, MeterRead]:
    reads = MeterRead.objects.filter(device__in=devices, is_flagged=False).order_by("device_id", "-read_at")
    return {
        read.device_id: read
        for read in reads.distinct("device_id").only("device_id", "values", "total", "mono", "color")
    }


def _latest_values(devices: list[Device]) -> dict[int, dict[str, int]]:
    return {pk: dict(read.values) for pk, read in _latest_reads(devices).items()}


def _latest_refresh(devices: list[Device]) -> None:
    """The device rows' latest counts from their latest good reads (none left: none)."""
    latest = _latest_reads(devices)
    for device in devices:
        read = latest.get(device.pk)
        device.latest_total, device.latest_mono, device.latest_color = (
            (read.total, read.mono, read.color) if read else (None, None, None)
        )
    bulk_update_rows(devices, ["latest_total", "latest_mono", "latest_color"])
