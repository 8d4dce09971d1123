"""The OID plans the portal sends with `discover`, `read` and `status` directives."""

from __future__ import annotations

from . import printer_mib as mib
from .profiles import Profile, load_profiles, match_profile
from .types import OidPlan


def _serial_oids() -> tuple[str, ...]:
    """Every profile's serial sources: discovery must key a device by the serial its reads will find, or the
    first read takes the printer for another one at the same address."""
    sources = (s for p in load_profiles() for s in (*p.serial, *p.serial_fallback))
    return tuple(dict.fromkeys(source.oid for source in sources))


# What the agent reads from every responder during discovery: enough to pick a profile and key the device.
DISCOVERY_OIDS: tuple[str, ...] = (
    mib.SYS_DESCR,
    mib.SYS_OBJECT_ID,
    mib.SYS_NAME,
    mib.SYS_LOCATION,
    mib.SYS_CONTACT,
    mib.HR_DEVICE_TYPE + ".1",
    mib.HR_DEVICE_DESCR + ".1",
    mib.PRT_GENERAL_SERIAL + ".1",
    mib.IF_PHYS_ADDRESS + ".1",
    *mib.DEVICE_ID_OIDS,
    *_serial_oids(),
)

# What each kind of read covers: a step that stores a section only stores what the read's plan asked for (a
# status scan reads no supplies, so it must neither clear toner alerts nor blank the toner level).
SECTIONS_READ = frozenset({"meters", "supplies", "status", "alerts"})
SECTIONS_STATUS = frozenset({"status", "alerts"})

STATUS_WALKS: tuple[str, ...] = (
    mib.HR_DEVICE_STATUS,
    "1.3.6.1.2.1.25.3.5.1",  # hrPrinterTable: status and detected error state
    mib.PRT_LOCALIZATION_CHARSET,
    mib.PRT_CONSOLE_TEXT,
    mib.PRT_ALERT_TABLE,
)

READ_WALKS: tuple[str, ...] = (
    mib.IF_PHYS_ADDRESS,
    mib.HR_DEVICE_TYPE,
    mib.HR_DEVICE_DESCR,
    mib.PRT_GENERAL_SERIAL,
    mib.PRT_MARKER_COUNTER_UNIT,
    mib.PRT_MARKER_LIFE_COUNT,
    mib.PRT_MARKER_PROCESS_COLORANTS,
    mib.PRT_SUPPLIES,
    mib.PRT_COLORANT_VALUE,
    *STATUS_WALKS,
)


def _dedupe(oids: list[str]) -> list[str]:
    return list(dict.fromkeys(oids))


def _profile_gets(profile: Profile) -> list[str]:
    """Identity sources, counters and decoder inputs are exact instances: always GET."""
    sources = (*profile.serial, *profile.model, *profile.firmware, *profile.console)
    oids = [s.oid for s in sources] + [c.oid for c in profile.counters]
    return oids + list(profile.decoder_options.get("oids", []))


def _profile_walks(profile: Profile) -> list[str]:
    """Self-describing counter tables (value column with its name, type and unit columns) are walked."""
    return [oid for table in profile.counter_tables for oid in table.columns]


def _under(oid: str, prefixes: list[str]) -> bool:
    return any(oid.startswith(prefix + ".") for prefix in prefixes)


def plan_for_profile(profile: Profile) -> tuple[list[str], list[str]]:
    walks = _dedupe([*READ_WALKS, *_profile_walks(profile)])
    gets = [oid for oid in _dedupe([*DISCOVERY_OIDS, *_profile_gets(profile)]) if not _under(oid, walks)]
    return gets, walks


def plan_for(sys_object_id: str | None, sys_descr: str | None, *, device_id: str = "", hr_descr: str = "") -> OidPlan:
    """The full meter-read plan for a device: identity, Printer-MIB, Host-Resources and vendor counters."""
    profile = match_profile(sys_object_id, sys_descr, device_id=device_id, hr_descr=hr_descr)
    gets, walks = plan_for_profile(profile)
    return OidPlan(get=gets, walk=walks)


def status_plan_for(
    sys_object_id: str | None, sys_descr: str | None, *, device_id: str = "", hr_descr: str = ""
) -> OidPlan:
    """The smaller plan of a `status` directive: status, alerts and console text only."""
    profile = match_profile(sys_object_id, sys_descr, device_id=device_id, hr_descr=hr_descr)
    return status_plan_for_profile(profile)


def status_plan_for_profile(profile: Profile) -> OidPlan:
    console = [s.oid for s in profile.console]
    return OidPlan(get=_dedupe([mib.SYS_OBJECT_ID, *console]), walk=list(STATUS_WALKS))
