"""The OID plans read directives carry, computed from each device's vendor profile."""

import copy
from functools import lru_cache

from django.db import transaction

from agents.choices import DirectiveKind, DirectiveStatus
from agents.models import Directive, Site
from agents.scan_scope import site_exclusions
from agents.services.directives import directive_request, discover_params, read_scope_params
from meters.choices import Lifecycle
from meters.interpret import DISCOVERY_OIDS, OidPlan, match_profile
from meters.interpret import printer_mib as mib
from meters.interpret.plan import plan_for_profile, status_plan_for_profile
from meters.interpret.profiles import ENTERPRISE_PREFIX, Profile, load_profiles, profile_named
from meters.models import Device

# Walked at discovery as well as the exact GETs: the printer's hrDevice row or interface is not always .1.
IDENTITY_WALKS = (mib.HR_DEVICE_TYPE, mib.HR_DEVICE_DESCR, mib.PRT_GENERAL_SERIAL, mib.IF_PHYS_ADDRESS)


def devices_to_read(site: Site):
    return site.devices.filter(is_monitored=True, ip__isnull=False).exclude(lifecycle=Lifecycle.RETIRED)


def device_profile(device: Device) -> Profile:
    """The profile the device was identified with (a Brother known only by its 1284 ID has no sysDescr)."""
    try:
        return profile_named(device.profile)
    except KeyError:
        return match_profile(device.sys_object_id, device.sys_descr)


def device_plan(device: Device, *, status_only: bool = False) -> OidPlan:
    profile = device_profile(device)
    if status_only:
        return status_plan_for_profile(profile)
    return device_plan_for(profile)


def device_plan_entry(device: Device, *, status_only: bool = False) -> dict:
    plan = device_plan(device, status_only=status_only)
    return {
        "device_id": str(device.public_id),
        "ip": device.ip,
        "port": device.port,
        "credential_ref": device.credential_id,
        "plan": plan.as_dict(),
    }


def read_directive_request(*, site: Site, kind: str = DirectiveKind.READ, requested_by: str = "schedule"):
    """Queues a read (or status) directive for the site's monitored devices; None if there are none."""
    devices = not_excluded(site, devices_to_read(site))
    if not devices:
        return None
    entries = [device_plan_entry(d, status_only=kind == DirectiveKind.STATUS) for d in devices]
    params = {"timeout": 2.0, "retries": 1, "devices": entries, **read_scope_params(site=site)}
    return directive_request(site=site, kind=kind, params=params, requested_by=requested_by)


def device_read_refusal(device: Device) -> tuple[str, str] | None:
    """Why this device cannot be read now, as (code, sentence); None when it can."""
    if device.site.archived_at:
        return "archived", "The device's site is archived."
    if not device.is_monitored or device.lifecycle == Lifecycle.RETIRED:
        return "not_monitored", "This device is not monitored: monitor it again to read it."
    if not device.ip:
        return "no_address", "The portal knows no address for this device yet: run a discovery of its site."
    return None


def devices_read_request(*, site: Site, devices: list[Device], requested_by: str):
    """Queues a read of just these devices ("Read now" on one device; what a discovery found but could not read).
    A read of the site still pending keeps its devices and gains these: replacing its list would drop reads."""
    entries = [device_plan_entry(device) for device in not_excluded(site, devices)]
    with transaction.atomic():
        pending = (
            Directive.objects.select_for_update()
            .filter(site=site, kind=DirectiveKind.READ, status=DirectiveStatus.PENDING)
            .first()
        )
        queued = pending.params.get("devices", []) if pending else []
        ids = {entry.get("device_id") for entry in queued}
        params = {"timeout": 2.0, "retries": 1, "devices": queued + [e for e in entries if e["device_id"] not in ids]}
        params.update(read_scope_params(site=site))
        return directive_request(site=site, kind=DirectiveKind.READ, params=params, requested_by=requested_by)


def not_excluded(site: Site, devices) -> list[Device]:
    """A device whose address went on the site's never-scan list is not read (the agent would refuse it too)."""
    excluded = site_exclusions(site)
    return [device for device in devices if device.ip not in excluded]


def discover_directive_request(*, site: Site, requested_by: str = "schedule", outside_window: bool = False):
    """Queues a discovery; the identity OIDs come from the profiles, so a better profile helps every site. Mind the
    site's scan window: meters.services.schedules.discovery_request decides when (this queues it now)."""
    params = discover_params(site=site, outside_window=outside_window)
    params["identity"] = {"get": list(DISCOVERY_OIDS), "walk": list(IDENTITY_WALKS)}
    params["read_plan"] = discovery_read_plan()
    return directive_request(site=site, kind=DirectiveKind.DISCOVER, params=params, requested_by=requested_by)


def discovery_read_plan() -> dict:
    return copy.deepcopy(_discovery_read_plan())


@lru_cache(maxsize=1)
def _discovery_read_plan() -> dict:
    """What the agent reads from each printer it discovers, so that one result brings devices and meters
    (docs/agent-protocol.md, "Reads in the discovery"). The agent cannot pick a profile (that takes the portal's
    vendor knowledge), but it can match a sysObjectID: `base` is the generic plan every printer gets, and
    `by_prefix` adds, per enterprise prefix, what that vendor's profiles read beyond it. Compact: ~15 vendors add
    a few OIDs each to one shared base. Cached: profiles load once per process."""
    base = device_plan_for(profile_named("generic"))
    by_prefix: dict[str, OidPlan] = {}
    for profile in load_profiles():
        gets, walks = plan_for_profile(profile)
        for enterprise in profile.enterprises:
            known = by_prefix.setdefault(f"{ENTERPRISE_PREFIX}{enterprise}", OidPlan(get=[], walk=[]))
            known.get.extend(oid for oid in gets if oid not in base.get and oid not in known.get)
            known.walk.extend(oid for oid in walks if oid not in base.walk and oid not in known.walk)
    return {
        "timeout": 2.0,
        "retries": 1,
        "base": base.as_dict(),
        "by_prefix": {k: p.as_dict() for k, p in by_prefix.items()},
    }


def device_plan_for(profile: Profile) -> OidPlan:
    gets, walks = plan_for_profile(profile)
    return OidPlan(get=gets, walk=walks)


def discovery_plan_used(read_plan: dict, prefix: str) -> OidPlan:
    """The plan the agent read a device with: the base, and what its sysObjectID prefix (as it reports) adds; with
    no prefix, what every prefix adds (agent_client/discovery/reads.py)."""
    by_prefix = read_plan.get("by_prefix") if isinstance(read_plan.get("by_prefix"), dict) else {}
    extras = [by_prefix.get(prefix) or {}] if prefix else list(by_prefix.values())
    parts = [part for part in [read_plan.get("base") or {}, *extras] if isinstance(part, dict)]
    return OidPlan(
        get=[oid for part in parts for oid in part.get("get") or []],
        walk=[oid for part in parts for oid in part.get("walk") or []],
    )


def plan_covers(used: OidPlan, device: Device) -> bool:
    """Whether a read made with `used` holds all that the device's own plan asks: the agent picked the plan by
    sysObjectID, the portal identifies by more (a Toshiba answering with Lexmark's enterprise number is read with
    Lexmark's plan). A read that misses some of it is not stored: the device is read again with its own plan."""
    needed = device_plan(device)
    gets = set(used.get)

    def covered(oid: str) -> bool:
        return oid in gets or any(oid == walk or oid.startswith(walk + ".") for walk in used.walk)

    return all(covered(oid) for oid in [*needed.get, *needed.walk])
