"""Meter validation between two reads: resets and implausible jumps are flagged, never billed silently."""

from __future__ import annotations

from .types import Flag, Meter

# When the rated speed is unknown: faster than any office or production engine we know of
# (production presses run ~150 pages per minute), so only nonsense trips it.
DEFAULT_CEILING_PPM = 300
# Scanners count both sides of a sheet and feeders run faster than print engines.
SCAN_SPEED_FACTOR = 2
# Slack for counters that tick on warm-up, test pages and clock skew between reads.
JUMP_SLACK_PAGES = 50
# A read at (almost) the same time as the last one still gets one minute's worth of pages.
MIN_ELAPSED_SECONDS = 60.0


def page_ceiling(kind: str, elapsed_seconds: float, max_pages_per_minute: int | None) -> int:
    """The most pages a counter of this kind can plausibly advance in elapsed_seconds."""
    ppm = max_pages_per_minute if max_pages_per_minute and max_pages_per_minute > 0 else DEFAULT_CEILING_PPM
    if kind == "scan":
        ppm *= SCAN_SPEED_FACTOR
    minutes = max(elapsed_seconds, MIN_ELAPSED_SECONDS) / 60.0
    return int(ppm * minutes) + JUMP_SLACK_PAGES


def _reset(meter: Meter, previous: int) -> Flag:
    return Flag(
        kind="reset",
        meter_kind=meter.kind,
        oid=meter.oid,
        previous=previous,
        current=meter.value,
        proposed_offset=previous - meter.value,
        message=(
            f"{meter.kind} counter went back from {previous} to {meter.value}: reset or board swap? "
            f"Accepting the offset {previous - meter.value} keeps billing continuous."
        ),
    )


def _jump(meter: Meter, previous: int, ceiling: int) -> Flag:
    return Flag(
        kind="jump",
        meter_kind=meter.kind,
        oid=meter.oid,
        previous=previous,
        current=meter.value,
        ceiling=ceiling,
        message=(
            f"{meter.kind} counter rose by {meter.value - previous}, "
            f"more than the {ceiling} pages possible since the last read."
        ),
    )


def _key(meter: Meter) -> tuple[str, str, str]:
    return meter.kind, meter.oid, meter.label


def validate_read(
    previous: list[Meter] | None,
    current: list[Meter],
    elapsed_seconds: float,
    max_pages_per_minute: int | None,
) -> list[Flag]:
    """Flags for the meters of `current` that went backwards or advanced implausibly since `previous`."""
    if not previous:
        return []
    before = {_key(m): m.value for m in previous}
    flags = []
    for meter in current:
        old = before.get(_key(meter))
        if old is None:
            continue
        if meter.value < old:
            flags.append(_reset(meter, old))
        elif meter.value - old > (ceiling := page_ceiling(meter.kind, elapsed_seconds, max_pages_per_minute)):
            flags.append(_jump(meter, old, ceiling))
    return flags
