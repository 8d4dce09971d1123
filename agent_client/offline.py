"""Meter reads on the last known schedule while the portal is unreachable (docs/agent-protocol.md, "Offline reads").

Every poll answer carries the site's read schedule (`read_schedule`: time zone and read hours); every `read`
directive the agent runs leaves its device list here. When the portal has been away past a due read, the agent
reads those devices itself and queues the result as a self-scheduled read, uploaded to `POST /agent/v1/reads`
once the portal answers again. A portal that sends no schedule (older than this) gets no self-scheduled reads:
it would not know where to take them.

Both are kept in the outbox's state table, so a restart while the portal is down keeps them. The device list
holds the SNMP credentials the portal sent: the outbox is owner-only like the config, whose agent token can
fetch those same credentials from the portal anyway.
"""

from __future__ import annotations

import json
import zoneinfo
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any

from agent_client.outbox import Outbox

SELF_SCHEDULED = "self-scheduled"  # the outbox's directive id for a read no directive asked for
SCHEDULE_KEY, LAST_READ_KEY = "read_schedule", "last_read"
MIN_GRACE = timedelta(minutes=15)  # the portal's beat queues a due read within 5 minutes, the agent polls after


def next_read(after: datetime, time_zone: str, hours: list[int]) -> datetime:
    """The first read hour strictly after `after`, in the site's local time (as the portal's next_daily: a
    wall time in the spring-forward gap is the instant after it, one that happens twice is taken the first time)."""
    zone = _zone(time_zone)
    first = after.astimezone(zone).date() - timedelta(days=1)
    for day in (first + timedelta(days=n) for n in range(4)):
        for hour in sorted(set(hours)):
            instant = datetime.combine(day, time(hour), tzinfo=zone).replace(fold=0).astimezone(UTC)
            if instant > after:
                return instant
    raise ValueError("a read schedule needs at least one hour")


def _zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # Windows without the tzdata package: the PC at the site is most likely on the site's time.
        return datetime.now().astimezone().tzinfo or UTC


def valid_schedule(schedule: Any) -> dict[str, Any] | None:
    """The schedule as sent, or None when it is not one (then the last known one stands)."""
    if not isinstance(schedule, dict):
        return None
    zone, hours = schedule.get("time_zone"), schedule.get("hours")
    if not isinstance(zone, str) or not 0 < len(zone) <= 64 or not isinstance(hours, list) or not hours:
        return None
    if len(hours) > 24 or not all(isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 23 for h in hours):
        return None
    return {"time_zone": zone, "hours": sorted(set(hours))}


class OfflineReads:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def adopt_schedule(self, schedule: Any) -> None:
        if (valid := valid_schedule(schedule)) is not None:
            self.outbox.set_state(SCHEDULE_KEY, json.dumps(valid))

    def remember_read(self, directive: dict[str, Any], at: datetime) -> None:
        """A `read` directive from the portal: its devices are the ones to read while the portal is away."""
        params = directive.get("params")
        if isinstance(params, dict) and isinstance(params.get("devices"), list) and params["devices"]:
            self.outbox.set_state(LAST_READ_KEY, json.dumps({"params": params, "at": at.isoformat()}))
        else:
            self.mark_read(at)

    def mark_read(self, at: datetime) -> None:
        last = self._load(LAST_READ_KEY)
        if last is not None:
            self.outbox.set_state(LAST_READ_KEY, json.dumps({**last, "at": at.isoformat()}))

    def due(self, now: datetime, last_contact: datetime | None, grace: timedelta) -> dict[str, Any] | None:
        """The read directive to run now, or None. A slot the portal was reachable for is the portal's to read
        (it may have had nothing to read); one that passed with the portal away is the agent's."""
        schedule, last = self._load(SCHEDULE_KEY), self._load(LAST_READ_KEY)
        if schedule is None or last is None:
            return None
        after = datetime.fromisoformat(last["at"])
        if last_contact is not None:
            after = max(after, last_contact - grace)
        slot = next_read(after, schedule["time_zone"], schedule["hours"])
        if now < slot + grace:
            return None
        return {"id": SELF_SCHEDULED, "kind": "read", "params": last["params"]}

    def _load(self, key: str) -> dict[str, Any] | None:
        text = self.outbox.get_state(key)
        try:
            value = json.loads(text) if text else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


def grace_for(poll_interval: float) -> timedelta:
    return max(MIN_GRACE, timedelta(seconds=3 * poll_interval))
