"""What one discovery changed at its site: printers new, moved to another address, swapped at an address, and
monitored printers it asked for but did not see. Read from the events its interpretation wrote (each carries the
result id: meters.services.devices) and from when each printer was last seen.

"Not seen" is news once: a printer is listed when it was seen (by a discovery or a read) since the site's
previous discovery and not by this one; a printer silent for weeks is not listed again after every scan. A
printer whose address lies outside what the discovery scanned (ScanScope) is "not scanned", only counted. A new
serial at an address where a printer of the site did not answer is one swap ("serial changed at 10.0.0.5"), not
one new printer plus one not seen.
"""

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from agents.choices import DirectiveKind, ResultStatus
from agents.models import DirectiveResult, Site
from meters.choices import EventKind, Lifecycle
from meters.models import Device, DeviceEvent
from meters.services.ingest import AGENT_CLOCK_SKEW, result_time
from portal.lib.addresses import AddressSet

RESULT_EVENTS = (EventKind.NEW, EventKind.ADDRESS, EventKind.MOVED, EventKind.REPLACED)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Moved:
    device: Device
    was: str  # the address before, or the site it came from
    now: str


@dataclass(frozen=True)
class Swapped:
    ip: str
    was: Device
    now: Device | None  # None: the new printer's row is gone (merged or deleted since)


@dataclass(frozen=True)
class DiscoveryDiff:
    site: Site
    at: datetime
    new: list[Device]
    moved: list[Moved]
    swapped: list[Swapped]
    not_seen: list[Device]
    not_scanned: int  # monitored printers it did not see, at addresses it did not scan

    @property
    def changed(self) -> bool:
        return bool(self.new or self.moved or self.swapped or self.not_seen)


def discovery_diff(*, result: DirectiveResult) -> DiscoveryDiff:
    payload = result.payload if isinstance(result.payload, dict) else {}
    site, at = result.directive.site, result_time(result, payload)
    events = list(
        DeviceEvent.objects.filter(details__result=str(result.public_id), kind__in=RESULT_EVENTS)
        .select_related("device")
        .order_by("at", "pk")
    )
    silent = _silent(site, at)
    since = _previous_discovery_at(result)
    scope = _scope(result, payload)
    missing = [d for d in silent if scope.covers(d.ip) and (since is None or d.last_seen_at >= since)]
    swapped = _swapped(events, missing, at, since)
    gone = {swap.was.pk for swap in swapped}
    swapped_in = {swap.now.pk for swap in swapped if swap.now is not None}
    new = [e.device for e in events if e.kind == EventKind.NEW and e.device_id not in swapped_in]
    return DiscoveryDiff(
        site=site,
        at=at,
        new=_by_address(new),
        moved=_moved(events),
        swapped=swapped,
        not_seen=[d for d in missing if d.pk not in gone],
        not_scanned=sum(1 for d in silent if not scope.covers(d.ip)),
    )


def may_hold_news() -> Q:
    """For sweeps over many discoveries, in SQL: those that may have something to tell (events carrying their
    result id, or a monitored printer of the site silent since the previous discovery), so quiet ones are not
    worked out again and again. The silence is judged from when each discovery was queued (its own time is in
    its payload): a printer last seen in the few minutes before the agent ran it is left out here, and only here."""
    events = DeviceEvent.objects.annotate(result=KeyTextTransform("result", "details"))
    earlier = DirectiveResult.objects.filter(
        directive__site=OuterRef(OuterRef("directive__site")),
        directive__kind=DirectiveKind.DISCOVER,
        status=ResultStatus.INTERPRETED,
        received_at__lt=OuterRef(OuterRef("received_at")),
    ).order_by("-received_at")
    since = Coalesce(Subquery(earlier.values("directive__created_at")[:1]), Value(EPOCH))
    silent = Device.objects.filter(
        site=OuterRef("directive__site"), is_monitored=True, last_seen_at__lt=OuterRef("directive__created_at")
    ).exclude(lifecycle=Lifecycle.RETIRED)
    silent = silent.annotate(since=since - AGENT_CLOCK_SKEW).filter(last_seen_at__gte=F("since"))
    return Q(Exists(events.filter(result=Cast(OuterRef("public_id"), CharField())))) | Q(Exists(silent))


def _silent(site: Site, at: datetime) -> list[Device]:
    """The site's monitored printers this discovery did not see: a sighting sets last_seen_at to its time."""
    devices = Device.objects.filter(site=site, is_monitored=True, last_seen_at__lt=at).exclude(
        lifecycle=Lifecycle.RETIRED
    )
    return _by_address(list(devices))


def _previous_discovery_at(result: DirectiveResult) -> datetime | None:
    """When the site's discovery before this one saw its printers (its payload left unread: it can be large)."""
    earlier = DirectiveResult.objects.filter(
        directive__site=result.directive.site_id,
        directive__kind=DirectiveKind.DISCOVER,
        status=ResultStatus.INTERPRETED,
        received_at__lt=result.received_at,
    )
    earlier = earlier.select_related("directive").annotate(finished=KeyTextTransform("finished_at", "payload"))
    last = earlier.defer("payload").order_by("-received_at").first()
    return None if last is None else result_time(last, {"finished_at": last.finished})


@dataclass(frozen=True)
class ScanScope:
    """The addresses the agent asked one by one (portal.lib.addresses reads targets as the agent does). Host names
    are not resolved here (the portal's DNS is not the customer's): a printer behind one is "not scanned" rather
    than wrongly "not seen". Broadcast does not widen it: one unanswered broadcast says nothing of a printer."""

    scanned: AddressSet
    excluded: AddressSet

    def covers(self, ip: str | None) -> bool:
        return ip in self.scanned and ip not in self.excluded


def _scope(result: DirectiveResult, payload: dict) -> ScanScope:
    """The directive's targets (none: the agent's own networks, from the result, else its last heartbeat) less
    its exclusions and the targets the agent refused (`bad_target`, e.g. a network past its size cap); nothing
    when the agent refused the scan for being outside the site's window."""
    params = result.directive.params if isinstance(result.directive.params, dict) else {}
    networks = payload.get("networks") if isinstance(payload.get("networks"), list) else result.agent.networks
    errors = payload.get("errors") if isinstance(payload.get("errors"), list) else []
    codes = {e.get("code") for e in errors if isinstance(e, dict)}
    if "outside_window" in codes:  # the agent refused the whole scan (the customer's window): it scanned nothing
        return ScanScope(scanned=AddressSet([]), excluded=AddressSet([]))
    refused = {str(e.get("target")).strip() for e in errors if isinstance(e, dict) and e.get("code") == "bad_target"}
    targets = [t for t in _lines(params.get("targets")) or _lines(networks) if t not in refused]
    return ScanScope(scanned=AddressSet(targets), excluded=AddressSet(_lines(params.get("exclude"))))


def _lines(value) -> list[str]:
    return [str(item).strip() for item in value if str(item).strip()] if isinstance(value, list) else []


def _swapped(events: list[DeviceEvent], missing: list[Device], at: datetime, since: datetime | None) -> list[Swapped]:
    """Swaps this discovery found, and those a read found since the previous discovery (the printer it replaced
    is silent now). A printer the same discovery saw at another address was not swapped out: it moved."""
    replaced = {e.device_id: e for e in events if e.kind == EventKind.REPLACED and e.device.last_seen_at < at}
    earlier = DeviceEvent.objects.filter(kind=EventKind.REPLACED, device__in=missing).select_related("device")
    for event in earlier.filter(at__gte=since) if since else earlier:
        replaced.setdefault(event.device_id, event)
    swaps = [
        Swapped(ip=e.details.get("ip") or e.device.ip or "", was=e.device, now=_newcomer(e)) for e in replaced.values()
    ]
    return sorted(swaps, key=lambda swap: _address_key(swap.ip))


def _newcomer(event: DeviceEvent) -> Device | None:
    details = event.details
    if details.get("device"):
        return Device.objects.filter(public_id=details["device"]).first()
    serial = str(details.get("now_serial") or "")
    return Device.objects.filter(site=event.device.site_id, serial__iexact=serial).first() if serial else None


def _moved(events: list[DeviceEvent]) -> list[Moved]:
    """Per printer, where it was before this discovery and where it is now; one seen at two addresses in one run
    (wired and wireless) and back where it was is not listed."""
    first: dict[int, DeviceEvent] = {}
    for event in events:
        if event.kind in (EventKind.ADDRESS, EventKind.MOVED):
            first.setdefault(event.device_id, event)
    moved = []
    for event in first.values():
        was = event.details.get("from") if event.kind == EventKind.ADDRESS else _site_name(event.details)
        if was and was != event.device.ip:
            moved.append(Moved(device=event.device, was=was, now=event.device.ip or ""))
    return sorted(moved, key=lambda move: _address_key(move.now))


def _site_name(details: dict) -> str:
    site = Site.objects.filter(public_id=details.get("from_site")).select_related("customer").first()
    return f"{site.customer.name}, {site.name}" if site else "another site"


def _by_address(devices: list[Device]) -> list[Device]:
    return sorted(devices, key=lambda device: _address_key(device.ip))


def _address_key(ip: str | None) -> tuple[int, int]:
    try:
        return 0, int(ipaddress.ip_address(str(ip)))
    except ValueError:
        return 1, 0
