"""Changes-only reads advanced from the previous interpretation (meters.interpret.steady), per upload.

A device's SteadyState says which result its last read was, which OIDs are counters and what its meters
read. An entry based on exactly that result, changing nothing but counters, becomes new meter values and
nothing else; every other read is interpreted in full and rebuilds the state. After MAX_HOPS advanced
reads the next one is interpreted in full and stored whole, which bounds how far back any stored
changes-only entry is from a whole one.
"""

from dataclasses import dataclass
from datetime import datetime

from meters.interpret import DeviceReading, Meter
from meters.interpret.profiles import profile_named
from meters.interpret.steady import advanced_meters, counter_types, profiles_version
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, SteadyState
from portal.lib.bulk import bulk_update_rows

MAX_HOPS = 20
STATE_FIELDS = ["head", "head_at", "hops", "profile", "profiles_version", "counters", "meters", "supply_levels"]


@dataclass(frozen=True)
class SteadyReading:
    """A read in which only page counters moved: new meter values; supplies, alerts and status stand."""

    meters: list[Meter]
    supply_levels: dict[str, float]


def supply_levels(reading: DeviceReading) -> dict[str, float]:
    return {s.oid: s.level_percent for s in reading.supplies if s.level_percent is not None}


class SteadyReads:
    """The steady states of one upload's devices: what can be advanced, and what changed."""

    def __init__(self, devices: list[Device], result_id: str, *, enabled: bool = True) -> None:
        """`enabled=False` for results that are not meter reads: a `status` read carries other OIDs, and a
        state built from it would leave the next meter read nothing to advance from."""
        self.result_id, self.enabled = result_id, enabled
        states = SteadyState.objects.filter(device__in=devices) if enabled else []
        self.states = {state.device_id: state for state in states}
        self.version = profiles_version()
        self.advanced: list[SteadyState] = []
        self.rebuilt: list[SteadyState] = []

    def advance(self, device: Device, entry: dict, at: datetime) -> SteadyReading | None:
        """The read of a changes-only entry if only counters moved since the device's last read, else None."""
        state = self.states.get(device.pk)
        if state is None or not self._current(state, device, entry, at):
            return None
        meters = advanced_meters(_meters(state.meters), state.counters, entry.get("changed") or [],
                                 entry.get("removed") or [])  # fmt: skip
        if meters is None:
            return None
        state.head, state.head_at, state.hops, state.meters = self.result_id, at, state.hops + 1, _rows(meters)
        self.advanced.append(state)
        return SteadyReading(meters, state.supply_levels)

    def _current(self, state: SteadyState, device: Device, entry: dict, at: datetime) -> bool:
        return (
            str(state.head) == str(entry.get("base"))
            and state.hops < MAX_HOPS
            and state.head_at < at
            and state.profile == (device.profile or state.profile)
            and state.profiles_version == self.version
            and not any(problem.get("code") == "read_failed" for problem in device.problems or [])
        )  # a read that failed since replaced the problems the last interpretation left: interpret in full

    def interpreted(self, device: Device, index: VarbindIndex, reading: DeviceReading, at: datetime) -> None:
        """After a full interpretation of the device's read at `at`: the state later reads advance from."""
        state = self.states.get(device.pk)
        if not self.enabled or (state is not None and state.head_at > at):
            return  # an older read arriving late (or re-interpreted): the newer state stands
        state = state or SteadyState(device=device)
        state.head, state.head_at, state.hops = self.result_id, at, 0
        state.profile, state.profiles_version = reading.profile, self.version
        state.counters = counter_types(index, profile_named(reading.profile))
        state.meters, state.supply_levels = _rows(reading.meters), supply_levels(reading)
        self.states[device.pk] = state
        self.rebuilt.append(state)

    def save(self) -> None:
        rebuilt = {state.device_id: state for state in self.rebuilt}
        advanced = {state.device_id: state for state in self.advanced if state.device_id not in rebuilt}
        bulk_update_rows(list(advanced.values()), ["head", "head_at", "hops", "meters"])
        if rebuilt:
            SteadyState.objects.bulk_create(
                rebuilt.values(), update_conflicts=True, unique_fields=["device"], update_fields=STATE_FIELDS
            )


def _rows(meters: list[Meter]) -> list[list]:
    return [[m.kind, m.value, m.oid, m.label, m.unit] for m in meters]


def _meters(rows: list[list]) -> list[Meter]:
    return [Meter(*row) for row in rows]
