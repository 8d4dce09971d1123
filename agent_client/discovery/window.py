"""The local time window a site's IT agreed to for scans (discover params `window`, docs/agent-protocol.md).

The portal queues discoveries only inside it; the agent checks again before it sends anything, since a discovery
leased late (an agent that was off, a slow poll) could otherwise start after the window closed.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, time, tzinfo
from typing import Any


def window_refusal(window: Any, now: datetime) -> str | None:
    """None when a sweep may start at `now`; otherwise why not, in words for the site page."""
    if window is None:
        return None
    try:
        start, end = _clock(window["start"]), _clock(window["end"])
        zone_name = str(window["time_zone"])
    except (KeyError, TypeError, ValueError):
        return "the scan window in the directive is unreadable: nothing was sent"
    local = now.astimezone(_zone(zone_name)).time()
    if is_open(local, start, end):
        return None
    return f"outside the scan window {start:%H:%M}-{end:%H:%M} ({zone_name}) agreed for this site: nothing was sent"


def is_open(local: time, start: time, end: time) -> bool:
    """`start` inclusive, `end` exclusive; a window whose end is before its start runs over midnight."""
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def _clock(value: Any) -> time:
    hour, minute = (int(part) for part in str(value).split(":")[:2])
    return time(hour, minute)


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Windows without the tzdata package: the PC at the site is most likely on the site's time.
        return datetime.now().astimezone().tzinfo or UTC
