"""Brother's private counter and consumable records (enterprise 2435, ...2.1.5.5.{8,10,11}.0).

Each is an octet string of records `marker, 0x01, length, value[length]`, ended by 0xFF (the layout
saper-2/BRN-Printer-sCounters-Info documented and bieniu/brother decodes). A 4-byte value is a
count, or hundredths of a percent for remaining-life markers; older models (MFC-5490CN) send
2-byte values `current, maximum`. Which marker means what is profile data (meters/profiles/brother.toml).
"""

from __future__ import annotations

import re
from typing import Any

from .identity import device_id_text
from .types import Meter, Problem, Supply
from .varbinds import VarbindIndex

Record = tuple[str, bytes]
_RECORD_END = 0xFF
_PERCENT_SCALE = 100  # 4-byte remaining-life values are hundredths of a percent


def parse_records(raw: bytes) -> tuple[list[Record], bool]:
    """(records, complete): records as (marker hex, value bytes); complete is False if cut short."""
    records: list[Record] = []
    pos = 0
    while pos < len(raw) and raw[pos] != _RECORD_END:
        if pos + 3 > len(raw):
            return records, False
        length = raw[pos + 2]
        value = raw[pos + 3 : pos + 3 + length]
        if len(value) != length:
            return records, False
        records.append((f"{raw[pos]:02x}", value))
        pos += 3 + length
    return records, True


def _records(index: VarbindIndex, oid: str, problems: list[Problem]) -> list[Record]:
    raw = index.octets(oid)
    if raw is None:
        return []
    records, complete = parse_records(raw)
    if not complete:
        problems.append(Problem("brother_record_truncated", "Brother record ends mid-entry; rest ignored", oid))
    return records


def _is_ink(index: VarbindIndex, options: dict[str, Any]) -> bool:
    device_id = device_id_text(index)
    if re.search(options["laser_device_id"], device_id):
        return False
    model = re.search(r"(?:MDL|MODEL):([^;]+)", device_id)
    return bool(model and re.search(options["ink_models"], model.group(1).strip()))


def _meters(index: VarbindIndex, options: dict[str, Any], problems: list[Problem]) -> list[Meter]:
    oid = options["counters_oid"]
    kinds = options["counters"]
    meters = []
    for marker, value in _records(index, oid, problems):
        if marker in kinds and len(value) == 4:
            meters.append(Meter(kinds[marker], int.from_bytes(value, "big"), oid, f"Brother counter record {marker}"))
    return meters


def _level(value: bytes) -> tuple[float | None, int | None, int | None, str]:
    """(percent, raw, max, unit) of a remaining-life value."""
    if len(value) == 4:
        raw = int.from_bytes(value, "big")
        return (
            round(min(raw, 100 * _PERCENT_SCALE) / _PERCENT_SCALE, 1),
            raw,
            100 * _PERCENT_SCALE,
            "hundredths of percent",
        )
    if len(value) == 2 and value[1] > 0:
        return round(min(value[0], value[1]) * 100 / value[1], 1), value[0], value[1], "steps"
    return None, None, None, ""


def _supply(key: str, options: dict[str, Any], oid: str, value: bytes | None, pages: int | None) -> Supply:
    spec = options["supplies"][key]
    percent, raw, capacity, unit = _level(value) if value is not None else (None, None, None, "")
    return Supply(
        description=spec["description"],
        kind=spec["kind"],
        colour=spec.get("colour"),
        level_percent=percent,
        level_raw=raw,
        max_capacity=capacity,
        unit=unit or None,
        level_state="ok" if percent is not None else "unknown",
        oid=oid,
        pages_remaining=pages,
    )


def _supplies(index: VarbindIndex, options: dict[str, Any], problems: list[Problem]) -> list[Supply]:
    ink = _is_ink(index, options)
    levels_map = options["ink_maintenance" if ink else "laser_maintenance"]
    levels: dict[str, bytes] = {}
    for marker, value in _records(index, options["maintenance_oid"], problems):
        if marker in levels_map:
            levels.setdefault(levels_map[marker], value)
    pages: dict[str, int] = {}
    if not ink:
        for marker, value in _records(index, options["nextcare_oid"], problems):
            if marker in options["nextcare"] and len(value) == 4:
                pages.setdefault(options["nextcare"][marker], int.from_bytes(value, "big"))
    keys = list(dict.fromkeys([*levels, *pages]))
    # Every supply comes out of the same blob: its key names the record, so each supply stays its own row.
    return [_supply(k, options, f"{options['maintenance_oid']}#{k}", levels.get(k), pages.get(k)) for k in keys]


def decode(index: VarbindIndex, options: dict[str, Any], problems: list[Problem]) -> tuple[list[Meter], list[Supply]]:
    return _meters(index, options, problems), _supplies(index, options, problems)
