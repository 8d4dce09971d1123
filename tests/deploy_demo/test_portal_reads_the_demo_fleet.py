"""What `make demo` promises: the real agent reads every demo printer and the portal understands it.

The agent's own SNMP reader (agent_client) reads each printer with the plan the portal computes for
it, and the portal's interpreter (meters.interpret) turns the varbinds into identity, meters,
supplies and alerts, exactly as in the demo; only HTTP between the two is left out. The fleet holds
still while it is read (conftest.still_fleet), so its totals and their parts are read at one instant.
"""

import asyncio

import pytest

from agent_client.snmp.credentials import Credential
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import SnmpSession, Target
from meters.interpret import DISCOVERY_OIDS, DeviceReading, identify, interpret
from meters.interpret.plan import plan_for_profile
from tests.deploy_demo.conftest import Row, ServedFleet

pytestmark = pytest.mark.snmp


@pytest.fixture(scope="module")
def readings(still_fleet: ServedFleet) -> list[DeviceReading]:
    """Every demo printer as the portal understands it, in fleet.json order."""
    return asyncio.run(_read_all(still_fleet))


def test_the_portal_identifies_every_demo_printer_read_by_the_agent(
    still_fleet: ServedFleet, readings: list[DeviceReading]
) -> None:
    for row, reading in zip(still_fleet.devices, readings, strict=True):
        identity = reading.identity
        assert (identity.manufacturer, identity.serial) == (row["vendor"], row["serial"]), row["address"]
        assert identity.mac == row["mac"].lower()
        assert row["model"] in (identity.model or ""), f"{row['model']} read as {identity.model}"


def test_the_portal_finds_meters_toners_and_alerts_on_every_demo_printer(
    still_fleet: ServedFleet, readings: list[DeviceReading]
) -> None:
    for row, reading in zip(still_fleet.devices, readings, strict=True):
        name = f"{row['vendor']} {row['model']}"
        total = reading.meter("total")
        assert total is not None and total.value > 0, name
        colours = {supply.colour for supply in reading.supplies if supply.kind in ("toner", "ink")}
        assert colours == ({"black", "cyan", "magenta", "yellow"} if row["colour"] else {"black"}), name
        descriptions = [alert.description for alert in reading.alerts]
        assert descriptions == ([row["alert"]] if row["alert"] else []), name


def test_every_colour_demo_printer_shows_mono_and_colour_that_add_up_to_its_total(
    still_fleet: ServedFleet, readings: list[DeviceReading]
) -> None:
    colour_rows = [(row, reading) for row, reading in zip(still_fleet.devices, readings, strict=True) if row["colour"]]
    assert {row["vendor"] for row, _ in colour_rows} == {row["vendor"] for row in still_fleet.devices}
    wrong = []
    for row, reading in colour_rows:
        shown = {kind: meter.value if (meter := reading.meter(kind)) else None for kind in ("total", "mono", "color")}
        total, mono, colour = shown.values()
        if not (mono and colour and total == mono + colour):
            wrong.append(f"{row['vendor']} {row['model']}: {shown}")
    assert not wrong, "colour printers without mono + colour = total:\n" + "\n".join(wrong)


async def _read_all(fleet: ServedFleet) -> list[DeviceReading]:
    session = SnmpSession()
    try:
        return [await _read(session, fleet, row) for row in fleet.devices]
    finally:
        session.close()


async def _read(session: SnmpSession, fleet: ServedFleet, row: Row) -> DeviceReading:
    target = Target(row["address"], fleet.port, Credential(id="demo", version="2c", community="public"))
    discovered = await PlanReader(session, target).read(Plan(get=list(DISCOVERY_OIDS)))
    profile = identify(discovered.varbinds)
    gets, walks = plan_for_profile(profile)
    read = await PlanReader(session, target).read(Plan(get=gets, walk=walks))
    assert read.ok, f"{row['address']}: {read.error}"
    return interpret(read.varbinds, profile)
