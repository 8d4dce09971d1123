"""Store-and-forward against a real HTTP portal that goes away mid-run and loses an ack: nothing lost,
nothing duplicated once it is back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent_client.errors import PortalError, PortalUnavailable
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.service import Agent
from agent_client.worker import run_in_process
from tests.agent_client.conftest import as_dict, v2c
from tests.agent_client.fake_portal import TOKEN, FakePortal

pytestmark = pytest.mark.snmp


def _read_params(fleet) -> dict:
    devices = [
        {
            "device_id": p.recording,
            "ip": p.ip,
            "port": p.port,
            "credential": as_dict(v2c()),
            "plan": {"get": ["1.3.6.1.2.1.1.1.0"], "walk": ["1.3.6.1.2.1.43.11.1.1.9"]},
        }
        for p in fleet.printers[:3]
    ]
    return {"timeout": 1.0, "retries": 1, "devices": devices}


def _agent(portal: FakePortal, outbox_path: Path, runner=run_in_process) -> Agent:
    client = PortalClient(portal.url, TOKEN, timeout=5)
    return Agent(client, Outbox(outbox_path), poll_interval=1, runner=runner)


def test_portal_away_mid_run_loses_nothing_and_duplicates_nothing(snmpsim_fleet, tmp_path):
    portal = FakePortal().start()
    ids = [portal.add_directive("read", _read_params(snmpsim_fleet)), portal.add_directive("status", {"devices": []})]

    async def run_then_portal_goes_away(directive):
        portal.stop()  # the portal vanishes after leasing, while the agent reads printers
        return await run_in_process(directive)

    agent = _agent(portal, tmp_path / "outbox.sqlite3", run_then_portal_goes_away)
    with pytest.raises(PortalUnavailable):
        asyncio.run(agent.cycle())
    assert agent.outbox.depth() == 2  # both results kept while the portal is away

    portal.lose_next_acks = 1  # back, but the first answer is lost on the way: the agent must resend
    portal.start()
    agent.runner = run_in_process
    for _ in range(3):
        try:
            asyncio.run(agent.cycle())
        except PortalUnavailable:
            continue
        if agent.outbox.depth() == 0:
            break
    portal.stop()

    assert agent.outbox.depth() == 0 and agent.outbox.dropped() == 0
    stored = sorted(r["directive_id"] for r in portal.results.values())
    assert stored == sorted(ids)  # each directive's result exactly once
    assert len(portal.duplicates) == 1  # the resend after the lost ack carried the same Idempotency-Key
    read = next(r["body"] for r in portal.results.values() if r["body"]["kind"] == "read")
    assert [d["ok"] for d in read["devices"]] == [True, True, True]
    beats = [r.body for r in portal.calls("/heartbeat")]
    assert beats[1]["outbox_depth"] == 2  # the first heartbeat after the outage told the portal what was waiting


def test_results_are_posted_gzipped_with_idempotency_key_and_token(snmpsim_fleet, tmp_path):
    portal = FakePortal().start()
    portal.add_directive("read", _read_params(snmpsim_fleet))
    try:
        asyncio.run(_agent(portal, tmp_path / "o.sqlite3").cycle())
    finally:
        portal.stop()
    [post] = portal.calls("/result")
    assert post.headers["Content-Encoding"] == "gzip"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Idempotency-Key"] in portal.results
    assert post.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [d["device_id"] for d in post.body["devices"]] == [p.recording for p in snmpsim_fleet.printers[:3]]


def test_a_bad_token_keeps_the_result_but_an_unknown_directive_sets_it_aside(tmp_path):
    portal = FakePortal().start()
    agent = _agent(portal, tmp_path / "o.sqlite3")
    agent.outbox.put("d-unknown", "read", {"kind": "read", "devices": []})
    portal.unknown_directives.add("d-unknown")
    agent.client.token = "mbt_acme_abcdefgh_revoked"
    try:
        with pytest.raises(PortalError, match="401"):
            asyncio.run(agent.flush())  # a revoked token is not the result's fault: it stays
        assert agent.outbox.depth() == 1
        agent.client.token = TOKEN
        asyncio.run(agent.cycle())  # heartbeat, then the flush meets the 404
        asyncio.run(agent.cycle())
    finally:
        portal.stop()
    assert agent.outbox.depth() == 0 and agent.outbox.set_aside_count() == 1  # kept on disk, out of the way
    beat = portal.calls("/heartbeat")[-1].body
    assert beat["outbox_set_aside"] == 1 and beat["outbox_set_aside_detail"][0]["status"] == 404


def test_backoff_grows_and_is_jittered():
    agent = Agent(PortalClient("https://portal.invalid"), outbox=None, poll_interval=1)  # type: ignore[arg-type]
    agent.outbox = type("NoOutbox", (), {"set_state": lambda *a: None})()
    delays = [agent._backoff(PortalUnavailable("away")) for _ in range(12)]
    assert delays[0] < delays[4] < delays[8]
    assert max(delays) <= 900
    assert len({round(d, 3) for d in delays}) == len(delays)
