"""Which columns the Devices sheet has, and each device's plain values for them.

Meter and supply columns are planned from the data: a column for every kind that ANY device in the report has,
so a mono fleet gets no empty colour columns and a device lacking a meter shows an empty cell, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from typing import Literal

from meters.interpret.types import METER_LABELS as BILLING_LABELS
from meters.supply_keys import COLOUR_ORDER, SupplyKey, supply_key
from portal.lib.xlsx import clean_text
from portal.lib.zones import zone
from reports.excel.data import DeviceRow, Supply
from reports.excel.values import local_naive, volume

ColumnKind = Literal["text", "date", "meter", "start_meter", "volume", "supply", "status", "flags"]

# Billing meters in the order meters.interpret.types.BILLING_KINDS gives them, then what is counted but not billed.
METER_LABELS = {**BILLING_LABELS, "unsplit": "Unsplit (no mono/colour split)"}
VOLUME_KINDS = ("total", "mono", "color")
SUPPLY_LABELS = {"opc": "drum", "waste_toner": "waste toner", "developer": "developer", "fuser": "fuser"}
# Customer, model and serial first: the sheet freezes them (FROZEN_COLUMNS) so the device stays in view as the
# meters scroll by. The start read's date sits beside the last read's, as its meters sit beside the current ones.
IDENTITY: tuple[tuple[str, str, ColumnKind], ...] = (
    ("customer", "Customer", "text"),
    ("model", "Model", "text"),
    ("serial", "Serial", "text"),
    ("manufacturer", "Manufacturer", "text"),
    ("site", "Site", "text"),
    ("ip", "IP address", "text"),
    ("location", "Location", "text"),
    ("first_seen", "First seen", "date"),
    ("start_read_at", "Start read", "date"),
    ("last_read", "Last read", "date"),
)
FROZEN_COLUMNS = 3
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
    for kind in meters:
        if kind in VOLUME_KINDS:  # the meter the period's pages are counted from, beside the current one
            columns.append(Column(f"{meter_label(kind)} at start", "start_meter", kind))
        columns.append(Column(meter_label(kind), "meter", kind))
    columns += [Column(f"{meter_label(kind)} in period", "volume", kind) for kind in VOLUME_KINDS if kind in meters]
    columns += [Column(supply_label(key), "supply", supply=key) for key in _supply_keys(devices)]
    return [*columns, Column("Status", "status"), Column("Flags", "flags")]


def meter_label(kind: str) -> str:
    return METER_LABELS.get(kind) or kind.replace("_", " ").capitalize()


def _meter_kinds(devices: list[DeviceRow]) -> list[str]:
    present = {kind for d in devices for kind, value in d.meters.items() if value is not None}
    known = [kind for kind in METER_LABELS if kind in present]
    return known + sorted(present - set(METER_LABELS))


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
    if kind == "start_meter":
        return device.meters_at_period_start.get(column.key)
    if kind == "volume":
        return volume(device.meters.get(column.key), device.meters_at_period_start.get(column.key))
    if kind == "supply":
        return supply_value(supplies.get(column.supply, [])) if column.supply else None
    if kind == "status":
        return STATUS_LABELS.get(device.status)
    return clean_text("; ".join(filter(None, (clean_text(f) for f in device.flags))))
