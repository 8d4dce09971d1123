"""The agent long-polls a portal that holds polls, and falls back to plain polling behind a proxy that cuts long
requests (docs/agent-protocol.md, "Long polls"): a real HTTP portal double and a real HTTP proxy in threads."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent_client.long_poll import PLAIN_FOR, STRIKES
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.service import Agent
from tests.agent_client.fake_portal import TOKEN, FakePortal, Recorded, _handler

INTERVAL = 60  # the heartbeat cadence in these tests: long enough that a sleep through it would time the test out


@dataclass
class HoldingPortal(FakePortal):
    """FakePortal that holds `GET /directives?wait=N` until a directive is added or N seconds pass, and says so
    (`max_wait`) in every directives answer, as the real portal does."""

    max_wait: int = 55
    added: threading.Event = field(default_factory=threading.Event)

    def start(self) -> HoldingPortal:
        base = _handler(self)
        portal = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                if not self.path.startswith("/agent/v1/directives"):
                    return super().do_GET()
                portal.requests.append(Recorded("GET", self.path, dict(self.headers), None))
                if "wait=" in self.path:
                    portal.hold(int(self.path.rsplit("wait=", 1)[1]))
                leased, portal.pending[:] = list(portal.pending), []
                answer = {"poll_interval": portal.poll_interval, "directives": leased, "max_wait": portal.max_wait}
                self._reply(200, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def hold(self, seconds: int) -> None:
        deadline = time.monotonic() + seconds
        while not self.pending and time.monotonic() < deadline:
            self.added.wait(0.05)
            self.added.clear()

    def add_directive(self, kind: str, params: dict[str, Any]) -> str:
        directive_id = super().add_directive(kind, params)
        self.added.set()
        return directive_id

    def long_polls(self) -> list[Recorded]:
        return [r for r in self.requests if "/directives?wait=" in r.path]

    def plain_polls(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/directives")]


class CuttingProxy:
    """A reverse proxy that passes plain requests through and cuts long polls shortly after they arrive: with a
    504 (nginx's proxy_read_timeout), by closing the connection, or with an early empty answer (a proxy that
    buffers and gives up)."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream, self.mode, self.cut = upstream, mode, 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def _forward(self, method: str) -> None:
                if "wait=" in self.path:
                    proxy.cut += 1
                    return proxy.cut_short(self)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                url = proxy.upstream + self.path
                request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the test's portal
                        status, data = answer.status, answer.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                self._send(status, data)

            def _send(self, status: int, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def cut_short(self, handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.2)
        if self.mode == "504":
            handler._send(504, b"<html>504 Gateway Time-out</html>")  # type: ignore[attr-defined]
        elif self.mode in ("close", "gone"):
            if self.mode == "gone":  # the way to the portal is down altogether: plain polls fail too
                self.stop()
            handler.close_connection = True
            handler.connection.close()
        else:  # "early": an answer the portal did not give, long before the wait
            empty = {"poll_interval": INTERVAL, "directives": [], "max_wait": 55}
            handler._send(200, json.dumps(empty).encode())  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def no_snmp(directive: dict[str, Any]) -> dict[str, Any]:
    """The runner: these tests are about polling, not reading."""
    return {
        "kind": directive["kind"],
        "started_at": "2026-11-21T10:00:00Z",
        "finished_at": "2026-11-21T10:00:01Z",
        "devices": [],
    }


def make_agent(url: str, tmp_path: Path) -> Agent:
    return Agent(PortalClient(url, TOKEN, timeout=5), Outbox(tmp_path / "outbox.sqlite3"), INTERVAL, runner=no_snmp)


async def run_until(agent: Agent, condition: Callable[[], bool], limit: float = 20) -> None:
    """One heartbeat cycle, then the time until the next one, until `condition()` holds; then SIGTERM."""
    await agent.step()
    loop = asyncio.create_task(agent.between_cycles(INTERVAL))
    deadline = time.monotonic() + limit
    while not condition() and not loop.done() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    agent.stop.set()
    loop.cancel()
    await asyncio.gather(loop, return_exceptions=True)
    assert condition(), "the agent never got there"
    agent.stop = asyncio.Event()  # started again, as after a restart


@pytest.fixture
def portal():
    portal = HoldingPortal(poll_interval=INTERVAL).start()
    yield portal
    portal.stop()


def test_a_held_poll_brings_a_directive_queued_meanwhile_and_its_result_goes_up_at_once(portal, tmp_path):
    agent = make_agent(portal.url, tmp_path)
    queued: list[str] = []

    def queue_once_held() -> bool:
        if portal.long_polls() and not queued:
            queued.append(portal.add_directive("discover", {"targets": []}))  # "Scan now" while the agent waits
        return bool(queued) and any(r["directive_id"] == queued[0] for r in portal.results.values())

    asyncio.run(run_until(agent, queue_once_held))

    assert len(portal.calls("/heartbeat")) == 1  # heartbeats keep their own cadence: none between cycles
    assert portal.long_polls()[0].path.endswith(f"?wait={min(55, INTERVAL)}")


@pytest.mark.parametrize("mode", ["504", "close", "early"])
def test_behind_a_proxy_that_cuts_long_polls_the_agent_falls_back_to_plain_polling(portal, tmp_path, mode):
    proxy = CuttingProxy(portal.url, mode)
    agent = make_agent(proxy.url, tmp_path)
    try:
        asyncio.run(run_until(agent, lambda: proxy.cut >= STRIKES and agent.long_poll.plain_until > time.monotonic()))
        directive = portal.add_directive("read", {"devices": []})
        asyncio.run(agent.step())  # the next heartbeat cycle polls plainly, through the proxy, and runs it
    finally:
        proxy.stop()

    assert proxy.cut == STRIKES  # no more long polls once it fell back
    assert not portal.long_polls()  # none reached the portal
    # The cycle's, one right after each long poll that failed (was the portal away? no: the poll was cut), the
    # next cycle's. An early answer is an answer: no poll after it.
    after_cuts = 0 if mode == "early" else STRIKES
    assert len(portal.plain_polls()) == 1 + after_cuts + 1
    assert any(r["directive_id"] == directive for r in portal.results.values())
    assert agent.long_poll.wait_for(INTERVAL) is None  # plain polls meanwhile...
    agent.long_poll.clock = lambda: time.monotonic() + PLAIN_FOR + 1
    assert agent.long_poll.wait_for(INTERVAL) == min(55, INTERVAL)  # ...and long polls again after a while


def test_a_portal_that_cannot_hold_a_poll_gets_plain_polls_until_the_next_heartbeat(portal, tmp_path):
    """`max_wait: 0` (Redis down, all slots taken): no strike, no tight loop; the agent sleeps to the next cycle."""
    portal.max_wait = 0
    agent = make_agent(portal.url, tmp_path)
    asyncio.run(agent.step())
    assert agent.long_poll.wait_for(INTERVAL) is None and agent.long_poll.strikes == 0


def test_an_older_portal_is_polled_plainly(tmp_path):
    portal = FakePortal(poll_interval=INTERVAL).start()  # answers without max_wait, as before long polls
    try:
        agent = make_agent(portal.url, tmp_path)
        asyncio.run(agent.step())
    finally:
        portal.stop()
    assert agent.long_poll.wait_for(INTERVAL) is None
    assert all("wait=" not in r.path for r in portal.requests)


def test_a_long_poll_lost_with_the_portal_is_no_strike_and_the_next_cycle_backs_off(portal, tmp_path):
    proxy = CuttingProxy(portal.url, "gone")
    agent = make_agent(proxy.url, tmp_path)

    async def one_round() -> None:
        await agent.step()
        await asyncio.wait_for(agent.between_cycles(INTERVAL), timeout=20)  # returns: not a sleep to the next cycle
        await agent.step()

    asyncio.run(one_round())

    assert proxy.cut == 1 and agent.long_poll.strikes == 0  # the portal was away, not the poll cut
    assert agent.failures == 1  # the next cycle found it away and backs off
