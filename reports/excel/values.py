"""Turning report data into values Excel stores faithfully: naive local datetimes, volumes (clean text and
zones by name are portal.lib.xlsx.clean_text and portal.lib.zones.zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo


def local_naive(moment: datetime | None, tz: tzinfo) -> datetime | None:
    """Wall-clock time in `tz` without tzinfo: Excel has no time zones, so the sheet says which zone it uses.

    A naive input is taken as UTC, which is how the portal stores every instant.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).replace(tzinfo=None, microsecond=0)


def as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def volume(end: int | None, start: int | None) -> int | None:
    """Pages in the period, or None when it cannot be told (a missing read, a counter that went backwards)."""
    if end is None or start is None or end < start:
        return None
    return end - start
