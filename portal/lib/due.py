"""When is a local-time schedule next due? Pure functions, time-zone and DST aware.

A wall time in the spring-forward gap (02:30 on the night clocks jump to 03:00) is taken as the instant
after the gap; a wall time that happens twice in autumn is taken the first time. Both fall out of
building the local time with fold=0 and converting to UTC.
"""

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOOKAHEAD_DAYS = 400  # a monthly schedule on the 31st still finds its next month within this


def _local_instants(start: date, times: Iterable[time], tz: ZoneInfo, days: Iterable[date]) -> Iterator[datetime]:
    ordered = sorted(times)
    for day in days:
        for moment in ordered:
            yield datetime.combine(day, moment, tzinfo=tz).replace(fold=0).astimezone(UTC)


def _next(after: datetime, tz: ZoneInfo, times: Iterable[time], wanted) -> datetime:
    """The first instant strictly after `after` on a local day for which `wanted(day)` holds."""
    times = list(times)
    if not times:
        raise ValueError("a schedule needs at least one time of day")
    first_day = after.astimezone(tz).date() - timedelta(days=1)
    days = (first_day + timedelta(days=n) for n in range(LOOKAHEAD_DAYS))
    for instant in _local_instants(first_day, times, tz, (d for d in days if wanted(d))):
        if instant > after:
            return instant
    raise ValueError("no due time within a year: check the schedule's days")


def next_weekly(after: datetime, tz: str, weekdays: Iterable[int], hour: int, minute: int = 0) -> datetime:
    """Next run on one of `weekdays` (Monday = 0) at hour:minute local time."""
    allowed = set(weekdays)
    if not allowed:
        raise ValueError("a weekly schedule needs at least one weekday")
    return _next(after, ZoneInfo(tz), [time(hour, minute)], lambda d: d.weekday() in allowed)


def next_daily(after: datetime, tz: str, hours: Iterable[int]) -> datetime:
    """Next run at one of `hours` local time, any day."""
    return _next(after, ZoneInfo(tz), [time(h) for h in set(hours)], lambda d: True)


def next_monthly(after: datetime, tz: str, day: int, hour: int) -> datetime:
    """Next run on `day` of the month (the month's last day when it is shorter) at hour local time."""

    def wanted(d: date) -> bool:
        last = (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return d.day == min(day, last.day)

    return _next(after, ZoneInfo(tz), [time(hour)], wanted)


def next_interval(after: datetime, minutes: int) -> datetime:
    return after + timedelta(minutes=max(1, minutes))


def window_is_open(now: datetime, tz: str, start: time, end: time) -> bool:
    """Is `now` inside the local window [start, end)? An end before the start runs over midnight (18:00-08:00)."""
    local = now.astimezone(ZoneInfo(tz)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def window_next_open(now: datetime, tz: str, start: time, end: time) -> datetime:
    """`now` when the window is open, else the next instant it opens (its start, local time, DST-aware)."""
    if window_is_open(now, tz, start, end):
        return now
    return _next(now, ZoneInfo(tz), [start], lambda d: True)
