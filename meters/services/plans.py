"""The OID plans read directives carry, computed from each device's vendor profile."""

from agents.choices import DirectiveKind
from agents.models import Site
from agents.services.directives import directive_request, discover_params
from meters.choices import Lifecycle
from meters.interpret import DISCOVERY_OIDS, OidPlan, match_profile
from meters.interpret import printer_mib as mib
from meters.interpret.plan import plan_for_profile, status_plan_for_profile
from meters.interpret.profiles import Profile, profile_named
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
    gets, walks = plan_for_profile(profile)
    return OidPlan(get=gets, walk=walks)


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
    devices = list(devices_to_read(site))
    if not devices:
        return None
    entries = [device_plan_entry(d, status_only=kind == DirectiveKind.STATUS) for d in devices]
    params = {"timeout": 2.0, "retries": 1, "devices": entries}
    return directive_request(site=site, kind=kind, params=params, requested_by=requested_by)


def discover_directive_request(*, site: Site, requested_by: str = "schedule"):
    """Queues a discovery; the identity OIDs come from the profiles, so a better profile helps every site."""
    params = {**discover_params(site=site), "identity": {"get": list(DISCOVERY_OIDS), "walk": list(IDENTITY_WALKS)}}
    return directive_request(site=site, kind=DirectiveKind.DISCOVER, params=params, requested_by=requested_by)
