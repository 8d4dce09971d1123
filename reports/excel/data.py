"""Plain input for the Excel meter report: what the portal hands the builder, nothing Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

DeviceStatus = Literal["new", "stale", "ok"]


@dataclass(frozen=True, slots=True)
class Supply:
    """One supply of a device as the interpreter understood it.

    `colour` is a name ("black", "cyan") or an RGB hex ("#00ffff", as CUPS markers give it), or None.
    `kind` follows Printer-MIB prtMarkerSuppliesType in snake case ("toner", "opc", "waste_toner").
    `level_percent` is None when the printer only says "some remaining" or nothing; `state` then says so.
    """

    description: str | None
    colour: str | None
    level_percent: int | None
    state: str | None = None
    kind: str | None = "toner"


@dataclass(slots=True)
class DeviceRow:
    """One device line of the report.

    Datetimes are aware (UTC from the database); the builder shows them in `site_time_zone`.
    `meters` are the last read's counters by kind ("total", "mono", "color", "print", ...); a kind the device
    does not have is absent or None and shows as an empty cell, never 0. `meters_at_period_start` holds the
    counters at the start of the period (or the first read inside it for a device new in the period), read at
    `start_read_at`.
    `flags` are human sentences about doubtful reads; `flagged_meters` names the meter kinds they concern
    (empty: all of the device's meters are doubtful).
    """

    customer: str | None
    site: str | None
    site_time_zone: str | None
    manufacturer: str | None
    model: str | None
    serial: str | None
    ip: str | None
    location: str | None
    first_seen: datetime | None
    last_read: datetime | None
    meters: Mapping[str, int | None] = field(default_factory=dict)
    meters_at_period_start: Mapping[str, int | None] = field(default_factory=dict)
    supplies: list[Supply] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flagged_meters: frozenset[str] = frozenset()
    status: DeviceStatus = "ok"
    start_read_at: datetime | None = None  # when the read behind meters_at_period_start was taken

    def meter_is_flagged(self, kind: str) -> bool:
        return bool(self.flags) and (not self.flagged_meters or kind in self.flagged_meters)


@dataclass(slots=True)
class ReportInput:
    """A meter report for one customer (or one of its sites): header facts and the device lines.

    `time_zone` is the zone `generated_at` and the period are shown in (the customer's main site, or the
    dealer's); each device's own dates use its `site_time_zone`. `low_supply_percent` marks supply levels at or
    under it (the dealer's toner alert threshold), None for no marking.
    """

    dealer_name: str
    customer_name: str | None
    site_name: str | None
    period_start: date | None
    period_end: date | None
    generated_at: datetime | None
    time_zone: str | None
    devices: list[DeviceRow] = field(default_factory=list)
    low_supply_percent: int | None = None
    stale_after_days: int = 7
    # Excel number formats of the dealer's locale for "date" and "day" cells (portal.lib.locale); None: ISO.
    date_formats: dict[str, str] | None = None
