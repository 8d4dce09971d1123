"""Meter validation between two reads: resets and implausible jumps are flagged, never billed silently."""

from __future__ import annotations

from dataclasses import replace

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


# A rated speed is for plain A4/Letter pages; smaller media and the sides of a duplex run can go faster.
RATED_SPEED_MARGIN = 1.5


def page_ceiling(kind: str, elapsed_seconds: float, max_pages_per_minute: int | None) -> int:
    """The most pages a counter of this kind can plausibly advance in elapsed_seconds, at the device's rated
    speed (pages per minute) when it is known."""
    rated = max_pages_per_minute if max_pages_per_minute and max_pages_per_minute > 0 else None
    ppm = rated * RATED_SPEED_MARGIN if rated else DEFAULT_CEILING_PPM
    if kind == "scan":
        ppm *= SCAN_SPEED_FACTOR
    minutes = max(elapsed_seconds, MIN_ELAPSED_SECONDS) / 60.0
    return int(ppm * minutes) + JUMP_SLACK_PAGES


COUNTER32 = 2**32


def _wrapped(previous: int, current: int, ceiling: int) -> bool:
    """A 32-bit counter that passed 4,294,967,295 starts again from 0: it is a wrap when the pages from the
    old value up to the wrap and on to the new one are few enough to have been printed since."""
    return previous < COUNTER32 and COUNTER32 - previous + current <= ceiling


def _flag(
    kind: str,
    meter: Meter,
    previous: int,
    message: str,
    *,
    proposed_offset: int | None = None,
    ceiling: int | None = None,
) -> Flag:
    return Flag(
        kind=kind,
        meter_kind=meter.kind,
        oid=meter.oid,
        previous=previous,
        current=meter.value,
        message=message,
        proposed_offset=proposed_offset,
        ceiling=ceiling,
    )


def _wrap(meter: Meter, previous: int) -> Flag:
    message = (
        f"{meter.kind} counter went from {previous:,} to {meter.value:,}: its 32-bit counter wrapped. Accepting "
        f"adds {COUNTER32:,} to this read and the later ones, so billing carries on where it was."
    )
    return _flag("reset", meter, previous, message, proposed_offset=COUNTER32)


def _reset(meter: Meter, previous: int) -> Flag:
    # A reset counter starts again from 0: the pages before it carry on, and the pages since it are the new
    # count itself. So the offset is the count before the reset, and no page printed since is lost.
    message = (
        f"{meter.kind} counter went back from {previous:,} to {meter.value:,}: reset or board swap? "
        f"Accepting adds {previous:,} to this read and the later ones, so billing carries on from {previous:,} "
        f"with the {meter.value:,} pages counted since."
    )
    return _flag("reset", meter, previous, message, proposed_offset=previous)


def _jump(meter: Meter, previous: int, ceiling: int, speed: str) -> Flag:
    message = (
        f"{meter.kind} counter rose by {meter.value - previous:,}, "
        f"more than the {ceiling:,} pages possible since the last read ({speed})."
    )
    return _flag("jump", meter, previous, message, ceiling=ceiling)


def _speed_text(max_pages_per_minute: int | None, source: str) -> str:
    if max_pages_per_minute:
        return (
            f"rated {max_pages_per_minute} pages a minute, {source}" if source else f"rated {max_pages_per_minute} ppm"
        )
    return f"speed unknown: at most {DEFAULT_CEILING_PPM} pages a minute"


def _key(meter: Meter) -> tuple[str, str, str]:
    return meter.kind, meter.oid, meter.label


def validate_read(
    previous: list[Meter] | None,
    current: list[Meter],
    elapsed_seconds: float,
    max_pages_per_minute: int | None,
    speed_source: str = "",
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
        ceiling = page_ceiling(meter.kind, elapsed_seconds, max_pages_per_minute)
        if meter.value < old:
            flags.append(_wrap(meter, old) if _wrapped(old, meter.value, ceiling) else _reset(meter, old))
        elif meter.value - old > ceiling:
            flags.append(_jump(meter, old, ceiling, _speed_text(max_pages_per_minute, speed_source)))
    return flags


def validate_before(
    current: list[Meter],
    following: list[Meter],
    elapsed_seconds: float,
    max_pages_per_minute: int | None,
    speed_source: str = "",
) -> list[Flag]:
    """Flags for a read older than a stored one (`following`, taken elapsed_seconds later). A later read showing
    fewer pages than this one was a reset (flagged on the later read); a later read showing more pages than can
    have been printed since does not fit either (flagged on this one)."""
    after = {_key(m): m.value for m in following}
    flags = []
    for meter in current:
        later = after.get(_key(meter))
        if later is None:
            continue
        ceiling = page_ceiling(meter.kind, elapsed_seconds, max_pages_per_minute)
        if later < meter.value:
            now = Meter(meter.kind, later, meter.oid, meter.label)
            reset = _wrap(now, meter.value) if _wrapped(meter.value, later, ceiling) else _reset(now, meter.value)
            flags.append(replace(reset, on_following=True))
        elif later - meter.value > ceiling:
            flags.append(_out_of_order(meter, later, ceiling))
    return flags


def _out_of_order(meter: Meter, later: int, ceiling: int) -> Flag:
    message = (
        f"{meter.kind} counter of a read taken before a later one reads {meter.value:,} against the later "
        f"{later:,}: it does not fit between its neighbours."
    )
    return _flag("out_of_order", meter, later, message, ceiling=ceiling)
