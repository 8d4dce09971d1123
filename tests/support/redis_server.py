"""A private redis-server that tests stop, kill and start again: never the machine's Redis (6379), which the rest
of the suite and other runs share.

Each pytest process (each xdist worker) gets its own server on a free port, its data in a temporary directory,
started on first use and stopped at the end of the session. Data survives a stop or a kill (append-only file,
fsync on every write) unless the server is started `empty`.

Fixtures
- `redis_server` -> RedisServer: the private server, running when the test starts; a test that stopped it
  finds it running again in the next test. Data is kept between tests: use unique keys, or `flush()`.
- `redis_broker` -> RedisServer: the same, with this process's Celery app (portal.celery.app) sending its tasks
  there (database 0, emptied first, on the `live_env` queue that `celery_worker_on(live_env, ...)` consumes)
  during the test, and to the suite's broker and queue again afterwards.

RedisServer
- `port`, `url(db=0)` ("redis://127.0.0.1:<port>/<db>"), `client(db=0)` (a redis.Redis), `is_up()`
- `stop()` shuts it down cleanly (SIGTERM); `kill()` is a crash (SIGKILL)
- `start(empty=False)` starts it again, with its data or empty; `restart(empty=False)`
- `down()` is a context manager: stopped inside the block, running again after it
- `flush()` empties every database

Helpers
- `celery_broker(url, queue=None)`: context manager; the in-process Celery app sends to the broker at `url`
  (and to `queue`, if given) inside the block.
- `celery_worker_on(env, url, log)`: context manager; a real Celery worker (solo pool) started with `env` (e.g.
  the `live_env` fixture: same test database and queue) whose broker and result backend are `url`. Yields the
  Popen; stopped on exit. Start it after the broker is up: a worker that lost its broker reconnects with back-off.
- The cache: set `settings.CACHES` (pytest-django's `settings` fixture also resets django.core.cache.caches) to
  `url(1)` and call portal.lib.cache.outages_clear() before and after (tests/portal/test_availability.py).
"""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from portal.queues import KINDS, queues_arg, route_to, routing_set
from tests.support.live import BIN, _stop, _wait_for_worker, free_tcp_port
from tests.support.paths import REPO_ROOT

MACHINE_REDIS_PORT = 6379
START_TIMEOUT = 10.0


class RedisServer:
    def __init__(self, directory: Path, port: int):
        if port == MACHINE_REDIS_PORT:
            raise ValueError("the private Redis must not take the machine's port")
        self.directory, self.port = directory, port
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_connect_timeout=1, socket_timeout=2)

    def is_up(self) -> bool:
        try:
            with self.client() as client:
                return bool(client.ping())
        except redis.exceptions.RedisError:
            return False

    def start(self, empty: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        if empty:
            shutil.rmtree(self.directory / "data", ignore_errors=True)
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "no"]
        command += ["--dir", str(data), "--save", "", "--appendonly", "yes", "--appendfsync", "always"]
        with (self.directory / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def stop(self) -> None:
        self._end(kill=False)

    def kill(self) -> None:
        self._end(kill=True)

    def restart(self, empty: bool = False) -> None:
        self.stop()
        self.start(empty=empty)

    @contextmanager
    def down(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.start()

    def flush(self) -> None:
        with self.client() as client:
            client.flushall()

    def _end(self, kill: bool) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(timeout=START_TIMEOUT)

    def _wait_until_up(self) -> None:
        """Until our own process answers: a free port picked earlier may since have been taken by another server."""
        deadline = time.monotonic() + START_TIMEOUT
        while self._answering_pid() != self.process.pid:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited:\n{(self.directory / 'redis.log').read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on port {self.port} did not start within {START_TIMEOUT}s")
            time.sleep(0.05)

    def _answering_pid(self) -> int | None:
        try:
            with self.client() as client:
                return int(client.info("server")["process_id"])
        except redis.exceptions.RedisError:
            return None


@pytest.fixture(scope="session")
def _private_redis(tmp_path_factory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"), free_tcp_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_server(_private_redis) -> Iterator[RedisServer]:
    _private_redis.start()
    yield _private_redis
    _private_redis.start()


@pytest.fixture
def redis_broker(redis_server, live_env) -> Iterator[RedisServer]:
    with redis_server.client(0) as client:
        client.flushdb()  # no task left queued by an earlier test
    with celery_broker(redis_server.url(0), live_env["MB_CELERY_QUEUE"]):
        yield redis_server


@contextmanager
def celery_broker(url: str, prefix: str | None = None) -> Iterator[None]:
    """Sends go to `url`, on the queues of `prefix` (portal/queues.py), until the block ends."""
    from portal.celery import app

    before = app.conf.broker_url, app.conf.task_default_queue, app.conf.task_routes
    _use_broker(app, url)
    if prefix:
        route_to(app, prefix)
    try:
        yield
    finally:
        _use_broker(app, before[0])
        routing_set(app, before[1], before[2])


def _use_broker(app, url: str) -> None:
    """Celery keeps its broker connections in pools made from the URL at first use: forget them to switch (not
    closed: kombu's registry hands the same pools out again when the URL is switched back)."""
    app.conf.broker_url = url
    app._pool, app.amqp._producer_pool = None, None


@contextmanager
def celery_worker_on(
    env: dict[str, str], url: str, log: Path, kinds: tuple[str, ...] = KINDS, processes: int = 0
) -> Iterator[subprocess.Popen]:
    """A worker on the queues of `kinds` (portal/queues.py; all by default): one process (solo pool), or
    `processes` forked ones (prefork) to show work spread across processes."""
    from portal.celery import app

    command = [str(BIN / "celery"), "-A", "portal", "worker", "-Q", queues_arg(env["MB_CELERY_QUEUE"], kinds)]
    command += ["--pool", "prefork", "--concurrency", str(processes)] if processes else ["--pool", "solo"]
    command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker_env = {**env, "CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=worker_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_worker(app, process, log)
        yield process
    finally:
        _stop(process)
