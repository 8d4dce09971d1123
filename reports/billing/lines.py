"""One billing-export line per device: which reads start and end the period, each meter's usage, and the notes.

Plain Python: takes the BillingDevice the selector builds and gives plain values (text, int, aware local datetime,
date, None for unknown) that the CSV and XLSX writers format. The rules are docs/billing-export.md's; a number is
only ever one a read stated, or the difference of two stated ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from meters.interpret.types import BILLING_KINDS
from portal.lib.columns import Column, ColumnKind
from portal.lib.zones import zone

BASE_KINDS = ("total", "mono", "color")  # always columns, so an ERP mapping never loses them
LAST_DAY = timedelta(hours=24)
MAX_PERIOD_DAYS = 366
MAX_FLAG_DETAILS = 10

IDENTITY: tuple[tuple[str, ColumnKind], ...] = (
    ("customer", "text"),
    ("customer_account", "text"),
    ("site", "text"),
    ("manufacturer", "text"),
    ("model", "text"),
    ("serial", "text"),
    ("ip", "text"),
    ("mac", "text"),
    ("location", "text"),
    ("device_id", "text"),
    ("lifecycle", "text"),
    ("first_seen_at", "time"),
    ("time_zone", "text"),
    ("period_start", "day"),
    ("period_end", "day"),
    ("start_read_at", "time"),
    ("end_read_at", "time"),
)
# The notes come last: long text at the right edge of a sheet can be read without hiding the numbers.
TRAILER: tuple[tuple[str, ColumnKind], ...] = (
    ("open_flags", "count"),
    ("start_read_note", "note"),
    ("end_read_note", "note"),
    ("usage_note", "note"),
    ("open_flag_details", "note"),
)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days, `end` included, each device's in its own site's time zone."""

    start: date
    end: date

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """Midnight starting the first day and midnight ending the last, in `tz`."""
        return datetime.combine(self.start, time(), tz), datetime.combine(self.end + timedelta(days=1), time(), tz)


@dataclass(frozen=True, slots=True)
class Read:
    at: datetime
    values: Mapping[str, object]
    entered_by: str | None = None  # typed in by the customer from the device's panel (their name; "" if none)

    def count(self, kind: str) -> int | None:
        """The page count the read states for `kind`; None when it states none (unknown, never 0)."""
        value = self.values.get(kind)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return value if type(value) is int and value >= 0 else None


@dataclass(frozen=True, slots=True)
class OpenFlag:
    kind: str  # reset | jump
    meter_kind: str
    previous: int
    current: int
    read_at: datetime


@dataclass(frozen=True, slots=True)
class BillingDevice:
    """A device with the reads the period's meters may come from (good reads only: flagged ones never count).

    `first_in` is looked up only when there is no `before_start`, `after_end` only when no read falls in the
    period; `flags` are the first MAX_FLAG_DETAILS of `flag_count` open flags on reads up to the period's end.
    """

    device_id: str
    customer: str
    customer_account: str
    site: str
    time_zone: str
    manufacturer: str
    model: str
    serial: str
    mac: str
    ip: str | None
    location: str
    lifecycle: str
    first_seen_at: datetime
    start_at: datetime
    end_at: datetime
    before_start: Read | None = None
    first_in: Read | None = None
    before_end: Read | None = None
    after_end: Read | None = None
    flag_count: int = 0
    flags: tuple[OpenFlag, ...] = ()


@dataclass(frozen=True, slots=True)
class Chosen:
    read: Read | None
    note: str | None = None


def plan_columns(stated_kinds: Iterable[str]) -> list[Column]:
    """Identity and read times, then start/end/usage for total, mono, colour and every other billing kind
    at least one device in the export states (in BILLING_KINDS order), then flags and notes."""
    stated = set(stated_kinds)
    meters = [kind for kind in BILLING_KINDS if kind in BASE_KINDS or kind in stated]
    columns = [Column(name, kind) for name, kind in IDENTITY]
    columns += [Column(f"{kind}_{part}", "count") for kind in meters for part in ("start", "end", "usage")]
    return columns + [Column(name, kind) for name, kind in TRAILER]


def line_values(device: BillingDevice, columns: list[Column]) -> list[object]:
    """The device's cell values in column order; None is an empty cell (unknown)."""
    values = line(device)
    return [values.get(column.name) for column in columns]


def line(device: BillingDevice) -> dict[str, object]:
    tz = zone(device.time_zone)
    start, end = said_entered(choose_start(device, tz)), said_entered(choose_end(device, tz))
    values: dict[str, object] = {
        "customer": device.customer,
        "customer_account": device.customer_account,
        "site": device.site,
        "manufacturer": device.manufacturer,
        "model": device.model,
        "serial": device.serial,
        "ip": device.ip,
        "mac": device.mac,
        "location": device.location,
        "device_id": device.device_id,
        "lifecycle": device.lifecycle,
        "first_seen_at": device.first_seen_at.astimezone(tz),
        "time_zone": device.time_zone,
        "period_start": device.start_at.astimezone(tz).date(),
        "period_end": (device.end_at.astimezone(tz) - timedelta(days=1)).date(),
        "start_read_at": start.read.at.astimezone(tz) if start.read else None,
        "start_read_note": start.note,
        "end_read_at": end.read.at.astimezone(tz) if end.read else None,
        "end_read_note": end.note,
        "open_flags": device.flag_count,
        "open_flag_details": flag_details(device, tz),
    }
    values.update(meter_values(start.read, end.read))
    values["usage_note"] = usage_note(start.read, end.read, tz)
    return {name: (value if value != "" else None) for name, value in values.items()}


def choose_start(device: BillingDevice, tz: tzinfo) -> Chosen:
    """The last good read at or before the period's start; else the first one in the period, noted."""
    if (read := device.before_start) is not None:
        gap = device.start_at - read.at
        if gap <= LAST_DAY:
            return Chosen(read)
        note = f"no read in the last day before the period: nearest read {_at(read, tz)}, {span(gap)} before the start"
        return Chosen(read, note)
    if (read := device.first_in) is not None:
        gap = read.at - device.start_at
        return Chosen(read, f"no read before the period: first read in it {_at(read, tz)}, {span(gap)} after the start")
    return Chosen(None, "no read up to the end of the period")


def choose_end(device: BillingDevice, tz: tzinfo) -> Chosen:
    """The last good read at or before the period's end; a read after the end only when none is in the period."""
    read = device.before_end
    if read is not None and read.at > device.start_at:
        gap = device.end_at - read.at
        if gap <= LAST_DAY:
            return Chosen(read)
        note = f"no read in the last day of the period: nearest read {_at(read, tz)}, {span(gap)} before the end"
        return Chosen(read, note)
    if (after := device.after_end) is not None:
        gap = after.at - device.end_at
        return Chosen(after, f"no read in the period: first read after it {_at(after, tz)}, {span(gap)} after the end")
    if read is not None:
        gap = device.end_at - read.at
        return Chosen(read, f"no read in the period: last read {_at(read, tz)}, {span(gap)} before the end")
    return Chosen(None, "no read")


def said_entered(chosen: Chosen) -> Chosen:
    """A read the customer typed in from the device's panel (through a meter-reading link) says so in its note."""
    read = chosen.read
    if read is None or read.entered_by is None:
        return chosen
    said = f"entered by the customer ({read.entered_by})" if read.entered_by else "entered by the customer"
    return Chosen(read, f"{chosen.note}; {said}" if chosen.note else said)


def meter_values(start: Read | None, end: Read | None) -> dict[str, int | None]:
    """{kind}_start, {kind}_end and {kind}_usage for every billing kind; usage only from two different reads
    that both state the kind, and never negative."""
    values: dict[str, int | None] = {}
    distinct = start is not None and end is not None and start.at != end.at
    for kind in BILLING_KINDS:
        first = start.count(kind) if start else None
        last = end.count(kind) if end else None
        values[f"{kind}_start"], values[f"{kind}_end"] = first, last
        usage = None
        if distinct and first is not None and last is not None and last >= first:
            usage = last - first
        values[f"{kind}_usage"] = usage
    return values


def usage_note(start: Read | None, end: Read | None, tz: tzinfo) -> str | None:
    if start is None or end is None:
        return None
    if start.at == end.at:
        return f"the period starts and ends on the same read ({_at(start, tz)}): usage unknown"
    backwards = [
        f"{kind} went back from {first} to {last}: usage left empty"
        for kind in BILLING_KINDS
        if (first := start.count(kind)) is not None and (last := end.count(kind)) is not None and last < first
    ]
    return "; ".join(backwards) or None


def flag_details(device: BillingDevice, tz: tzinfo) -> str | None:
    texts = [
        f"{flag.kind} of {flag.meter_kind} at {flag.read_at.astimezone(tz):%Y-%m-%d %H:%M}: "
        f"{flag.previous} -> {flag.current}"
        for flag in device.flags
    ]
    if device.flag_count > len(texts):
        texts.append(f"{device.flag_count - len(texts)} more")
    return "; ".join(texts) or None


def span(delta: timedelta) -> str:
    """A gap as a clerk reads it: hours up to two days, then whole days."""
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def _at(read: Read, tz: tzinfo) -> str:
    return f"{read.at.astimezone(tz):%Y-%m-%d %H:%M}"
