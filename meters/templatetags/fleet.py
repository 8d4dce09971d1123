"""Template helpers for the fleet pages: relative times in the site's zone, charts, number formats."""

import zoneinfo
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil

from meters import charts
from meters.choices import RULE_ENTERED
from meters.interpret.types import METER_LABELS, RULE_TEXTS, STATED_RULES

register = template.Library()


def _zone(tz) -> zoneinfo.ZoneInfo:
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz
    try:
        return zoneinfo.ZoneInfo(str(tz or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def relative(value: datetime, now: datetime) -> str:
    if abs(now - value) < timedelta(minutes=1):
        return "just now"
    if value > now:
        return f"in {timeuntil(value, now, depth=1)}"
    return f"{timesince(value, now, depth=1)} ago"


@register.simple_tag
def when(value: datetime | None, tz=None, empty: str = "never") -> SafeString:
    """'3 hours ago', with the exact time in the site's time zone on hover (title) and machine-readable."""
    if value is None:
        return format_html('<span class="muted">{}</span>', empty)
    zone = _zone(tz)
    local = timezone.localtime(value, zone)
    exact = f"{date_format(local, 'DATETIME_FORMAT')} ({zone.key})"  # the dealer's locale (portal.lib.locale)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact, relative(value, timezone.now())
    )


@register.filter
def volume_chart(months) -> SafeString:
    return charts.volume_bars([(m.month, m.mono, m.color, m.unsplit) for m in months])


@register.filter
def meter_chart(points, tz=None) -> SafeString:
    """The device's meter chart, its times in the site's zone (tz) so the axis reads as the site's clock."""
    zone = _zone(tz)
    points = [{**p, "day": timezone.localtime(p["day"], zone)} for p in points]
    series = [name for name in ("total", "mono", "color") if any(p.get(name) for p in points)]
    if "total" in series and len(series) == 3:
        series.remove("total")  # mono and colour lines say more than their sum on the same axis
    return charts.meter_lines(points, series)


@register.filter
def meters_in_order(read) -> list[dict]:
    """A read's meters in billing order (total, mono, colour, then by function, size and scans), each with its
    label, pages and where it came from (rule and OIDs), for the device page."""
    values, sources = read.values or {}, read.sources or {}
    order = sorted(values, key=lambda kind: (list(METER_LABELS).index(kind) if kind in METER_LABELS else 99, kind))
    return [_meter_row(kind, values[kind], sources.get(kind)) for kind in order]


def _meter_row(kind: str, pages: int, source) -> dict:
    source = source if isinstance(source, dict) else {"rule": "stated", "oids": [source] if source else []}
    rule = source.get("rule", "stated")
    return {
        "kind": kind,
        "label": METER_LABELS.get(kind, kind.replace("_", " ").capitalize()),
        "pages": pages,
        "derived": rule not in STATED_RULES and rule != RULE_ENTERED,  # typed in from the panel, not worked out
        "source": _source_text(rule, source),
    }


def _source_text(rule: str, source: dict) -> str:
    if rule == RULE_ENTERED:
        return f"entered by the customer ({source.get('entered_by') or 'no name given'}) from the device's panel"
    return f"{RULE_TEXTS.get(rule, rule)}: {', '.join(source.get('oids', []))}"


@register.filter
def compact(number) -> str:
    return "—" if number is None else charts.compact(float(number))


@register.filter
def level_class(percent) -> str:
    if percent is None:
        return "unknown"
    return "low" if percent < 10 else "mid" if percent < 25 else "ok"


@register.inclusion_tag("meters/_fleet_panel.html", takes_context=True)
def fleet_panel(context, *, customer=None, site=None) -> dict:
    """The devices of a customer's or a site's page: a few grouped queries, whatever the fleet's size."""
    from meters import selectors

    site_ids = [site.pk] if site is not None else list(customer.sites.values_list("pk", flat=True))
    devices = list(selectors.site_devices(site_ids=site_ids))
    scope = f"site={site.public_id}" if site is not None else f"customer={customer.public_id}"
    return {
        "devices": devices,
        "scope": scope,
        "show_site": site is None,
        "user": context.get("user"),
        "truncated": len(devices) >= selectors.SITE_DEVICES_LIMIT,
    }


# What a dealer reads for a supply that gives no percentage (the Printer-MIB's -1/-2/-3, or no capacity).
LEVEL_WORDS = {
    "some_remaining": "some left (no level given)",
    "capacity_unknown": "level unknown (no capacity given)",
    "unknown": "level unknown",
    "other": "level not given",
}


@register.filter
def level_words(state: str | None) -> str:
    return LEVEL_WORDS.get(state or "", "level unknown")
