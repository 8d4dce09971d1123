"""Changes-only reads in bulk: a fleet's steady-state upload in a few queries, whatever its size.

Most reads of a printer move nothing but its page counters (meters.interpret.steady), and many also a supply
level: a level that stays a percentage and opens or clears no alert is stored here too (its Supply row, the
device's lowest toner level, the read's supply levels), as a full interpretation would. For those, one query
loads what every device's read is advanced from: its SteadyState, its last good read (to validate against)
and its accepted offsets. The new meter values are worked out here, and one statement writes the meter
reads, the devices' latest counts, the states and the last sighting of each device's open alerts (none
opens or clears on this path, so every open alert is still reported); the monthly rollups follow
(meters.services.rollups).

An entry this cannot take is handed back to be interpreted in full: the device has no state, the entry is
not based on the device's last read, anything but valid counters and such levels moved, the device is stale
or its last read failed, its profile or the profiles changed since, its model's meter mapping is not the one
the state was built under (meters.interpret.mapping.mapping_version, computed here in SQL), or MAX_HOPS reads
were advanced in a row.
"""

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction

from agents.models import DirectiveResult
from agents.services.deltas import is_delta
from meters.choices import SUPPLY_LOW_PREFIX, Lifecycle
from meters.interpret.billing import billing_advanced
from meters.interpret.printer_mib import PRT_SUPPLIES_LEVEL, SUPPLY_UNITS
from meters.interpret.steady import advanced_values, profiles_version
from meters.interpret.supplies import level_percent
from meters.models import Alert, Supply
from meters.services.reads import (
    LEVEL_KINDS,
    adjusted_values,
    flags_store,
    meter_flags,
    rated_speed,
    supply_low_code,
    toner_threshold,
)
from meters.services.rollups import rollups_fold
from meters.services.steady import MAX_HOPS
from portal.lib.ids import is_uuid

_STATES_SQL = """
SELECT coalesce(json_agg(json_build_array(
    d.public_id, d.id, s.head, s.counters, s.meters, s.values, s.mono_only, p.values,
    extract(epoch FROM p.read_at), d.profile, d.model,
    EXISTS (SELECT 1 FROM meters_meterflag f JOIN meters_meterread fr ON fr.id = f.read_id
            WHERE f.device_id = d.id AND f.state = 'open' AND f.kind IN ('reset', 'jump') AND fr.read_at <= %(at)s),
    (SELECT json_object_agg(o.meter_kind, o.total) FROM (
        SELECT meter_kind, sum("offset") AS total FROM meters_meteroffset
        WHERE device_id = d.id AND since <= %(at)s GROUP BY meter_kind) o)
)), '[]')::text
FROM meters_device d
JOIN meters_steadystate s ON s.device_id = d.id
LEFT JOIN LATERAL (
    SELECT r.values, r.read_at FROM meters_meterread r
    WHERE r.device_id = d.id AND r.read_at < %(at)s
      AND NOT EXISTS (SELECT 1 FROM meters_meterflag f WHERE f.read_id = r.id AND f.state = 'open'
                      AND f.kind IN ('jump', 'out_of_order'))
    ORDER BY r.read_at DESC LIMIT 1
) p ON true
WHERE d.site_id = %(site)s AND d.public_id = ANY(%(ids)s)
  AND d.lifecycle = %(active)s AND NOT d.problems @> '[{"code": "read_failed"}]'
  AND s.profile = coalesce(nullif(d.profile, ''), s.profile) AND s.profiles_version = %(version)s
  AND s.hops < %(max_hops)s AND s.head_at < %(at)s
  AND s.mapping = (
      SELECT coalesce(left(md5(string_agg(m.oid || '=' || m.kind, ';' ORDER BY m.oid COLLATE "C")), 16), '')
      FROM meters_metermapping m WHERE m.manufacturer = d.manufacturer AND m.model = d.model)
"""

# One statement: each part reads the rows `v` as the batch sent them, and none depends on another's writes.
_WRITE_SQL = """
WITH v AS MATERIALIZED (
    SELECT * FROM json_to_recordset(%(rows)s::json) AS v(
        device bigint, total bigint, mono bigint, color bigint, flagged boolean,
        "values" jsonb, meter_values jsonb, sources jsonb, counted boolean, supply_levels jsonb)
), reads AS (
    INSERT INTO meters_meterread (device_id, result_id, read_at, total, mono, color, "values", sources,
                                  supply_levels, is_flagged)
    SELECT v.device, %(result)s, %(at)s, v.total, v.mono, v.color, v."values", coalesce(v.sources, s.sources),
           coalesce(v.supply_levels, s.supply_levels), v.flagged
    FROM v JOIN meters_steadystate s ON s.device_id = v.device WHERE v."values" IS NOT NULL
    ON CONFLICT (device_id, read_at) DO NOTHING
    RETURNING id, device_id, is_flagged
), devices AS (
    UPDATE meters_device d SET
        last_read_at = greatest(d.last_read_at, %(at)s), last_seen_at = greatest(d.last_seen_at, %(at)s),
        latest_total = CASE WHEN v.counted AND coalesce(d.last_read_at <= %(at)s, true)
            THEN v.total ELSE d.latest_total END,
        latest_mono = CASE WHEN v.counted AND coalesce(d.last_read_at <= %(at)s, true)
            THEN v.mono ELSE d.latest_mono END,
        latest_color = CASE WHEN v.counted AND coalesce(d.last_read_at <= %(at)s, true)
            THEN v.color ELSE d.latest_color END
    FROM v WHERE d.id = v.device
), states AS (
    UPDATE meters_steadystate s SET head = %(head)s, head_at = %(at)s, hops = s.hops + 1, values = v.meter_values,
        sources = coalesce(v.sources, s.sources), supply_levels = coalesce(v.supply_levels, s.supply_levels)
    FROM v WHERE s.device_id = v.device
), alerts AS (
    UPDATE meters_alert a SET last_seen_at = greatest(a.last_seen_at, %(at)s)
    FROM v WHERE a.device_id = v.device AND a.cleared_at IS NULL
)
SELECT id, device_id FROM reads
"""


_LOCK_SQL = "SELECT id FROM meters_device WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
# Supply levels that moved, then each such device's lowest toner level, as a full read sets them.
_SUPPLIES_SQL = """
UPDATE meters_supply s SET level_raw = v.level_raw, level_percent = v.level_percent, updated_at = %(at)s
FROM json_to_recordset(%(rows)s::json) AS v(device bigint, key text, level_raw integer, level_percent float8)
WHERE s.device_id = v.device AND s.key = v.key
"""
_LOWEST_SQL = """
UPDATE meters_device d SET lowest_supply_percent = (
    SELECT min(s.level_percent) FROM meters_supply s WHERE s.device_id = d.id AND s.kind = ANY(%(kinds)s))
WHERE d.id = ANY(%(devices)s) AND d.last_read_at <= %(at)s
"""
SUPPLY_LEVEL = PRT_SUPPLIES_LEVEL + "."
PERCENT_UNIT = 19  # prtMarkerSuppliesSupplyUnit percent: the level is itself a percentage
SUPPLY_COLUMNS = (
    "key",
    "kind",
    "colour",
    "description",
    "level_raw",
    "max_capacity",
    "unit",
    "level_state",
    "level_percent",
)


@dataclass
class SteadyOutcome:
    reads: int = 0  # meter reads stored
    rest: list[dict] = field(default_factory=list)  # entries to interpret in full, in upload order


@dataclass(frozen=True)
class _State:
    device: int
    head: str
    counters: dict[str, str]
    meters: list[list[str]]
    values: list[int]
    mono_only: bool
    previous: tuple[dict, datetime] | None
    speed: tuple[int | None, str]  # rated pages a minute and its source (meters.services.reads.device_speed)
    held: bool  # an episode is open: the read waits with it (meters.services.flags)
    offsets: dict[str, int]


def steady_ingest(*, result: DirectiveResult, entries: list[dict], at: datetime) -> SteadyOutcome:
    """Stores the reads of the entries that only moved counters (and supply levels) since their device's last read."""
    candidates = _candidates(entries)
    states = _states(result.directive.site_id, list(candidates), at) if candidates else {}
    supplies = _supplies([states[d].device for d, e in candidates.items() if d in states and _level_changes(e)])
    rows, flagged, advanced, levels = [], {}, set(), []
    for device_id, entry in candidates.items():
        state = states.get(device_id)
        moved = _levels_moved(supplies.get(state.device), _level_changes(entry)) if state is not None else None
        row = _advanced_row(state, entry, at, moved) if moved is not None else None
        if row is None:
            continue
        row, flags = row
        rows.append(row)
        advanced.add(device_id)
        levels += [{"device": state.device, **level} for level in moved.rows]
        if flags:
            flagged[state.device] = flags
    outcome = SteadyOutcome(rest=[e for e in entries if str(e.get("device_id")) not in advanced])
    if rows:
        outcome.reads = _write(rows, flagged, result, at, levels)
    return outcome


def _candidates(entries: list[dict]) -> dict[str, dict]:
    """device id -> its changes-only entry; a device that appears twice in one upload is left to the full path."""
    counts = Counter(str(entry.get("device_id")) for entry in entries)
    return {
        str(entry["device_id"]): entry
        for entry in entries
        if is_delta(entry)
        and entry.get("ok", True)
        and counts[str(entry.get("device_id"))] == 1
        and is_uuid(entry.get("device_id"))
    }


def _states(site_id: int, device_ids: list[str], at: datetime) -> dict[str, _State]:
    params = {
        "site": site_id,
        "ids": [uuid.UUID(i) for i in device_ids],
        "at": at,
        "active": Lifecycle.ACTIVE,
        "version": profiles_version(),
        "max_hops": MAX_HOPS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_STATES_SQL, params)
        found = json.loads(cursor.fetchone()[0])
    return {row[0]: _state(*row[1:]) for row in found}


def _state(pk, head, counters, meters, values, mono_only, previous, epoch, profile, model, held, offsets) -> _State:
    speed = rated_speed(profile, model)
    return _State(pk, head, counters, meters, values, mono_only, _previous(previous, epoch), speed, held, offsets or {})


def _previous(values: dict | None, epoch: float | None) -> tuple[dict, datetime] | None:
    if values is None or epoch is None:
        return None
    return values, datetime.fromtimestamp(epoch, tz=UTC)


def _advanced_row(state: _State, entry: dict, at: datetime, moved: "_Levels") -> tuple[dict, list] | None:
    """The row to write for this entry and its flags, or None when it must be interpreted in full."""
    if str(entry.get("base")) != state.head or len(state.meters) != len(state.values):
        return None
    if any(len(meter) != 3 for meter in state.meters):  # a state from before counters carried their rule
        return None
    oids = [oid for _kind, oid, _rule in state.meters]
    counters = [vb for vb in entry.get("changed") or [] if not _is_level(vb)]
    now = advanced_values(oids, state.values, state.counters, counters, entry.get("removed") or [])
    if now is None:
        return None
    rows = [(kind, rule, value) for (kind, _oid, rule), value in zip(state.meters, now, strict=True)]
    before = [(kind, rule, value) for (kind, _oid, rule), value in zip(state.meters, state.values, strict=True)]
    # Sources are sent only when the billing rules made the meters differently from the state's read (a split
    # that held no longer does): otherwise the state's stand, and are copied in SQL.
    billed, first_oids, sources = billing_advanced(rows, before, oids, mono_only=state.mono_only)
    # No values for a device that counts nothing we can name: it is seen and read, no meter read is stored.
    values = adjusted_values(billed.items(), state.offsets)
    flags = meter_flags(state.previous, values, first_oids, at, speed=state.speed) if values else []
    flagged = bool(flags) or (bool(values) and state.held)
    row = {
        "device": state.device,
        "total": values.get("total"),
        "mono": values.get("mono"),
        "color": values.get("color"),
        "flagged": flagged,
        "values": values or None,
        "meter_values": now,
        "sources": sources,
        "counted": bool(values) and not flagged,
        "supply_levels": moved.levels,
    }
    return row, flags


# --- supply levels: a lower toner level is no reason for a full interpretation --------------------------------


@dataclass
class _Supplies:
    """A device's supplies as stored (key -> SUPPLY_COLUMNS) and the codes of its open supply-low alerts."""

    rows: dict[str, dict] = field(default_factory=dict)
    open_low: set[str] = field(default_factory=set)


@dataclass
class _Levels:
    rows: list[dict]  # key, level_raw, level_percent of each supply whose level moved
    levels: dict[str, float] | None  # the read's supply levels (meters.services.reads.supply_levels); None: as before


def _level_changes(entry: dict) -> list:
    return [vb for vb in entry.get("changed") or [] if _is_level(vb)]


def _is_level(varbind) -> bool:
    return isinstance(varbind, list) and len(varbind) == 3 and str(varbind[0]).startswith(SUPPLY_LEVEL)


def _supplies(devices: list[int]) -> dict[int, _Supplies]:
    found: dict[int, _Supplies] = {device: _Supplies() for device in devices}
    if not devices:
        return found
    for row in Supply.objects.filter(device_id__in=devices).values("device_id", *SUPPLY_COLUMNS):
        found[row.pop("device_id")].rows[row["key"]] = row
    alerts = Alert.objects.filter(device_id__in=devices, cleared_at__isnull=True, code__startswith=SUPPLY_LOW_PREFIX)
    for device, code in alerts.values_list("device_id", "code"):
        found[device].open_low.add(code)
    return found


def _levels_moved(supplies: _Supplies | None, changes: list) -> _Levels | None:
    """The supplies whose level moved, as a full read would store them; None when a full read would do more
    than that (a supply it does not know, a level that is no percentage, an alert to open or clear)."""
    if not changes:
        return _Levels([], None)
    if supplies is None:
        return None
    moved = {}
    for oid, vtype, value in changes:
        row = supplies.rows.get(oid)
        if row is None or row["level_state"] != "ok" or vtype != "int" or not _is_int32_level(value):
            return None
        unit = PERCENT_UNIT if row["unit"] == SUPPLY_UNITS[PERCENT_UNIT] else None
        percent, level_state = level_percent(value, row["max_capacity"], unit)
        if level_state != "ok":
            return None
        moved[oid] = {**row, "level_raw": value, "level_percent": percent}
    after = {**supplies.rows, **moved}
    threshold = toner_threshold()
    low = {
        supply_low_code(r["kind"], r["colour"], r["description"], r["level_percent"], threshold) for r in after.values()
    }
    if low - {None} != supplies.open_low:
        return None
    levels = {key: r["level_percent"] for key, r in after.items() if r["level_percent"] is not None}
    return _Levels([{k: r[k] for k in ("key", "level_raw", "level_percent")} for r in moved.values()], levels)


def _is_int32_level(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31


@transaction.atomic
def _write(rows: list[dict], flagged: dict[int, list], result: DirectiveResult, at: datetime, levels: list) -> int:
    params = {"rows": json.dumps(rows, separators=(",", ":")), "result": result.pk, "at": at, "head": result.public_id}
    with connection.cursor() as cursor:
        # The devices' rows in id order first, as the full path locks them: two ingests never deadlock.
        cursor.execute(_LOCK_SQL, [sorted(row["device"] for row in rows)])
        cursor.execute(_WRITE_SQL, params)
        stored = {device: read for read, device in cursor.fetchall()}
        if levels:
            cursor.execute(_SUPPLIES_SQL, {"rows": json.dumps(levels), "at": at})
            devices = sorted({level["device"] for level in levels})
            cursor.execute(_LOWEST_SQL, {"kinds": sorted(LEVEL_KINDS), "devices": devices, "at": at})
    flags_store([(device, stored[device], flags) for device, flags in flagged.items() if device in stored])
    good = [row for row in rows if row["device"] in stored and not row["flagged"]]
    rollups_fold([(row["device"], at, row["total"], row["mono"], row["color"]) for row in good])
    return len(stored)
