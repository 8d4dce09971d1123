"""Turning report data into values Excel stores faithfully: clean text, naive local datetimes, volumes."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Excel refuses longer cell text; the file would still open but with a repair prompt.
MAX_CELL_TEXT = 32_767


def clean_text(value: object) -> str | None:
    """Text safe for a cell: no control characters (seen as NUL padding in sysLocation on Kyocera
    ECOSYS models), trimmed, None when nothing is left."""
    if value is None:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value)).strip()
    return text[:MAX_CELL_TEXT] or None


@lru_cache(maxsize=512)
def zone(name: str | None) -> tzinfo:
    """The named zone, UTC when the name is missing or unknown (a report must not fail on a bad site setting)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


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
