"""Server-rendered SVG charts: no chart library, no JavaScript, nothing fetched at run time.

The SVGs scale with their container (viewBox + width 100%), so the same markup works at phone width.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.formats import date_format, time_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

NO_VOLUME = "No pages counted yet: a month's pages show once a device has been read twice."
SHORT_SPAN = timedelta(days=2)
MAX_DOTS = 60
WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 56, 24, 10


def compact(number: float) -> str:
    """12345 -> 12.3k; axis labels must stay short at phone width."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            return f"{number / limit:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{number:.0f}"


def _n(value: float) -> str:
    """Coordinates as text first: format_html escapes its arguments to strings before formatting."""
    return f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 4:
        return 4  # whole pages on every grid line
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _grid(top: float) -> SafeString:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    rows = []
    for i in range(5):
        y = PAD_TOP + plot_h * (1 - i / 4)
        rows.append((PAD_LEFT, _n(y), WIDTH, _n(y), PAD_LEFT - 6, _n(y + 4), compact(top * i / 4)))
    return format_html_join(
        "",
        '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="axis" x="{}" y="{}" '
        'text-anchor="end">{}</text>',
        rows,
    )


def _svg(label: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMidYMid meet">'
        "<title>{}</title>{}</svg>",
        WIDTH,
        HEIGHT,
        label,
        label,
        body,
    )


def volume_bars(months: Sequence[tuple[date, int, int, int]], label: str = "Pages per month") -> SafeString:
    """Stacked bars per month: mono below, colour above it, unsplit pages (devices that state only a total) on
    top, each its own colour: unsplit pages are never drawn as mono."""
    highest = max((sum(parts) for _, *parts in months), default=0)
    if highest <= 0:
        return format_html('<p class="empty">{}</p>', NO_VOLUME)
    top = _nice_max(highest)
    plot_h, slot = HEIGHT - PAD_BOTTOM - PAD_TOP, (WIDTH - PAD_LEFT) / max(len(months), 1)
    bars = [_volume_bar(index, slot, plot_h, top, *month) for index, month in enumerate(months)]
    return _svg(label, _grid(top) + mark_safe("".join(bars)))  # noqa: S308 - every part built by format_html


def _volume_bar(index: int, slot: float, plot_h: float, top: int, month: date, mono: int, color: int, unsplit: int):
    x, base = PAD_LEFT + index * slot + slot * 0.15, PAD_TOP + plot_h
    tip = f"{date_format(month, 'YEAR_MONTH_FORMAT')}: {mono:,} mono, {color:,} colour"
    tip += f", {unsplit:,} unsplit" if unsplit else ""
    rects = []
    for css, pages in (("mono", mono), ("color", color), ("unsplit", unsplit)):
        height = plot_h * pages / top
        base -= height
        rects.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>',
                css,
                _n(x),
                _n(base),
                _n(slot * 0.7),
                _n(height),
            )
        )
    return format_html(
        '<g><title>{}</title>{}<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text></g>',
        tip,
        mark_safe("".join(rects)),  # noqa: S308 - every rect built by format_html
        _n(x + slot * 0.35),
        HEIGHT - 6,
        f"{month:%b}",
    )


def meter_lines(points: Sequence[dict], series: Sequence[str], label: str = "Meter history") -> SafeString:
    """Counters over time, one polyline per series ('total', 'mono', 'color'), x spaced by real time. Points are
    reads or the highest counters of an hour or a day (meters.selectors.device_read_history); up to MAX_DOTS of
    them are marked with a dot, so a few reads read as reads rather than a bare stroke."""
    values = [p[s] for p in points for s in series if p.get(s) is not None]
    if len(points) < 2 or not values:
        return format_html('<p class="empty">{}</p>', "Not enough reads yet for a chart.")
    low, high = min(values), max(values)
    low = max(0, low - (high - low) * 0.1)
    span, t0 = (high - low) or 1, points[0]["day"]
    t_span = ((points[-1]["day"] - t0).total_seconds()) or 1
    plot_h, plot_w = HEIGHT - PAD_BOTTOM - PAD_TOP, WIDTH - PAD_LEFT
    lines = []
    for name in series:
        coords = [
            (
                PAD_LEFT + plot_w * (p["day"] - t0).total_seconds() / t_span,
                PAD_TOP + plot_h * (1 - (p[name] - low) / span),
            )
            for p in points
            if p.get(name) is not None
        ]
        if coords:
            text = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            lines.append(format_html('<polyline class="line {}" points="{}"/>', name, text))
        if len(coords) <= MAX_DOTS:
            lines.append(_dots(name, coords))
    return _svg(label, _axis_range(low, high, points) + mark_safe("".join(lines)))  # noqa: S308


def _dots(name: str, coords: Sequence[tuple[float, float]]) -> SafeString:
    """A dot on each point while they are few: two reads an hour apart would otherwise be a bare stroke."""
    return format_html_join(
        "", '<circle class="dot {}" cx="{}" cy="{}" r="3.5"/>', ((name, _n(x), _n(y)) for x, y in coords)
    )


def _axis_range(low: float, high: float, points: Sequence[dict]) -> SafeString:
    first, last = points[0]["day"], points[-1]["day"]
    stamp = "MONTH_DAY_FORMAT" if last - first < SHORT_SPAN else "DATE_FORMAT"  # reads of a day or two: the hour
    return format_html(
        '<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/><line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
        '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="axis" x="{}" y="{}">{}</text><text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
        PAD_LEFT,
        PAD_TOP,
        WIDTH,
        PAD_TOP,
        PAD_LEFT,
        HEIGHT - PAD_BOTTOM,
        WIDTH,
        HEIGHT - PAD_BOTTOM,
        PAD_LEFT - 6,
        PAD_TOP + 4,
        compact(high),
        PAD_LEFT - 6,
        HEIGHT - PAD_BOTTOM + 4,
        compact(low),
        PAD_LEFT,
        HEIGHT - 6,
        _stamp(first, stamp),
        WIDTH,
        HEIGHT - 6,
        _stamp(last, stamp),
    )


def _stamp(value, fmt: str) -> str:
    """An axis end in the dealer's locale (portal.lib.locale); the hour too when the chart spans a day or two."""
    text = date_format(value, fmt)
    return f"{text}, {time_format(value, 'TIME_FORMAT')}" if fmt == "MONTH_DAY_FORMAT" else text
