"""Days until a supply runs out, from the levels its past reads recorded. Pure: plain data in, numbers out."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

REFILL_JUMP = 5.0  # a level rising by more than this many points is a new cartridge: the forecast restarts there
# Under this much history the rate is shown as an early estimate: levels are reported in whole percent (some
# devices in steps of 10), so a fall seen over a few hours can be off by a factor of several.
SETTLED_DAYS = 2.0
# Under an hour, a one-point step of rounding would read as a cartridge emptied in a day or less: no number yet.
EARLY_MIN_DAYS = 1 / 24
MAX_DAYS = 730


@dataclass(frozen=True)
class Forecast:
    days: float  # days until empty at the use rate since the last refill
    span_days: float  # the history that rate comes from

    @property
    def early(self) -> bool:
        return self.span_days < SETTLED_DAYS


def since_last_refill(points: list[tuple[datetime, float]]) -> list[tuple[datetime, float]]:
    start = 0
    for index in range(1, len(points)):
        if points[index][1] > points[index - 1][1] + REFILL_JUMP:
            start = index
    return points[start:]


def days_to_empty(points: Iterable[tuple[datetime, float]], *, now: datetime) -> Forecast | None:
    """Least-squares use per day since the last refill, from the first fall on; None while no read shows one."""
    usable = since_last_refill(sorted((at, float(level)) for at, level in points if level is not None))
    if len(usable) < 2 or usable[-1][1] >= usable[0][1]:
        return None  # one read, or no fall since the refill: nothing to forecast yet
    origin = usable[0][0]
    xs = [(at - origin).total_seconds() / 86400 for at, _ in usable]
    if xs[-1] < EARLY_MIN_DAYS:
        return None
    slope = _slope(xs, [level for _, level in usable])
    if slope is None or slope >= 0:
        return None  # not going down: nothing to forecast
    level_now = usable[-1][1] + slope * ((now - usable[-1][0]).total_seconds() / 86400)
    return Forecast(days=min(max(level_now, 0.0) / -slope, MAX_DAYS), span_days=xs[-1])


def _slope(xs: list[float], ys: list[float]) -> float | None:
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def supply_forecasts(history: list[tuple[datetime, dict]], *, now: datetime) -> dict[str, Forecast | None]:
    """supply key -> its forecast, for every key the reads' `supply_levels` mention."""
    series: dict[str, list[tuple[datetime, float]]] = {}
    for at, levels in history:
        for key, level in (levels or {}).items():
            if isinstance(level, int | float):
                series.setdefault(key, []).append((at, float(level)))
    return {key: days_to_empty(points, now=now) for key, points in series.items()}
