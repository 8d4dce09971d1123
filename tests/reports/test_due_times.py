"""Due-time logic for local-time schedules, across time zones and DST changes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.lib.due import next_daily, next_monthly, next_weekly


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_discovery_monday_and_thursday_afternoon_in_the_sites_zone():
    after = utc(2026, 11, 21, 12)  # a Saturday
    chicago = next_weekly(after, "America/Chicago", [0, 3], 14)
    assert chicago.astimezone(ZoneInfo("America/Chicago")).strftime("%a %H:%M") == "Mon 14:00"
    assert chicago == utc(2026, 11, 23, 20)
    tokyo = next_weekly(after, "Asia/Tokyo", [0, 3], 14)
    assert tokyo == utc(2026, 11, 23, 5)  # Monday 14:00 in Tokyo is early Monday UTC
    assert next_weekly(chicago, "America/Chicago", [0, 3], 14) == utc(2026, 11, 26, 20)  # then Thursday


def test_reads_three_times_a_day():
    after = utc(2026, 6, 1, 10, 30)  # 12:30 in Berlin (CEST)
    first = next_daily(after, "Europe/Berlin", [7, 12, 17])
    second = next_daily(first, "Europe/Berlin", [7, 12, 17])
    third = next_daily(second, "Europe/Berlin", [7, 12, 17])
    assert [t.astimezone(ZoneInfo("Europe/Berlin")).hour for t in (first, second, third)] == [17, 7, 12]


def test_a_time_in_the_spring_forward_gap_runs_right_after_the_gap():
    # Berlin, 29 March 2026: 02:00 jumps to 03:00. A 02:30 schedule runs at 03:30 CEST that day, once.
    due = next_daily(utc(2026, 3, 28, 12), "Europe/Berlin", [2])
    assert due == utc(2026, 3, 29, 1)
    assert next_daily(due, "Europe/Berlin", [2]) == utc(2026, 3, 30, 0)  # back to 02:00 CEST the next day


def test_a_time_repeated_in_autumn_runs_once_at_its_first_occurrence():
    # New York, 1 November 2026: 01:00-02:00 happens twice. A 01:00 schedule runs at the first one only.
    due = next_daily(utc(2026, 10, 31, 12), "America/New_York", [1])
    assert due == utc(2026, 11, 1, 5)  # 01:00 EDT
    assert next_daily(due, "America/New_York", [1]) == utc(2026, 11, 2, 6)  # next day 01:00 EST, not 01:00 EST today


def test_weekly_keeps_its_local_hour_across_a_dst_change():
    before = next_weekly(utc(2026, 10, 20), "America/New_York", [0], 9)
    after = next_weekly(before, "America/New_York", [0], 9)
    after_change = next_weekly(after, "America/New_York", [0], 9)
    local = [t.astimezone(ZoneInfo("America/New_York")).hour for t in (before, after, after_change)]
    assert local == [9, 9, 9] and (before.hour, after_change.hour) == (13, 14)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 1, 15), utc(2026, 1, 31, 8)),
        (utc(2026, 2, 1), utc(2026, 2, 28, 8)),  # February has no 31st: its last day
        (utc(2028, 2, 1), utc(2028, 2, 29, 8)),
    ],
)
def test_monthly_on_the_31st_uses_the_last_day_of_short_months(after, expected):
    assert next_monthly(after, "UTC", 31, 8) == expected


def test_a_schedule_without_days_is_an_error_not_a_silent_never():
    with pytest.raises(ValueError, match="weekday"):
        next_weekly(utc(2026, 1, 1), "UTC", [], 9)
