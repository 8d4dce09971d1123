"""Each device's SteadyState: what its next changes-only read is advanced from (meters.services.steady_ingest).

A state says which result the device's last read was, which of its OIDs are counters and what its meters
read. It is rebuilt whenever a read of the device is interpreted in full; advanced reads move its head, its
meters and its hop count. After MAX_HOPS advanced reads the next one is interpreted in full and stored whole,
which bounds how far back any stored changes-only entry is from a whole one.
"""

from datetime import datetime

from meters.interpret import DeviceReading
from meters.interpret.profiles import profile_named
from meters.interpret.steady import counter_types, profiles_version
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, SteadyState
from meters.services.reads import meter_sources, rows_upsert, supply_levels

MAX_HOPS = 20
STATE_FIELDS = [
    "head",
    "head_at",
    "hops",
    "profile",
    "profiles_version",
    "mapping",
    "counters",
    "meters",
    "values",
    "mono_only",
    "sources",
    "supply_levels",
]


class SteadyStates:
    """The states of the devices an upload interprets in full, rebuilt from their new readings."""

    def __init__(self, devices: list[Device], result_id: str, *, enabled: bool = True) -> None:
        """`enabled=False` for results that are not meter reads: a `status` read carries other OIDs, and a
        state built from it would leave the next meter read nothing to advance from."""
        self.result_id, self.enabled = result_id, enabled
        states = SteadyState.objects.filter(device__in=devices).only("device_id", "head_at") if enabled else []
        self.head_at = {state.device_id: state.head_at for state in states}
        self.rebuilt: dict[int, dict] = {}  # device pk -> its SteadyState row

    def interpreted(
        self, device: Device, index: VarbindIndex, reading: DeviceReading, at: datetime, *, mapping: str = ""
    ) -> None:
        """After a full interpretation of the device's read at `at` (under the meter mapping `mapping`, its
        meters.interpret.mapping.mapping_version): the state later reads advance from."""
        head_at = self.head_at.get(device.pk)
        if not self.enabled or (head_at is not None and head_at > at):
            return  # an older read arriving late (or re-interpreted): the newer state stands
        self.head_at[device.pk] = at
        self.rebuilt[device.pk] = {
            "device_id": device.pk,
            "head": self.result_id,
            "head_at": at,
            "hops": 0,
            "profile": reading.profile,
            "profiles_version": profiles_version(),
            "counters": counter_types(index, profile_named(reading.profile)),
            "meters": [[m.kind, m.oid, m.rule] for m in reading.counters],
            "values": [m.value for m in reading.counters],
            "mono_only": reading.mono_only,
            "sources": meter_sources(reading),
            "mapping": mapping,
            "supply_levels": supply_levels(reading),
        }

    def save(self) -> None:
        if self.rebuilt:
            rows_upsert(SteadyState, list(self.rebuilt.values()), unique=["device"], update=STATE_FIELDS)
