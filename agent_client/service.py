"""The service loop: heartbeat, lease directives, run them, store results, flush the outbox; back off while the
portal is away; stop cleanly on SIGTERM. Asleep on an event between polls, so idle CPU is near zero.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gzip
import json
import logging
import platform
import random
import signal
from collections.abc import Awaitable, Callable
from typing import Any

from agent_client import __version__
from agent_client.delta import DeltaEncoder
from agent_client.discovery import networks
from agent_client.errors import PortalError, PortalUnavailable
from agent_client.outbox import Entry, Outbox
from agent_client.portal import PortalClient
from agent_client.timeutil import now_iso
from agent_client.worker import run_in_subprocess

log = logging.getLogger("meterbridge.agent")
BACKOFF_BASE, BACKOFF_MAX = 5.0, 900.0
MIN_POLL = 5
# Refusals that retrying cannot fix: the directive is gone (404), someone else holds it (409), bad body (400/413).
PERMANENT = (400, 404, 409, 413)

Runner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class Agent:
    def __init__(
        self, client: PortalClient, outbox: Outbox, poll_interval: int = 300, runner: Runner = run_in_subprocess
    ) -> None:
        self.client, self.outbox, self.runner = client, outbox, runner
        self.poll_interval = poll_interval
        self.stop = asyncio.Event()
        self.failures = 0
        self.last_error: str | None = None

    async def cycle(self) -> None:
        """One heartbeat + poll + run + post; raises PortalUnavailable when the portal is away."""
        beat = await self._call(self.client.heartbeat, self._heartbeat_payload())  # tells the backlog first
        self._adopt_interval(beat)
        await self.flush()  # results of an earlier cycle or run go before new work: they are the oldest
        leased = await self._call(self.client.directives)
        self._adopt_interval(leased)
        for directive in leased.get("directives") or []:
            if self.stop.is_set():
                return
            await self._run_one(directive)
        await self.flush()
        self.outbox.set_state("last_contact", now_iso())

    async def _run_one(self, directive: dict[str, Any]) -> None:
        directive_id = str(directive["id"])
        if self.outbox.has_result_for(directive_id):  # re-leased after a crash: the stored result stands
            return
        result = await self.runner(directive)
        self.outbox.put(directive_id, str(directive.get("kind")), result)
        self.outbox.set_state("last_result", f"{now_iso()} {directive.get('kind')} {directive_id}")
        log.info("directive %s (%s) done, result stored", directive_id, directive.get("kind"))

    async def flush(self) -> None:
        while batch := self.outbox.pending(limit=20):
            for entry in batch:
                self.outbox.mark_attempt(entry.idempotency_key)
                try:
                    answer = await self._post(entry)
                except PortalError as exc:
                    if exc.status not in PERMANENT:
                        raise
                    log.warning("result for directive %s refused for good: %s", entry.directive_id, exc)
                    self.outbox.drop(entry.idempotency_key)
                    continue
                self.deltas.remember(entry.kind, entry.result(), str(answer.get("result_id") or ""))
                self.outbox.ack(entry.idempotency_key)

    @functools.cached_property
    def deltas(self) -> DeltaEncoder:
        return DeltaEncoder(self.outbox.db)

    async def _post(self, entry: Entry) -> dict[str, Any]:
        """Sends a read as changes to the last acknowledged one; in full if the portal has lost that base."""
        full = entry.result()
        encoded = self.deltas.encode(entry.kind, full)
        body = entry.body if encoded is full else gzip.compress(json.dumps(encoded, separators=(",", ":")).encode())
        try:
            return await self._call(self.client.post_result, entry.directive_id, entry.idempotency_key, body)
        except PortalError as exc:
            if exc.code != "base_unknown":
                raise
            self.deltas.forget()
            return await self._call(self.client.post_result, entry.directive_id, entry.idempotency_key, entry.body)

    async def run_forever(self) -> None:
        while not self.stop.is_set():
            try:
                await self.cycle()
                self.failures, self.last_error = 0, None
                delay = self.poll_interval * random.uniform(0.9, 1.1)
            except PortalUnavailable as exc:
                delay = self._backoff(exc)
            except PortalError as exc:  # 401 and friends: keep trying slowly, a dealer may fix it in the portal
                delay = self._backoff(exc)
            await self.sleep(delay)

    def _backoff(self, exc: Exception) -> float:
        self.failures += 1
        self.last_error = str(exc)
        self.outbox.set_state("last_error", f"{now_iso()} {exc}")
        ceiling = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** min(self.failures, 16))
        delay = random.uniform(ceiling / 2, ceiling)  # jitter: a site's agents do not all return at once
        log.warning("portal away (%s); retrying in %.0f s", exc, delay)
        return delay

    async def sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises KeyboardInterrupt
                loop.add_signal_handler(sig, self.stop.set)

    def _heartbeat_payload(self) -> dict[str, Any]:
        return {"agent_version": __version__, "hostname": platform.node(), "outbox_depth": self.outbox.depth(),
                "outbox_dropped": self.outbox.dropped(), "networks": networks.local_networks(),
                "last_error": self.last_error}  # fmt: skip

    def _adopt_interval(self, answer: dict[str, Any]) -> None:
        interval = answer.get("poll_interval")
        if isinstance(interval, int | float) and interval > 0:
            self.poll_interval = max(MIN_POLL, int(interval))

    async def _call(self, func: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """urllib blocks: run it in a thread so SIGTERM is still heard while a request hangs."""
        return await asyncio.to_thread(func, *args)


async def run_service(agent: Agent, once: bool = False) -> None:
    agent.install_signal_handlers()
    if once:
        await agent.cycle()
        return
    cycle = asyncio.create_task(agent.run_forever())
    stopper = asyncio.create_task(agent.stop.wait())
    await asyncio.wait({cycle, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if not cycle.done():  # SIGTERM mid-directive: its lease lapses and the portal offers it again
        cycle.cancel()
    await asyncio.gather(cycle, return_exceptions=True)
    stopper.cancel()
