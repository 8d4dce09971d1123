"""Raw varbinds in, one DeviceReading out: the whole interpretation of a read, no Django."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import brother
from . import printer_mib as mib
from .billing import compose, is_mono_only
from .identity import identity_texts, read_identity
from .mapping import mapped_counters
from .meters import read_counters
from .profiles import Profile, match_profile, profile_named
from .status import read_alerts, read_status
from .supplies import read_supplies
from .types import DeviceReading, Meter, Problem, Supply, Varbind
from .varbinds import VarbindIndex

Decoder = Callable[[VarbindIndex, dict[str, Any], list[Problem]], tuple[list[Meter], list[Supply]]]

# Profiles name their decoder; adding a vendor blob format is one function and one line here.
DECODERS: dict[str, Decoder] = {"brother": brother.decode}


def identify(varbinds: Iterable[Varbind] | VarbindIndex) -> Profile:
    """The profile for a device from whatever identity OIDs were read (discovery or a full read)."""
    index = varbinds if isinstance(varbinds, VarbindIndex) else VarbindIndex(varbinds)
    texts = identity_texts(index)
    return match_profile(
        texts["sys_object_id"], texts["sys_descr"], device_id=texts["device_id"], hr_descr=texts["hr_descr"]
    )


def _decoded(index: VarbindIndex, profile: Profile, problems: list[Problem]) -> tuple[list[Meter], list[Supply]]:
    if not profile.decoder:
        return [], []
    return DECODERS[profile.decoder](index, profile.decoder_options, problems)


def _merge_supplies(standard: list[Supply], vendor: list[Supply]) -> list[Supply]:
    """A vendor record of the same kind and colour replaces the Printer-MIB row (Brother reports toner
    as -3 "some remaining" in the Printer-MIB but as an exact percentage in its own records)."""
    covered = {(s.kind, s.colour) for s in vendor if s.level_percent is not None}
    return [s for s in standard if (s.kind, s.colour) not in covered] + vendor


def _structure_problems(index: VarbindIndex) -> list[Problem]:
    if len(index) and not index.has_subtree(mib.PRINTER_MIB):
        return [Problem("no_printer_mib", "device answered no Printer-MIB (RFC 3805) objects")]
    return []


def interpret(
    varbinds: Iterable[Varbind] | VarbindIndex,
    profile: Profile | str | None = None,
    *,
    overrides: Mapping[str, str] | None = None,
) -> DeviceReading:
    """Interpret one device's varbinds. Pass the device's profile (or its name) when the read carries no
    identity OIDs, as a `status` read does; otherwise it is matched from the varbinds. `overrides` is the
    dealer's meter mapping for the device's model (OID -> billing kind, "" for not billed; see
    meters.interpret.mapping)."""
    index = varbinds if isinstance(varbinds, VarbindIndex) else VarbindIndex(varbinds)
    if isinstance(profile, str):
        profile = profile_named(profile)
    profile = profile or identify(index)
    problems = _structure_problems(index)
    extra_meters, vendor_supplies = _decoded(index, profile, problems)
    identity = read_identity(index, profile, problems)
    counters = mapped_counters(read_counters(index, profile, extra_meters, problems), overrides or {})
    mono_only = is_mono_only(index)
    supplies = _merge_supplies(read_supplies(index, profile, problems), vendor_supplies)
    return DeviceReading(
        profile=profile.name,
        identity=identity,
        meters=compose(counters, mono_only=mono_only),
        supplies=supplies,
        status=read_status(index, profile),
        alerts=read_alerts(index),
        problems=problems,
        counters=counters,
        mono_only=mono_only,
    )
