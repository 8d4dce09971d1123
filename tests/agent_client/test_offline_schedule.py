"""Issue 13: with the portal unreachable the agent keeps reading meters on its last known schedule, and sends the
reads once the portal is back. Against a real HTTP portal that goes away; the agent's clock is moved on, not
waited for; directives run by a stand-in runner (no SNMP)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent_client.offline import SELF_SCHEDULED, OfflineReads, next_read
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.service import Agent
from agent_client.timeutil import now_iso
from tests.agent_client.fake_portal import TOKEN, FakePortal

EVERY_HOUR = {"time_zone": "Europe/Berlin", "hours": list(range(24))}
CREDENTIAL = {"id": "c1", "version": "2c", "community": "x"}
PLAN = {"get": ["1.3.6.1.2.1.1.1.0"], "walk": []}
DEVICES = [
    {"device_id": f"dev-{n}", "ip": f"10.0.0.{n}", "port": 161, "credential": CREDENTIAL, "plan": PLAN} for n in (1, 2)
]


class Reader:
    """Stands in for the SNMP worker: remembers what it was asked to read."""

    def __init__(self) -> None:
        self.asked: list[dict[str, Any]] = []

    async def __call__(self, directive: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(directive)
        read = {"ok": True, "error": None, "varbinds": [["1.3.6.1.2.1.1.1.0", "str", "printer"]]}
        devices = [{"device_id": d["device_id"], "ip": d["ip"], **read} for d in directive["params"]["devices"]]
        return {"kind": "read", "started_at": now_iso(), "finished_at": now_iso(), "devices": devices}


def make_agent(portal: FakePortal, path: Path, reader: Reader) -> Agent:
    return Agent(PortalClient(portal.url, TOKEN, timeout=5), Outbox(path), poll_interval=1, runner=reader)


def later(hours: float):
    return lambda: datetime.now(UTC) + timedelta(hours=hours)


@pytest.fixture
def portal():
    server = FakePortal(read_schedule=EVERY_HOUR).start()
    yield server
    server.stop()


def test_portal_away_past_read_hours_the_agent_reads_itself_and_uploads_when_back(portal, tmp_path):
    reader = Reader()
    agent = make_agent(portal, tmp_path / "o.sqlite3", reader)
    portal.add_directive("read", {"timeout": 2.0, "retries": 1, "devices": DEVICES})
    asyncio.run(agent.cycle())
    portal.stop()  # the site's Internet goes down

    agent.outbox.close()  # and the PC restarts meanwhile: the schedule and devices were kept on disk
    agent = make_agent(portal, tmp_path / "o.sqlite3", reader)
    agent.clock = later(3)
    asyncio.run(agent.step())
    [own] = reader.asked[1:]
    assert (own["kind"], own["params"]["devices"]) == ("read", DEVICES)  # the last read's devices, credentials too
    assert [e.directive_id for e in agent.outbox.pending()] == [SELF_SCHEDULED]

    asyncio.run(agent.step())  # the same hour again: no second read
    agent.clock = later(5)
    asyncio.run(agent.step())  # a later read hour, still away
    assert len(reader.asked) == 3 and agent.outbox.depth() == 2

    portal.start()  # back on the same port
    asyncio.run(agent.step())
    reads = portal.calls("/reads")
    assert len(reads) == 2 and agent.outbox.depth() == 0
    assert all(r.body["kind"] == "read" and r.body["finished_at"] for r in reads)
    # Sent as changes to the portal's read: a device by its id, or (compact form) by its position in that read.
    assert [d.get("device_id") or DEVICES[d["i"]]["device_id"] for d in reads[0].body["devices"]] == ["dev-1", "dev-2"]
    assert len(portal.results) == 3  # the portal's read and both of the agent's own, each once


def test_a_portal_that_sends_no_schedule_gets_no_reads_the_agent_took_itself(portal, tmp_path):
    portal.read_schedule = None  # a portal older than offline reads would not take them
    reader = Reader()
    agent = make_agent(portal, tmp_path / "o.sqlite3", reader)
    portal.add_directive("read", {"devices": DEVICES})
    asyncio.run(agent.cycle())
    portal.stop()
    agent.clock = later(3)
    asyncio.run(agent.step())
    assert len(reader.asked) == 1 and agent.outbox.depth() == 0


def test_while_the_portal_answers_the_reads_are_its_to_schedule(portal, tmp_path):
    reader = Reader()
    agent = make_agent(portal, tmp_path / "o.sqlite3", reader)
    portal.add_directive("read", {"devices": DEVICES})
    asyncio.run(agent.cycle())
    agent.clock = later(3)  # read hours pass, the portal (here) sends no read: it has its reasons
    asyncio.run(agent.step())
    assert len(reader.asked) == 1 and agent.outbox.depth() == 0


def test_read_hours_only_the_portal_was_away_for_are_the_agents(tmp_path):
    reads = OfflineReads(Outbox(tmp_path / "o.sqlite3"))
    reads.adopt_schedule({"time_zone": "Europe/Berlin", "hours": [7, 12, 17]})
    read_at = datetime(2026, 11, 21, 6, 5, tzinfo=UTC)  # 07:05 in Berlin: the 07:00 read
    reads.remember_read({"kind": "read", "params": {"devices": DEVICES}}, read_at)
    grace = timedelta(minutes=15)
    contact_after_noon = datetime(2026, 11, 21, 11, 30, tzinfo=UTC)  # the portal answered past 12:15 Berlin
    assert reads.due(datetime(2026, 11, 21, 15, 0, tzinfo=UTC), contact_after_noon, grace) is None  # noon: its
    assert reads.due(datetime(2026, 11, 21, 16, 16, tzinfo=UTC), contact_after_noon, grace) is not None  # 17:00
    contact_before_noon = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert reads.due(datetime(2026, 11, 21, 11, 16, tzinfo=UTC), contact_before_noon, grace) is not None


def test_the_next_read_hour_follows_the_sites_clock_across_a_dst_change():
    hours = [7, 12]
    saturday_evening = datetime(2026, 10, 24, 18, 0, tzinfo=UTC)  # Berlin leaves summer time that night
    assert next_read(saturday_evening, "Europe/Berlin", hours) == datetime(2026, 10, 25, 6, 0, tzinfo=UTC)
    assert next_read(datetime(2026, 10, 25, 6, 0, tzinfo=UTC), "Europe/Berlin", hours) == datetime(
        2026, 10, 25, 11, 0, tzinfo=UTC
    )
    assert next_read(saturday_evening, "Not/AZone", hours) > saturday_evening  # falls back to the PC's zone
