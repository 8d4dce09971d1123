"""Steady-state reads: when only page counters moved since the last read, only the meter values change.

Most reads of a printer differ from the one before in nothing but its counters. The interpreter reads a
counter OID through `counter_value` alone, so a counter that held a valid count before and after (same
type, a non-negative integer) changes the value of the meter taken from it and nothing else: not which
meters exist, their kinds, the supplies, the status or the problems. Such a read is advanced from the
previous interpretation instead of interpreted again; anything else is interpreted in full.
`tests/meters/test_steady_reads.py` checks the two agree on every recording.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from functools import lru_cache
from typing import Any

from . import printer_mib as mib
from .billing import compose
from .meters import counter_value
from .profiles import PROFILES_DIR, Profile
from .types import DeviceReading, Meter
from .varbinds import MAX_COUNT, VarbindIndex

MOVED_ON = "+"  # a changed counter stored as [oid, "+", pages]: its base's count, pages on (agents.services.deltas)


def counter_types(index: VarbindIndex, profile: Profile) -> dict[str, str]:
    """OID -> type of every counter-only OID that holds a valid count in this read. Empty for profiles whose
    decoder reads counters out of other data (their counters are not OIDs of their own)."""
    if profile.decoder:
        return {}
    candidates = [counter.oid for counter in profile.counters]
    for prefix in (*(table.value_column for table in profile.counter_tables), mib.PRT_MARKER_LIFE_COUNT):
        candidates += [oid for _suffix, oid, _vtype, _value in index.subtree(prefix)]
    identity = {source.oid for source in (*profile.serial, *profile.model, *profile.firmware, *profile.console)}
    types = {}
    for oid in candidates:
        found = index.get(oid)
        if oid not in identity and found is not None and counter_value(index, oid, []) is not None:
            types[oid] = found[0]
    return types


def advanced_meters(
    reading: DeviceReading, counters: dict[str, str], changed: list[Any], removed: list[Any]
) -> list[Meter] | None:
    """The previous read's billing meters with the changed counters' new values (its counters advanced, then
    billed by the same rules); None when anything but valid counters changed (or went away), and the read
    must be interpreted in full."""
    raw = reading.counters
    values = advanced_values([m.oid for m in raw], [m.value for m in raw], counters, changed, removed)
    if values is None:
        return None
    moved = [m if m.value == value else replace(m, value=value) for m, value in zip(raw, values, strict=True)]
    return compose(moved, mono_only=reading.mono_only)


def advanced_values(
    oids: list[str], values: list[int], counters: dict[str, str], changed: list[Any], removed: list[Any]
) -> list[int] | None:
    """advanced_meters on plain lists (the meters' OIDs and values, in order): the worker's fast path."""
    if removed:
        return None
    before, moved = dict(zip(oids, values, strict=True)), {}
    for varbind in changed:
        if not (isinstance(varbind, list) and len(varbind) == 3 and isinstance(varbind[0], str)):
            return None
        oid, vtype, value = varbind[0].lstrip("."), varbind[1], varbind[2]
        if vtype == MOVED_ON:  # pages on from the base's count: only a meter's count is known here
            if oid not in before or oid not in counters or not _valid_count(value):
                return None  # not a plain counter here (a decoder profile's, say): the full path reads it
            vtype, value = counters[oid], before[oid] + value
        if counters.get(oid) != vtype or not _valid_count(value):
            return None
        moved[oid] = value
    return [moved.get(oid, value) for oid, value in zip(oids, values, strict=True)]


def _valid_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


@lru_cache(maxsize=1)
def profiles_version() -> str:
    """Changes whenever a profile file does: a read advanced from meters of older profiles is no good."""
    digest = hashlib.sha256()
    for path in sorted(PROFILES_DIR.glob("*.toml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
