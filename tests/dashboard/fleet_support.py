"""Devices with real reads from the printer recordings, for the dashboard tests.

One recording can stand for many printers: the recording's serial is swapped for a unique one in every
varbind that carries it (discovery and reads alike), so each copy is its own device.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meters.interpret import identify
from meters.interpret.identity import read_identity
from meters.interpret.varbinds import VarbindIndex
from meters.models import Device, Supply
from meters.services.ingest import result_interpret
from tests.meters.ingest_support import discovery_payload, read, store_result

RECORDING = "konica_c250i"


def swap_serial(original: str, serial: str) -> Callable[[list], list]:
    def edit(vb: list) -> list:
        if isinstance(vb[2], str) and original and vb[2].strip() == original:
            vb[2] = serial
        return vb

    return edit


def recording_serial() -> str:
    """The serial the portal reads from the recording's discovery answer."""
    index = VarbindIndex(discovery_payload(RECORDING, "10.0.0.1")["devices"][0]["varbinds"])
    return read_identity(index, identify(index), []).serial or ""


def discover_as(agent, ip: str, original: str, serial: str) -> Device:
    payload = discovery_payload(RECORDING, ip)
    edit = swap_serial(original, serial)
    payload["devices"][0]["varbinds"] = [edit(list(vb)) for vb in payload["devices"][0]["varbinds"]]
    result_interpret(result=store_result(agent, "discover", payload))
    return Device.objects.get(ip=ip, site=agent.site)


def read_as(agent, device: Device, original: str, *, days_ago: float = 0.01, edits: tuple = ()) -> None:
    swaps = [swap_serial(original, device.serial), *edits]

    def edit(vb: list) -> list:
        for one in swaps:
            vb = one(vb)
        return vb

    read(agent, device, RECORDING, at=timezone.now() - timedelta(days=days_ago), edit=edit)


def black_toner(device: Device) -> Supply:
    return device.supplies.filter(kind="toner", colour__iexact="black").first() or device.supplies.get(kind="toner")


def toner_at(supply: Supply, percent: float) -> Callable[[list], list]:
    """The raw level a printer reports for `percent` of this cartridge."""
    capacity = supply.max_capacity if supply.max_capacity and supply.max_capacity > 0 else 100
    raw = round(percent * capacity / 100)

    def edit(vb: list) -> list:
        if vb[0] == supply.key:
            vb[2] = raw
        return vb

    return edit


def fleet_of(agent, count: int, *, prefix: str) -> list[Device]:
    """`count` printers at the agent's site, each discovered and read once."""
    original = recording_serial()
    devices = []
    for index in range(count):
        device = discover_as(agent, f"10.{prefix}.{index + 1}", original, f"{prefix.replace('.', '')}X{index:03d}")
        read_as(agent, device, original, days_ago=(index + 1) / 24)
        devices.append(device)
    return devices


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)
