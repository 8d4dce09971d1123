"""Meters the customer types in from a device's panel, through a one-time link (meters.services.reading_requests).

An entered read is a MeterRead like an agent's, so reports, the billing export and the monthly rollups use it as
they use any other; its `sources` say rule "entered" and who entered it. A number below the last good read is
refused (the customer is shown the last known one); one that rose by more than the device could have printed
since is stored flagged for the dealer's decision, never silently.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from meters.choices import RULE_ENTERED, EventKind, Lifecycle
from meters.interpret.types import BILLING_KINDS, Flag
from meters.models import Device, DeviceEvent, MeterOffset, MeterRead
from meters.services.reads import device_speed, flags_store, held_devices, meter_flags
from meters.services.rollups import rollups_add

# The split a dealer bills from: required whenever the device states it; other meters may be left empty.
REQUIRED_KINDS = ("total", "mono", "color")


@dataclass(frozen=True)
class KnownMeter:
    """A meter to ask for, with the last good count the customer's panel should be at or above."""

    kind: str
    required: bool
    last: int | None  # as the panel shows it (accepted offsets taken off), None when never read


@dataclass(frozen=True)
class EnteredCheck:
    values: dict[str, int]  # kind -> pages as stored (accepted offsets applied)
    too_low: dict[str, int] = field(default_factory=dict)  # kind -> the last good count, as the panel shows it
    flags: list[Flag] = field(default_factory=list)  # implausible jumps, held for the dealer's decision


def entered_by(read: MeterRead) -> str | None:
    """Who typed a read in (as they gave their name), or None for a read its agent took."""
    for source in (read.sources or {}).values():
        if isinstance(source, dict) and source.get("rule") == RULE_ENTERED:
            return source.get("entered_by") or ""
    return None


def last_good_read(*, device: Device) -> MeterRead | None:
    return device.reads.filter(is_flagged=False).order_by("-read_at").first()


def _offsets(device: Device, at: datetime) -> dict[str, int]:
    """Accepted offsets in force at `at` (a board swap restarts the panel's counter; billing counts on)."""
    offsets: dict[str, int] = defaultdict(int)
    for kind, offset in MeterOffset.objects.filter(device=device, since__lte=at).values_list("meter_kind", "offset"):
        offsets[kind] += offset
    return offsets


def entered_meters(*, device: Device, last: MeterRead | None, at: datetime) -> list[KnownMeter]:
    """The billing meters to ask for: those the last good read states, in billing order; total at least."""
    values = last.values if last else {}
    offsets = _offsets(device, at)
    kinds = [kind for kind in BILLING_KINDS if kind in values or kind == "total"]
    return [
        KnownMeter(kind, kind in REQUIRED_KINDS, values[kind] - offsets[kind] if kind in values else None)
        for kind in kinds
    ]


def entered_read_check(*, device: Device, entered: dict[str, int], last: MeterRead | None, at: datetime):
    """The values to store, the meters refused as lower than the last good read, and the jumps to flag."""
    offsets = _offsets(device, at)
    values = {kind: value + offsets[kind] for kind, value in entered.items()}
    if last is None:
        return EnteredCheck(values)
    before = {kind: value for kind, value in last.values.items() if isinstance(value, int)}
    too_low = {kind: before[kind] - offsets[kind] for kind, value in values.items() if value < before.get(kind, value)}
    if too_low:
        return EnteredCheck(values, too_low=too_low)
    return EnteredCheck(values, flags=meter_flags((before, last.read_at), values, {}, at, speed=device_speed(device)))


@transaction.atomic
def entered_read_store(*, device: Device, check: EnteredCheck, entered_by: str, at: datetime) -> MeterRead:
    """Stores a checked entry as the device's read at `at`: flagged if it jumped, rolled up if not, and the
    device's latest counts when it is its newest good read."""
    # Held with an open reset or jump of the device, like any read after it (meters.services.flags).
    values, flagged = check.values, bool(check.flags) or device.pk in held_devices([device], at)
    sources = {kind: {"rule": RULE_ENTERED, "oids": [], "entered_by": entered_by} for kind in values}
    read = MeterRead.objects.create(
        device=device,
        read_at=at,
        total=values.get("total"),
        mono=values.get("mono"),
        color=values.get("color"),
        values=values,
        sources=sources,
        is_flagged=flagged,
    )
    flags_store([(device.pk, read.pk, check.flags)])
    rollups_add([read])
    DeviceEvent.objects.create(
        device=device, kind=EventKind.ENTERED, at=at, details={"by": entered_by, "flagged": flagged}
    )
    if not flagged and (device.last_read_at is None or at >= device.last_read_at):
        _set_latest(device, read)
    return read


def _set_latest(device: Device, read: MeterRead) -> None:
    device.latest_total, device.latest_mono, device.latest_color = read.total, read.mono, read.color
    device.last_read_at = read.read_at
    # Still not read by its agent, so not active; but read, so back on reports (pink, as stale) if it had left them.
    if device.lifecycle == Lifecycle.RETIRED:
        device.lifecycle = Lifecycle.STALE
    device.save(update_fields=["latest_total", "latest_mono", "latest_color", "last_read_at", "lifecycle"])
