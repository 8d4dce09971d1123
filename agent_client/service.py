"""The service loop: heartbeat, lease directives, run them, store results, flush the outbox; back off while the
portal is away, reading meters on the last known schedule meanwhile; stop cleanly on SIGTERM. Between heartbeat
cycles it long-polls a portal that holds polls (agent_client/long_poll.py), so "Scan now" runs in seconds, and is
otherwise asleep on an event: idle CPU is near zero either way.
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
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent_client import __version__
from agent_client.delta import DeltaEncoder
from agent_client.discovery import networks
from agent_client.errors import PortalError, PortalUnavailable
from agent_client.long_poll import LongPoll
from agent_client.offline import SELF_SCHEDULED, OfflineReads, grace_for
from agent_client.outbox import Entry, Outbox
from agent_client.portal import PortalClient
from agent_client.progress import ProgressReporter
from agent_client.timeutil import now_iso
from agent_client.update.updater import Offer, Updater
from agent_client.windows.stop_file import watch_stop_file
from agent_client.worker import run_in_subprocess

log = logging.getLogger("meterbridge.agent")
BACKOFF_BASE, BACKOFF_MAX = 5.0, 900.0
MIN_POLL = 5
# Answers about the agent or the portal, not about one result: the flush stops and the loop backs off.
NOT_THE_RESULTS_FAULT = (401, 408, 429)
COMPACT_DELTAS = "compact_deltas"  # a portal feature: changes-only uploads in the compact form
MAX_STRIKES = 5  # 5xx answers to one result, in flushes where other results went through, before it is set aside
UPLOADS_DOWN_AFTER = 3  # 5xx answers with none accepted in a flush: uploads are down, not one result; it stops

Runner = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class Agent:
    def __init__(
        self, client: PortalClient, outbox: Outbox, poll_interval: int = 300, runner: Runner | None = None
    ) -> None:
        # The default runner tells the portal how a discovery is going while it runs (agent_client/progress.py).
        runner = runner or functools.partial(run_in_subprocess, on_progress=ProgressReporter(client))
        self.client, self.outbox, self.runner = client, outbox, runner
        self.poll_interval = poll_interval
        self.stop = asyncio.Event()
        self.failures = 0
        self.last_error: str | None = None
        self.offline = OfflineReads(outbox)
        self.long_poll = LongPoll()
        self.clock: Callable[[], datetime] = functools.partial(datetime.now, UTC)  # when reads are due
        self.updater = Updater.for_this_process(client, outbox)
        self.offer: Offer | None = None  # a release the last heartbeat offered, taken after this step
        self.restart_pending = False

    async def cycle(self) -> None:
        """One heartbeat + poll + run + post; raises PortalUnavailable when the portal is away."""
        payload = self._heartbeat_payload()
        beat = await self._call(self.client.heartbeat, payload)  # tells the backlog first
        self._adopt_interval(beat)
        self._adopt_features(beat)
        if "update_report" in payload:
            self.updater.report_sent(payload["update_report"])
        self.offer = self.updater.wanted(beat)
        await self.flush()  # results of an earlier cycle or run go before new work: they are the oldest
        await self.run_leased(await self._call(self.client.directives))

    async def run_leased(self, leased: dict[str, Any]) -> None:
        """Runs what a poll leased, then posts the results."""
        self._adopt_interval(leased)
        self.offline.adopt_schedule(leased.get("read_schedule"))
        self.long_poll.adopt(leased)
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
        if directive.get("kind") == "read":
            self.offline.remember_read(directive, self.clock())
        result = await self.runner(directive)
        self.outbox.put(directive_id, str(directive.get("kind")), result)
        self.outbox.set_state("last_result", f"{now_iso()} {directive.get('kind')} {directive_id}")
        log.info("directive %s (%s) done, result stored", directive_id, directive.get("kind"))

    async def flush(self) -> None:
        """Sends every result once, oldest first. One the portal refuses (4xx) is set aside at once, or dropped on a
        409 (docs/agent-protocol.md); one it answers with 5xx is passed over, and struck when other results went
        through in the same flush: set aside after MAX_STRIKES. So one poison upload holds back neither the rest
        nor the next directives. Connection loss, 401, 408 and 429 are not the result's fault: they end the flush
        and the loop backs off."""
        tally = FlushTally()
        for seq in self.outbox.queue():  # results tried before go after the others: a poison one is not first
            entry = self.outbox.entry(seq)
            if entry is None:
                continue
            await self._flush_one(entry, tally)
            if tally.uploads_down():
                log.warning("the portal answers but takes no upload (%s); trying again later", tally.last_error)
                return
        self._strike(tally)

    async def _flush_one(self, entry: Entry, tally: FlushTally) -> None:
        self.outbox.mark_attempt(entry.idempotency_key)
        try:
            answer = await self._post(entry)
        except PortalUnavailable as exc:
            if exc.status < 500:  # unreachable, 408 or 429
                raise
            tally.failed(entry, exc)
            return
        except PortalError as exc:
            if not 400 <= exc.status < 500 or exc.status in NOT_THE_RESULTS_FAULT:
                raise
            self._refused(entry, exc)
            return
        tally.accepted += 1
        self.deltas.remember(entry.kind, entry.result(), str(answer.get("result_id") or ""))
        self.outbox.ack(entry.idempotency_key)

    def _refused(self, entry: Entry, exc: PortalError) -> None:
        if exc.status == 409:  # answered by another agent or under another key, or cancelled: nothing to keep
            log.warning("result for directive %s not needed (%s): dropped", entry.directive_id, exc)
            self.outbox.drop(entry.idempotency_key)
            return
        log.warning("result for directive %s refused (%s): set aside", entry.directive_id, exc)
        self.outbox.set_aside(entry.idempotency_key, exc.status, str(exc))

    def _strike(self, tally: FlushTally) -> None:
        if not tally.accepted:  # nothing went through: the portal's trouble, not these results'
            return
        for entry, exc in tally.failures:
            self._strike_one(entry, exc.status, str(exc))

    def _strike_one(self, entry: Entry, status: int, reason: str) -> None:
        strikes = self.outbox.strike(entry.idempotency_key)
        if strikes >= MAX_STRIKES:
            log.warning("result for directive %s failed %d times (%s): set aside", entry.directive_id, strikes, reason)
            self.outbox.set_aside(entry.idempotency_key, status, f"{strikes} times: {reason}")

    @functools.cached_property
    def deltas(self) -> DeltaEncoder:
        return DeltaEncoder(self.outbox.db, compact=False)  # until a heartbeat says the portal reads it

    def _adopt_features(self, beat: dict[str, Any]) -> None:
        features = beat.get("features") if isinstance(beat, dict) else None
        self.deltas.compact = isinstance(features, list) and COMPACT_DELTAS in features

    async def _post(self, entry: Entry) -> dict[str, Any]:
        """Sends a read as changes to the last acknowledged one; in full if the portal has lost that base. A retry
        sends the first attempt's body again: bases move on as other results are acknowledged, and the portal
        holds an Idempotency-Key to the body it first came with."""
        body, full = entry.first_sent, entry.sent == b""
        if body is None:
            result = entry.result()
            encoded = self.deltas.encode(entry.kind, result)
            full = encoded == result  # no device had a base
            body = entry.body if full else gzip.compress(json.dumps(encoded, separators=(",", ":")).encode())
            self.outbox.remember_sent(entry.idempotency_key, body, full)
        try:
            return await self._upload(entry, body)
        except PortalError as exc:
            if exc.code != "base_unknown" or full:
                raise
            self.deltas.forget()
            self.outbox.remember_sent(entry.idempotency_key, entry.body, full=True)
            return await self._upload(entry, entry.body)

    async def _upload(self, entry: Entry, body: bytes) -> dict[str, Any]:
        if entry.directive_id == SELF_SCHEDULED:
            headers = {"Content-Encoding": "gzip", "Idempotency-Key": entry.idempotency_key}
            post = functools.partial(self.client.call, "POST", "/reads", raw=body, headers=headers)
            return await self._call(post)
        return await self._call(self.client.post_result, entry.directive_id, entry.idempotency_key, body)

    async def run_forever(self) -> None:
        while not self.stop.is_set():
            await self.between_cycles(await self.step())

    async def between_cycles(self, delay: float) -> None:
        """Until the next heartbeat cycle: long polls while the portal holds them (a directive queued meanwhile runs
        in seconds), else sleep. Heartbeats keep their own cadence either way."""
        deadline = time.monotonic() + delay
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            wait = None if self.failures else self.long_poll.wait_for(remaining)
            if wait is None:
                await self.sleep(max(0.0, remaining))
                return
            try:
                await self.poll_long(wait)
            except (PortalUnavailable, PortalError) as exc:  # away: the next cycle says so and backs off
                log.info("polling for directives failed (%s)", exc)
                return

    async def poll_long(self, wait: int) -> None:
        started = time.monotonic()
        try:
            leased = await self._call_in_daemon(self.client.directives, wait)
        except (PortalUnavailable, PortalError) as exc:
            leased = await self._call(self.client.directives)  # raises when the portal is away, not just the poll
            self.long_poll.strike(str(exc))
        else:
            self.long_poll.answered(leased, wait, time.monotonic() - started)
        await self.run_leased(leased)

    async def step(self) -> float:
        """One cycle; returns how long to sleep before the next."""
        try:
            await self.cycle()
        except PortalUnavailable as exc:
            delay = self._backoff(exc)
            await self.read_offline_if_due()
            return delay
        except PortalError as exc:  # 401 and friends: keep trying slowly, a dealer may fix it in the portal
            return self._backoff(exc)
        self.failures, self.last_error = 0, None
        if await self.update_if_offered() is False:  # refused: the portal hears why at once, not a poll later
            return MIN_POLL
        return self.poll_interval * random.uniform(0.9, 1.1)

    async def update_if_offered(self) -> bool | None:
        """Between steps, never mid-directive: unsent results stay in the outbox for the new agent to send.
        None when nothing was tried; else whether the archive was swapped (and a restart is pending)."""
        offer, self.offer = self.offer, None
        if offer is None or self.stop.is_set():
            return None
        refusal = await asyncio.to_thread(self.updater.install, offer)  # downloads and runs the new archive: slow
        self.restart_pending = self.updater.settle(offer, refusal)
        if self.restart_pending:
            self.stop.set()
        return self.restart_pending

    async def read_offline_if_due(self) -> None:
        """The portal is away past a due read: read the last read's devices and queue it as self-scheduled."""
        started = self.clock()
        directive = self.offline.due(started, self._last_contact(), grace_for(self.poll_interval))
        if directive is None or self.stop.is_set():
            return
        count = len(directive["params"]["devices"])
        log.info("portal away past a due read: reading %d devices on the last known schedule", count)
        result = await self.runner(directive)
        self.outbox.put(SELF_SCHEDULED, "read", result)
        self.offline.mark_read(started)
        self.outbox.set_state("last_result", f"{now_iso()} read {SELF_SCHEDULED}")

    def _last_contact(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.outbox.get_state("last_contact") or "")
        except ValueError:
            return None

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
        return {
            "agent_version": __version__,
            "hostname": platform.node(),
            "outbox_depth": self.outbox.depth(),
            "outbox_dropped": self.outbox.dropped(),
            "outbox_set_aside": self.outbox.set_aside_count(),
            "outbox_set_aside_detail": self.outbox.set_aside_detail(),
            "networks": networks.local_networks(),
            "last_error": self.last_error,
            **self._update_report(),
        }

    def _update_report(self) -> dict[str, Any]:
        report = self.updater.pending_report()
        return {"update_report": report} if report else {}

    def _adopt_interval(self, answer: dict[str, Any]) -> None:
        interval = answer.get("poll_interval")
        if isinstance(interval, int | float) and interval > 0:
            self.poll_interval = max(MIN_POLL, int(interval))

    async def _call(self, func: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """urllib blocks: run it in a thread so SIGTERM is still heard while a request hangs."""
        return await asyncio.to_thread(func, *args)

    async def _call_in_daemon(self, func: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        """As _call, in a daemon thread: the process exits on SIGTERM without waiting out a held poll (asyncio.run
        joins its executor's threads)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()

        def settle(value: dict[str, Any] | None, error: Exception | None) -> None:
            if future.done():  # cancelled: SIGTERM
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value or {})

        def run() -> None:
            value, error = None, None
            try:
                value = func(*args)
            except Exception as exc:  # handed to the awaiting coroutine
                error = exc
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(settle, value, error)

        threading.Thread(target=run, name="long-poll", daemon=True).start()
        return await future


async def run_service(agent: Agent, once: bool = False, stop_file: Path | None = None) -> None:
    """`stop_file`: stop as on SIGTERM once it exists (Windows' scheduled task, agent_client/windows/stop_file.py)."""
    agent.install_signal_handlers()
    if once:
        await agent.cycle()
        return
    cycle = asyncio.create_task(agent.run_forever())
    stopper = asyncio.create_task(agent.stop.wait())
    if stop_file is not None:
        watcher = asyncio.create_task(watch_stop_file(stop_file, agent.stop))
        stopper.add_done_callback(lambda _: watcher.cancel())
    await asyncio.wait({cycle, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if not cycle.done():  # SIGTERM mid-directive: its lease lapses and the portal offers it again
        cycle.cancel()
    await asyncio.gather(cycle, return_exceptions=True)
    stopper.cancel()
    if agent.restart_pending:  # the archive was swapped: run the new one
        agent.outbox.close()
        agent.updater.restart()


@dataclass
class FlushTally:
    """What one flush saw: results accepted, and those answered 5xx (struck only if others went through)."""

    accepted: int = 0
    failures: list[tuple[Entry, PortalUnavailable]] = field(default_factory=list)
    last_error: str = ""

    def failed(self, entry: Entry, exc: PortalUnavailable) -> None:
        self.failures.append((entry, exc))
        self.last_error = str(exc)

    def uploads_down(self) -> bool:
        return not self.accepted and len(self.failures) >= UPLOADS_DOWN_AFTER
