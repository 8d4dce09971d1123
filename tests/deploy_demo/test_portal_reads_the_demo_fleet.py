"""What `make demo` promises: the real agent reads every demo printer and the portal understands it.

The agent's own SNMP reader (agent_client) reads each printer with the plan the portal computes for
it, and the portal's interpreter (meters.interpret) turns the varbinds into identity, meters,
supplies and alerts, exactly as in the demo; only HTTP between the two is left out.
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
def readings(served_fleet: ServedFleet) -> list[DeviceReading]:
    """Every demo printer as the portal understands it, in fleet.json order."""
    return asyncio.run(_read_all(served_fleet))


def test_the_portal_identifies_every_demo_printer_read_by_the_agent(
    served_fleet: ServedFleet, readings: list[DeviceReading]
) -> None:
    for row, reading in zip(served_fleet.devices, readings, strict=True):
        identity = reading.identity
        assert (identity.manufacturer, identity.serial) == (row["vendor"], row["serial"]), row["address"]
        assert identity.mac == row["mac"].lower()
        assert row["model"] in (identity.model or ""), f"{row['model']} read as {identity.model}"


def test_the_portal_finds_meters_toners_and_alerts_on_every_demo_printer(
    served_fleet: ServedFleet, readings: list[DeviceReading]
) -> None:
    for row, reading in zip(served_fleet.devices, readings, strict=True):
        name = f"{row['vendor']} {row['model']}"
        total = reading.meter("total")
        assert total is not None and total.value > 0, name
        colours = {supply.colour for supply in reading.supplies if supply.kind in ("toner", "ink")}
        assert colours == ({"black", "cyan", "magenta", "yellow"} if row["colour"] else {"black"}), name
        descriptions = [alert.description for alert in reading.alerts]
        assert descriptions == ([row["alert"]] if row["alert"] else []), name


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
