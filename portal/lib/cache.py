"""The shared cache, and what it does when its Redis is gone: a miss, never a 500.

Pages and the agent API use the cache to go faster (the overview's volume figures) or to slow abusers down
(throttles); nothing is kept only there. So with Redis unreachable a read is a miss and a write is dropped,
and every page is computed from the database. Throttles fail open: a throttle that reads an empty history
lets the request through, so while Redis is down enrolment and the reading form are not rate-limited.

Short socket timeouts keep a dead or black-holed Redis from holding a request, and after a failure the cache
is not tried again for RETRY_AFTER seconds (per process), so a page does not wait out the timeout on every
call. The warning is logged at most once a minute, naming the server's host and port only (no password).
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)  # includes "loading the dataset" after a restart
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # OPTIONS in CACHES override them
RETRY_AFTER = 5.0
WARN_EVERY = 60.0


class Outage:
    """Until when a Redis server is skipped, and when that was last logged: shared by a process's threads."""

    def __init__(self, label: str):
        self.label = label
        self.skip_until = 0.0
        self.warned_at = float("-inf")
        self.lock = threading.Lock()

    def skipping(self) -> bool:
        return time.monotonic() < self.skip_until

    def record(self, exc: Exception) -> None:
        now = time.monotonic()
        with self.lock:
            self.skip_until = now + RETRY_AFTER
            warn = now - self.warned_at >= WARN_EVERY
            if warn:
                self.warned_at = now
        if warn:
            log.warning("cache at %s unreachable (%s): serving without it", self.label, type(exc).__name__)

    def clear(self) -> None:
        self.skip_until, self.warned_at = 0.0, float("-inf")


_outages: dict[str, Outage] = {}


def outage_for(location: str) -> Outage:
    """One Outage per server, however many cache instances (Django makes one per thread) talk to it."""
    parts = urlsplit(location.split(",")[0])
    label = f"{parts.hostname or parts.path}:{parts.port or 6379}/{parts.path.strip('/') or 0}"
    return _outages.setdefault(label, Outage(label))


def outages_clear() -> None:
    """Forget past failures (tests that start a stopped Redis again want the next call to try it)."""
    for outage in _outages.values():
        outage.clear()


class DegradingRedisCache(RedisCache):
    """Django's Redis cache that treats an unreachable server as an empty cache (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._options = {**TIMEOUTS, **self._options}
        self._outage = outage_for(self._servers[0])

    def _or(self, fallback, method, *args, **kwargs):
        if self._outage.skipping():
            return fallback
        try:
            return method(*args, **kwargs)
        except UNREACHABLE as exc:
            self._outage.record(exc)
            return fallback

    def get(self, key, default=None, version=None):
        return self._or(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._or(False, super().has_key, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._or(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._or(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._or(None, super().delete_many, keys, version)

    def clear(self):
        return self._or(False, super().clear)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._or(missing, super().incr, key, delta, version)
        if value is missing:  # Django's contract for a key that is not there
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return value
