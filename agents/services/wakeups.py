"""Wake-ups for long-polling agents (`GET /agent/v1/directives?wait=55`), across web processes and machines.

A directive queued by any process (a web request, a Celery worker, a management command) publishes its site's
channel once committed; the web process holding that site's agent's poll, on this machine or another, hears it and
answers at once.

Why Redis pub/sub rather than PostgreSQL LISTEN/NOTIFY: every process already talks to this Redis (broker, cache);
a listener costs one Redis connection per web process, where LISTEN would pin a PostgreSQL connection per process
(the scarcer resource) and does not work through PgBouncer's transaction pooling. Pub/sub delivers at most once,
which is enough: a wake-up only shortens a wait, and a poll that misses one still finds the directive when its
wait ends.

Each web process keeps one listener thread on one connection, subscribed to every site's channel by one pattern;
a waiting request registers an Event under its site's channel and sleeps on it. At most AGENT_LONG_POLL_SLOTS
requests of a process wait at once (a waiting request holds a gunicorn thread): past that, and whenever the
listener is not connected (Redis unreachable) or the process is shutting down, the poll is answered at once, as
plain polling would answer it, and says it was not held.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis
from django.conf import settings

log = logging.getLogger(__name__)
T = TypeVar("T")

CONNECT_WAIT = 0.5  # a poll waits this long for the listener to connect (a fresh process) before answering at once
LISTEN_TICK = 5.0
RECONNECT_MIN, RECONNECT_MAX = 1.0, 30.0
WARN_EVERY = 60.0


def channel_prefix() -> str:
    """One namespace per deployment (its database name), should two share a Redis."""
    return f"mb:{settings.DATABASES['default']['NAME']}:wake:"


def wakeup_channel(*, site) -> str:
    return f"{channel_prefix()}{site.public_id}"


def wakeup_publish(*, site) -> None:
    """Wakes the polls waiting for this site's agent. Never raises: without Redis the agent's next poll finds the
    directive anyway."""
    try:
        _publisher(settings.AGENT_WAKEUP_URL).publish(wakeup_channel(site=site), b"1")
    except (redis.RedisError, OSError) as exc:
        log.warning(
            "site %s: wake-up not sent (%s); its agent finds the work at its next poll",
            site.public_id,
            type(exc).__name__,
        )


def wakeup_wait(*, site, seconds: float, check: Callable[[], T]) -> tuple[T, bool]:
    """Calls `check()` now and each time the site is woken, until it returns something truthy or `seconds` have
    passed; returns (its last value, held). `held` is False when the poll could not be held (no free slot, Redis
    unreachable, shutting down): `check()` then ran once, or once more when the wait was cut short."""
    hub = _hub()
    if hub.closing.is_set() or not hub.slots.acquire(blocking=False):
        return check(), False
    try:
        return hub.wait(wakeup_channel(site=site), seconds, check)
    finally:
        hub.slots.release()


def wakeup_shutdown() -> None:
    """The process is stopping (gunicorn's SIGTERM, deploy/portal/gunicorn.conf.py): every wait answers now.
    Called from a signal handler: no lock taken, no hub made."""
    hub = _the_hub
    if hub is not None and hub.pid == os.getpid():
        hub.close()


@functools.lru_cache(maxsize=4)
def _publisher(url: str) -> redis.Redis:
    # Short timeouts: a black-holed Redis must not hold the dealer's "Scan now" request. redis-py's pool is
    # thread-safe and starts afresh in a forked child.
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


class _Hub:
    """This process's listener thread and the Events of its waiting polls, by channel."""

    def __init__(self, url: str, slots: int) -> None:
        self.url, self.pid = url, os.getpid()
        self.slots = threading.BoundedSemaphore(slots) if slots > 0 else _NoSlots()
        self.lock = threading.Lock()
        self.waiters: dict[str, set[threading.Event]] = {}
        self.listening = threading.Event()  # subscribed: a publish from now on reaches the waiters
        self.closing = threading.Event()
        self.warned_at = float("-inf")
        threading.Thread(target=self._run, name="wakeup-listener", daemon=True).start()

    def wait(self, channel: str, seconds: float, check: Callable[[], T]) -> tuple[T, bool]:
        event = threading.Event()
        self._register(channel, event)
        try:
            if not self.listening.wait(CONNECT_WAIT):
                return check(), False
            deadline = time.monotonic() + seconds
            while True:
                event.clear()  # before the check: a wake-up after it is not lost
                value = check()
                if value:
                    return value, True
                if self.closing.is_set() or not self.listening.is_set():
                    return value, False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return value, True
                event.wait(remaining)
        finally:
            self._unregister(channel, event)

    def close(self) -> None:
        self.closing.set()
        self._wake_all()

    def _register(self, channel: str, event: threading.Event) -> None:
        with self.lock:
            self.waiters.setdefault(channel, set()).add(event)

    def _unregister(self, channel: str, event: threading.Event) -> None:
        with self.lock:
            events = self.waiters.get(channel, set())
            events.discard(event)
            if not events:
                self.waiters.pop(channel, None)

    def _wake(self, channel: str) -> None:
        with self.lock:
            events = list(self.waiters.get(channel, ()))
        for event in events:
            event.set()

    def _wake_all(self) -> None:
        with self.lock:
            events = [event for events in self.waiters.values() for event in events]
        for event in events:
            event.set()

    def _run(self) -> None:
        delay = RECONNECT_MIN
        while not self.closing.is_set():
            try:
                self._listen()
            except (redis.RedisError, OSError) as exc:
                self._lost(exc)
            time.sleep(delay)
            delay = RECONNECT_MIN if self.listening.is_set() else min(delay * 2, RECONNECT_MAX)

    def _listen(self) -> None:
        client = redis.Redis.from_url(
            self.url, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=30
        )
        pubsub = client.pubsub()
        try:
            pubsub.psubscribe(f"{channel_prefix()}*")
            while not self.closing.is_set():
                message = pubsub.get_message(timeout=LISTEN_TICK)
                if message is None:
                    continue
                if message["type"] == "psubscribe":
                    self.listening.set()
                    self._wake_all()  # wake-ups sent while we were not listening are lost: every waiter looks again
                elif message["type"] == "pmessage":
                    self._wake(_text(message["channel"]))
        finally:
            self.listening.clear()
            pubsub.close()
            client.close()

    def _lost(self, exc: Exception) -> None:
        self.listening.clear()
        self._wake_all()  # they answer now, as plain polls, rather than sleep through wake-ups nobody hears
        now = time.monotonic()
        if now - self.warned_at >= WARN_EVERY:
            self.warned_at = now
            log.warning("agent wake-ups unavailable (%s): long polls are answered at once", type(exc).__name__)


class _NoSlots:
    """AGENT_LONG_POLL_SLOTS = 0: this process never holds a poll."""

    def acquire(self, blocking: bool = True) -> bool:
        return False

    def release(self) -> None:
        raise RuntimeError("no slot was taken")


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_hub_lock = threading.Lock()
_the_hub: _Hub | None = None


def _hub() -> _Hub:
    """One per process, made on first use: a hub made before a fork has no listener thread in the child."""
    global _the_hub
    with _hub_lock:
        if _the_hub is None or _the_hub.pid != os.getpid():
            _the_hub = _Hub(settings.AGENT_WAKEUP_URL, settings.AGENT_LONG_POLL_SLOTS)
        return _the_hub
