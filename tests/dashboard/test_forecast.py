"""Days-to-empty forecasts from a supply's level history (pure: no database)."""

from datetime import UTC, datetime, timedelta

from meters.forecast import days_to_empty, supply_forecasts

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_steady_use_gives_the_days_left():
    points = [(days_ago(30), 70.0), (days_ago(20), 50.0), (days_ago(10), 30.0), (days_ago(0), 10.0)]
    forecast = days_to_empty(points, now=NOW)
    assert round(forecast.days) == 5 and not forecast.early  # 2 % a day, 10 % left


def test_a_new_cartridge_restarts_the_forecast():
    before_refill = [(days_ago(40), 40.0), (days_ago(30), 5.0)]
    after = [(days_ago(20), 100.0), (days_ago(10), 95.0), (days_ago(0), 90.0)]
    assert round(days_to_empty(before_refill + after, now=NOW).days) == 180  # 0.5 % a day since the refill


def test_no_forecast_until_two_reads_show_a_fall():
    assert days_to_empty([(days_ago(10), 60.0), (days_ago(0), 60.0)], now=NOW) is None
    assert days_to_empty([(days_ago(3), 60.0)], now=NOW) is None
    assert days_to_empty([(days_ago(2), 60.0), (days_ago(1), 59.0), (days_ago(0), 60.0)], now=NOW) is None


def test_two_reads_hours_apart_that_show_a_fall_give_an_early_estimate():
    forecast = days_to_empty([(days_ago(0.25), 60.0), (days_ago(0), 59.0)], now=NOW)
    assert round(forecast.days) == 15 and forecast.early  # 1 % in six hours: 4 % a day, 59 % left


def test_every_supply_key_of_the_reads_gets_its_own_forecast():
    history = [(days_ago(10), {"k1": 50, "k2": 80}), (days_ago(0), {"k1": 40, "k2": 80, "junk": "low"})]
    forecasts = supply_forecasts(history, now=NOW)
    assert round(forecasts["k1"].days) == 40 and forecasts["k2"] is None and "junk" not in forecasts


def test_a_fall_seen_within_minutes_is_too_short_to_forecast():
    """Whole-percent levels: 50 % then 49 % five minutes later is rounding as much as use, not 'empty today'."""
    assert days_to_empty([(days_ago(5 / 1440), 50.0), (days_ago(0), 49.0)], now=NOW) is None
    assert days_to_empty([(days_ago(2 / 24), 50.0), (days_ago(0), 49.0)], now=NOW).early  # two hours: an estimate
