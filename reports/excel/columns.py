"""Which columns the Devices sheet has, and each device's plain values for them.

Meter and supply columns are planned from the data: a column for every kind that ANY device in the report has,
so a mono fleet gets no empty colour columns and a device lacking a meter shows an empty cell, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from typing import Literal

from meters.interpret.types import METER_LABELS as BILLING_LABELS
from reports.excel.data import DeviceRow, Supply
from reports.excel.values import clean_text, local_naive, volume, zone

ColumnKind = Literal["text", "date", "meter", "volume", "supply", "status", "flags"]
SupplyKey = tuple[str, str]  # (kind, colour): ("toner", "black"), ("opc", "")

# Billing meters in the order meters.interpret.types.BILLING_KINDS gives them, then what is counted but not billed.
METER_LABELS = {**BILLING_LABELS, "unsplit": "Unsplit (no mono/colour split)"}
VOLUME_KINDS = ("total", "mono", "color")
COLOUR_ORDER = ("black", "cyan", "magenta", "yellow")
# CUPS markers and some Printer-MIB agents give colours as RGB hex rather than names.
HEX_COLOURS = {"#000000": "black", "#00ffff": "cyan", "#ff00ff": "magenta", "#ffff00": "yellow"}
SUPPLY_LABELS = {"opc": "drum", "waste_toner": "waste toner", "developer": "developer", "fuser": "fuser"}
IDENTITY: tuple[tuple[str, str, ColumnKind], ...] = (
    ("customer", "Customer", "text"),
    ("site", "Site", "text"),
    ("manufacturer", "Manufacturer", "text"),
    ("model", "Model", "text"),
    ("serial", "Serial", "text"),
    ("ip", "IP address", "text"),
    ("location", "Location", "text"),
    ("first_seen", "First seen", "date"),
    ("last_read", "Last read", "date"),
)
STATUS_LABELS = {"new": "New", "stale": "Stale"}


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: ColumnKind
    key: str = ""
    supply: SupplyKey | None = None


def plan_columns(devices: Iterable[DeviceRow]) -> list[Column]:
    devices = list(devices)
    meters = _meter_kinds(devices)
    columns = [Column(header, kind, key) for key, header, kind in IDENTITY]
    columns += [Column(meter_label(kind), "meter", kind) for kind in meters]
    columns += [Column(f"{meter_label(kind)} in period", "volume", kind) for kind in VOLUME_KINDS if kind in meters]
    columns += [Column(supply_label(key), "supply", supply=key) for key in _supply_keys(devices)]
    return [*columns, Column("Status", "status"), Column("Flags", "flags")]


def meter_label(kind: str) -> str:
    return METER_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def _meter_kinds(devices: list[DeviceRow]) -> list[str]:
    present = {kind for d in devices for kind, value in d.meters.items() if value is not None}
    known = [kind for kind in METER_LABELS if kind in present]
    return known + sorted(present - set(METER_LABELS))


def supply_key(supply: Supply) -> SupplyKey:
    return _supply_key(supply.kind, supply.colour)


@lru_cache(maxsize=1024)  # a fleet has a handful of (kind, colour) spellings, asked for per device and column
def _supply_key(kind: str | None, colour: str | None) -> SupplyKey:
    name = (colour or "").strip().lower()
    return ((kind or "toner").strip().lower(), HEX_COLOURS.get(name, name))


def supply_label(key: SupplyKey) -> str:
    kind, colour = key
    label = SUPPLY_LABELS.get(kind, kind.replace("_", " "))
    return f"{colour} {label}".strip().capitalize()


def _supply_keys(devices: list[DeviceRow]) -> list[SupplyKey]:
    # a supply the printer says nothing about (no level, no state) would only add an empty column
    keys = {supply_key(s) for d in devices for s in d.supplies if s.level_percent is not None or s.state}

    def order(key: SupplyKey) -> tuple[int, str, int, str]:
        kind, colour = key
        rank = COLOUR_ORDER.index(colour) if colour in COLOUR_ORDER else len(COLOUR_ORDER)
        return (0 if kind in ("toner", "ink") else 1, kind, rank, colour)

    return sorted(keys, key=order)


def supply_value(supplies: list[Supply]) -> int | str | None:
    """The level in percent; with two of a kind (twin black cartridges) the lower, which is the one to order."""
    levels = [s.level_percent for s in supplies if s.level_percent is not None and 0 <= s.level_percent <= 100]
    if levels:
        return min(levels)
    states = [clean_text(s.state) for s in supplies]
    return next((s for s in states if s), None)


def row_values(device: DeviceRow, columns: list[Column], default_tz: tzinfo) -> list[object]:
    """The plain cell values of one device line, in column order (None for an empty cell)."""
    tz = zone(device.site_time_zone) if device.site_time_zone else default_tz
    by_key: dict[SupplyKey, list[Supply]] = {}
    for supply in device.supplies:
        by_key.setdefault(supply_key(supply), []).append(supply)
    return [_value(device, column, tz, by_key) for column in columns]


def _value(device: DeviceRow, column: Column, tz: tzinfo, supplies: dict[SupplyKey, list[Supply]]) -> object:
    kind = column.kind
    if kind == "text":
        return clean_text(getattr(device, column.key))
    if kind == "date":
        return local_naive(getattr(device, column.key), tz)
    if kind == "meter":
        return device.meters.get(column.key)
    if kind == "volume":
        return volume(device.meters.get(column.key), device.meters_at_period_start.get(column.key))
    if kind == "supply":
        return supply_value(supplies.get(column.supply, [])) if column.supply else None
    if kind == "status":
        return STATUS_LABELS.get(device.status)
    return clean_text("; ".join(filter(None, (clean_text(f) for f in device.flags))))
