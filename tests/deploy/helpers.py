"""Run deploy/bin scripts as a person would, and the small network helpers their tests share."""

from __future__ import annotations

import os
import random
import socket
import subprocess
from pathlib import Path

from tests.support.paths import REPO_ROOT

BIN = REPO_ROOT / "deploy" / "bin"


def run_script(
    name: str, *args: str, env: dict[str, str] | None = None, as_user: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run deploy/bin/<name> (as another user through runuser when asked) and capture what it says."""
    prefix = ["runuser", "-u", as_user, "--"] if as_user else []
    full_env = {**os.environ, **(env or {})}
    argv = [*prefix, str(BIN / name), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout, check=False)


def key_values(stdout: str) -> dict[str, str]:
    """Parse KEY=value lines; fail if stdout holds anything else (the Makefile `eval`s it)."""
    pairs = dict(line.split("=", 1) for line in stdout.splitlines())
    assert all(key.isidentifier() and key.isupper() for key in pairs), stdout
    return pairs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def random_loopback() -> str:
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"


def tcp_answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        return False
    return True


def pid_alive(pid: int) -> bool:
    """A zombie has an empty cmdline: it counts as gone."""
    try:
        return bool(Path(f"/proc/{pid}/cmdline").read_bytes())
    except OSError:
        return False
