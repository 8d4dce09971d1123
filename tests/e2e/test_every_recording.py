"""Every recording in ../shared/snmprec through the real path: snmpsim serves it, the agent discovers it and
reads it with the plan the portal computes from its profile, and the portal interprets what came over the wire.

What the interpreter makes of that must equal what it makes of the same OIDs taken straight from the file;
tests/meters checks the latter against LibreNMS's independent expectations (`<name>.expected.json`).
"""

import asyncio

import pytest

from agent_client.snmp.credentials import Credential
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import SnmpSession, Target
from meters.interpret import DISCOVERY_OIDS, identify, interpret
from meters.interpret.plan import plan_for_profile
from meters.services.plans import IDENTITY_WALKS
from tests.support.snmprec import load_recording, read_with_plan, recording_names

pytestmark = pytest.mark.snmp
RECORDINGS = recording_names()


async def discover_and_read(session: SnmpSession, printer, slots: asyncio.Semaphore):
    """What the agent and portal do for one printer: identity read, profile, plan, plan read."""
    target = Target(printer.ip, printer.port, Credential("c1", "2c", "public"), timeout=2.0, retries=1)
    async with slots:
        found = await PlanReader(session, target).read(Plan(list(DISCOVERY_OIDS), list(IDENTITY_WALKS)))
        profile = identify(found.varbinds)
        gets, walks = plan_for_profile(profile)
        live = await PlanReader(session, target).read(Plan(gets, walks))
    return found, profile, gets, walks, live


@pytest.fixture(scope="module")
def wire_reads(snmpsim_factory):
    """Every recording read over SNMP at once, through one agent session (as a site's agent reads its fleet)."""
    fleet = snmpsim_factory(RECORDINGS)

    async def main():
        session, slots = SnmpSession(), asyncio.Semaphore(16)
        try:
            reads = [discover_and_read(session, fleet.printer(name), slots) for name in RECORDINGS]
            return dict(zip(RECORDINGS, await asyncio.gather(*reads), strict=True))
        finally:
            session.close()

    return asyncio.run(main())


@pytest.mark.parametrize("name", RECORDINGS)
def test_a_recording_reads_the_same_over_the_wire_as_from_the_file(wire_reads, name):
    found, profile, gets, walks, live = wire_reads[name]
    assert found.varbinds, f"{name}: no answer to discovery ({found.error})"
    over_the_wire = interpret(live.varbinds, profile)
    from_the_file = interpret(read_with_plan(load_recording(name), gets, walks), profile)
    assert over_the_wire.identity == from_the_file.identity
    assert over_the_wire.meters == from_the_file.meters
    assert over_the_wire.supplies == from_the_file.supplies
    assert over_the_wire.alerts == from_the_file.alerts
