"""Issue 13: an upload the portal keeps refusing is set aside, kept on disk and reported, and never holds back the
other results or new directives. Against a real HTTP portal; directives run by a stand-in runner (no SNMP)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_client import config as config_mod
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.service import Agent
from agent_client.timeutil import now_iso
from tests.agent_client.fake_portal import TOKEN, FakePortal
from tests.support.paths import REPO_ROOT

PAGES = "1.3.6.1.2.1.43.10.2.1.4.1.1"


class Counter:
    """Reads a printer whose page counter moves on by 10 on every read."""

    def __init__(self) -> None:
        self.pages = 1000

    async def __call__(self, directive: dict[str, Any]) -> dict[str, Any]:
        self.pages += 10
        read = {"ok": True, "error": None, "varbinds": [[PAGES, "counter32", self.pages]]}
        devices = [{"device_id": d["device_id"], "ip": d["ip"], **read} for d in directive["params"]["devices"]]
        return {"kind": "read", "started_at": now_iso(), "finished_at": now_iso(), "devices": devices}


def read_params() -> dict[str, Any]:
    return {"devices": [{"device_id": "dev-1", "ip": "10.0.0.5", "credential": {"id": "c1", "version": "2c"}}]}


@pytest.fixture
def portal():
    server = FakePortal().start()
    yield server
    server.stop()


def make_agent(portal: FakePortal, path: Path) -> Agent:
    return Agent(PortalClient(portal.url, TOKEN, timeout=5), Outbox(path), poll_interval=1, runner=Counter())


def cycle(agent: Agent) -> None:
    asyncio.run(agent.cycle())  # raises if the flush gave up on the portal: the loop would back off


def stored(portal: FakePortal) -> list[str]:
    return sorted(r["directive_id"] for r in portal.results.values())


def test_a_refused_upload_is_set_aside_at_once_and_the_rest_go_through(portal, tmp_path):
    first, bad, answered_elsewhere, last = (portal.add_directive("read", read_params()) for _ in range(4))
    portal.refuse[bad], portal.refuse[answered_elsewhere] = 400, 409
    agent = make_agent(portal, tmp_path / "o.sqlite3")
    cycle(agent)
    assert stored(portal) == sorted([first, last])
    assert agent.outbox.depth() == 0 and agent.outbox.set_aside_count() == 1 and agent.outbox.dropped() == 1

    later = portal.add_directive("read", read_params())  # new work is still leased and answered
    cycle(agent)
    assert later in stored(portal)
    beat = portal.calls("/heartbeat")[-1].body
    assert beat["outbox_set_aside"] == 1
    [entry] = beat["outbox_set_aside_detail"]
    assert set(entry) == {"directive_id", "kind", "status", "reason", "at"}  # never the payload
    assert (entry["directive_id"], entry["kind"], entry["status"]) == (bad, "read", 400)
    assert "Refused by the test" in entry["reason"]
    assert len(portal.calls(f"/directives/{bad}/result")) == 1  # not sent again on its own


def test_an_upload_answered_500_every_time_is_set_aside_after_five_strikes(portal, tmp_path):
    bad = portal.add_directive("read", read_params())
    portal.refuse[bad] = 500
    agent = make_agent(portal, tmp_path / "o.sqlite3")
    good = []
    for n in range(5):
        good.append(portal.add_directive("read", read_params()))
        cycle(agent)  # never raises: a 5xx to one upload is not the portal being away
        assert stored(portal) == sorted(good)  # every other result went through at once
        assert agent.outbox.set_aside_count() == (1 if n == 4 else 0)
    assert agent.failures == 0 and len(portal.calls("/directives")) == 5  # directives leased every cycle
    [entry] = agent.outbox.set_aside_detail()
    assert entry["status"] == 500 and entry["reason"].startswith("5 times:")


def test_when_every_upload_fails_none_is_set_aside_and_all_go_once_the_portal_is_fixed(portal, tmp_path):
    ids = [portal.add_directive("read", read_params()) for _ in range(5)]
    portal.refuse.update(dict.fromkeys(ids, 503))
    agent = make_agent(portal, tmp_path / "o.sqlite3")
    for _ in range(6):
        cycle(agent)
    assert agent.outbox.set_aside_count() == 0 and agent.outbox.depth() == 5
    posts = len(portal.calls("/result"))
    asyncio.run(agent.flush())
    assert len(portal.calls("/result")) - posts == 3  # uploads are down: the flush stops, it does not hammer

    portal.refuse.clear()
    asyncio.run(agent.flush())
    assert stored(portal) == sorted(ids) and agent.outbox.depth() == 0


def test_a_retry_sends_the_first_attempts_body_though_later_reads_moved_the_bases(portal, tmp_path):
    agent = make_agent(portal, tmp_path / "o.sqlite3")
    portal.add_directive("read", read_params())
    cycle(agent)  # acknowledged: the next reads go as changes to this one
    stored_then_failed, _next_one = (portal.add_directive("read", read_params()) for _ in range(2))
    portal.fail_after_storing[stored_then_failed] = 500
    cycle(agent)  # the first is stored but answered 500; the second is acknowledged and becomes the base
    cycle(agent)
    first, retry = (r for r in portal.calls(f"/directives/{stored_then_failed}/result"))
    assert retry.headers["Idempotency-Key"] == first.headers["Idempotency-Key"]
    assert retry.body == first.body  # the same changes against the same base, not against the newer read
    assert "b" in retry.body["devices"][0]  # changes to a base, in the compact form (docs/agent-protocol.md)
    assert portal.duplicates == [first.headers["Idempotency-Key"]] and agent.outbox.depth() == 0


def agent_cli(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agent_client", "--config", str(cfg), "outbox", *args]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True)


def test_an_operator_lists_and_retries_set_aside_uploads_from_the_command_line(portal, tmp_path):
    cfg = tmp_path / "agent.toml"
    config_mod.save(cfg, config_mod.AgentConfig(portal_url=portal.url, token=TOKEN))
    bad = portal.add_directive("read", read_params())
    portal.refuse[bad] = 413
    agent = make_agent(portal, config_mod.load(cfg).outbox_file(cfg))  # the service, running beside the CLI
    cycle(agent)
    assert agent.outbox.set_aside_count() == 1

    listed = agent_cli(cfg, "set-aside").stdout
    assert bad in listed and "HTTP 413" in listed and "1 set aside" in listed
    portal.refuse.clear()  # the portal was fixed
    assert "1 set-aside result(s) queued again" in agent_cli(cfg, "retry-set-aside").stdout
    cycle(agent)
    assert stored(portal) == [bad] and agent.outbox.depth() == 0
    assert "nothing set aside" in agent_cli(cfg, "set-aside").stdout


def test_changes_go_in_the_compact_form_only_to_a_portal_that_says_it_reads_it(tmp_path):
    """An agent newer than its portal (installed from a newer one, a pinned site) sends what that portal reads."""
    for features, form in (([], "long"), (["compact_deltas"], "compact")):
        portal = FakePortal(features=features).start()
        try:
            agent = make_agent(portal, tmp_path / f"{form}.sqlite3")
            for _ in range(2):  # the first read is acknowledged whole; the second goes as changes to it
                portal.add_directive("read", read_params())
                cycle(agent)
            (entry,) = portal.calls("/result")[-1].body["devices"]
        finally:
            portal.stop()
        sent = "compact" if "b" in entry else "long" if "base" in entry else "whole"
        assert sent == form, entry
