"""What a site's IT agreed to for scans, as the portal applies it: broadcast or not (and why), the local time window,
the never-scan list. Read by the directives' params, the schedules, the site page and the dealer API alike.
"""

from dataclasses import dataclass
from datetime import datetime, time

from agents.models import Site
from portal.lib.addresses import AddressSet, scope_lines
from portal.lib.due import window_is_open, window_next_open

MIN_WINDOW_MINUTES = 30  # the beat queues due discoveries every 5 minutes: a narrower window could be missed


@dataclass(frozen=True)
class Broadcast:
    on: bool
    reason: str


def site_broadcast(site: Site) -> Broadcast:
    """Broadcast sends the site's communities to every host of the agent's own networks: only when the site asks
    for it and names no targets (a customer who lists ranges has said where the printers are)."""
    if scope_lines(site.scan_targets):
        return Broadcast(False, "the site lists its scan targets")
    if not site.scan_broadcast:
        return Broadcast(False, "turned off for this site")
    return Broadcast(True, "no scan targets listed: the agent also asks every host of its own networks at once")


@dataclass(frozen=True)
class ScanWindow:
    start: time
    end: time
    time_zone: str

    def is_open(self, now: datetime) -> bool:
        return window_is_open(now, self.time_zone, self.start, self.end)

    def next_open(self, now: datetime) -> datetime:
        return window_next_open(now, self.time_zone, self.start, self.end)

    def as_params(self) -> dict:
        return {"start": f"{self.start:%H:%M}", "end": f"{self.end:%H:%M}", "time_zone": self.time_zone}

    def __str__(self) -> str:
        return f"{self.start:%H:%M} to {self.end:%H:%M} {self.time_zone} time"


def site_scan_window(site: Site) -> ScanWindow | None:
    if site.scan_window_start is None or site.scan_window_end is None:
        return None
    return ScanWindow(site.scan_window_start, site.scan_window_end, site.time_zone)


def site_exclusions(site: Site) -> AddressSet:
    return AddressSet(scope_lines(site.scan_exclusions))


def window_errors(start: time | None, end: time | None) -> list[str]:
    """Both ends or neither; at least MIN_WINDOW_MINUTES long (either way round midnight)."""
    if start is None and end is None:
        return []
    if start is None or end is None:
        return ["Give both the start and the end of the scan window, or neither (scans at any time)."]
    minutes = (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % (24 * 60)
    if minutes < MIN_WINDOW_MINUTES:
        return [f"The scan window must be at least {MIN_WINDOW_MINUTES} minutes long."]
    return []
