"""Site schedules: discovery twice a week, reads through the day, status scans for alerts.

Each site keeps its next due times (UTC) on its row; a beat pass every few minutes queues what is due.
An agent that was away finds one directive of each kind waiting, not one per missed slot (directive_request
dedupes pending ones), and the next time is computed from now, so missed slots are not replayed.

Discoveries keep to the site's scan window (agents/scan_scope.py): one due outside it, scheduled or asked for
with "Scan now", is due again when the window opens, and queued by the pass that finds it open.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from agents.choices import DirectiveKind
from agents.models import Directive, Site
from agents.scan_scope import site_scan_window
from meters.services.plans import discover_directive_request, read_directive_request
from portal.lib.due import next_daily, next_interval, next_weekly


def site_next_times(site: Site, dealer, now: datetime) -> dict[str, datetime]:
    weekdays = site.discovery_weekdays or dealer.discovery_weekdays
    hour = site.discovery_hour if site.discovery_hour is not None else dealer.discovery_hour
    return {
        "next_discovery_at": next_weekly(now, site.time_zone, weekdays, hour),
        "next_read_at": next_daily(now, site.time_zone, dealer.read_hours),
        "next_status_at": next_interval(now, dealer.status_interval_minutes),
    }


def site_schedule_reset(*, site: Site, now: datetime | None = None) -> Site:
    """Recomputes every next time (after the site's or the dealer's schedule changed)."""
    for field, value in site_next_times(site, connection.tenant, now or timezone.now()).items():
        setattr(site, field, value)
    site.save(update_fields=["next_discovery_at", "next_read_at", "next_status_at"])
    return site


def sites_dispatch_due(*, now: datetime | None = None) -> dict[str, int]:
    """Queues the directives due now for every active site with an agent; returns counts per kind."""
    now = now or timezone.now()
    dealer = connection.tenant
    counts = {"discover": 0, "read": 0, "status": 0}
    due = Q(next_discovery_at__lte=now) | Q(next_read_at__lte=now) | Q(next_status_at__lte=now)
    unscheduled = Q(next_discovery_at__isnull=True)
    sites = Site.objects.active().filter(agents__revoked_at__isnull=True).filter(due | unscheduled).distinct()
    for site in sites:
        _dispatch_site(site, dealer, now, counts)
    return counts


def _dispatch_site(site: Site, dealer, now: datetime, counts: dict[str, int]) -> None:
    upcoming = site_next_times(site, dealer, now)
    if site.next_discovery_at is None:  # first pass for this site: just schedule it
        site_schedule_reset(site=site, now=now)
        return
    if site.next_discovery_at <= now:
        window = site_scan_window(site)
        if window is None or window.is_open(now):
            discover_directive_request(site=site)
            site.next_discovery_at = upcoming["next_discovery_at"]
            counts["discover"] += 1
        else:  # due, but the site's IT allows scans only in its window: when it opens
            site.next_discovery_at = window.next_open(now)
    if site.next_read_at and site.next_read_at <= now:
        counts["read"] += bool(read_directive_request(site=site, kind=DirectiveKind.READ))
        site.next_read_at = upcoming["next_read_at"]
    if site.next_status_at and site.next_status_at <= now:
        counts["status"] += bool(read_directive_request(site=site, kind=DirectiveKind.STATUS))
        site.next_status_at = upcoming["next_status_at"]
    site.save(update_fields=["next_discovery_at", "next_read_at", "next_status_at"])


@dataclass(frozen=True)
class DiscoveryRequest:
    directive: Directive | None  # None: it waits for the scan window
    runs_at: datetime | None = None  # when the window opens and it is queued


OUTSIDE_WINDOW_NOTE = " (outside the scan window)"


def discovery_request(
    *, site: Site, requested_by: str, outside_window: bool = False, now: datetime | None = None
) -> DiscoveryRequest:
    """A "Scan now": queued at once inside the site's scan window (or with none); outside it, due when it opens,
    unless the user chose to scan outside it now (`outside_window`: the agent then gets no window to check)."""
    now = now or timezone.now()
    window = site_scan_window(site)
    if outside_window and window is not None and not window.is_open(now):  # the record says who chose to
        requested_by = requested_by[: 100 - len(OUTSIDE_WINDOW_NOTE)] + OUTSIDE_WINDOW_NOTE
    if window is None or outside_window or window.is_open(now):
        directive = discover_directive_request(site=site, requested_by=requested_by, outside_window=outside_window)
        return DiscoveryRequest(directive)
    if site.next_discovery_at is None:  # never scheduled yet: schedule reads and status scans too
        site_schedule_reset(site=site, now=now)
    # A slot due before the window opens would be put off to it anyway; one due later comes after this scan.
    site.next_discovery_at = window.next_open(now)
    site.save(update_fields=["next_discovery_at"])
    return DiscoveryRequest(None, site.next_discovery_at)
