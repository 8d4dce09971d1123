"""Run the fleet's snmpsim in the background: start it, wait until every printer answers, stop it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy.demo.layout import COMMUNITY

HERE = Path(__file__).resolve().parent
RESPONDER = Path(sys.executable).with_name("snmpsim-command-responder")
VARIATION_MODULES = HERE / "snmpsim_variation"
START_TIMEOUT = 60.0  # snmpsim indexes every data file before it listens: a few seconds for 24 printers


class FleetError(Exception):
    """The simulator did not start, or is not ours to stop."""


def command(data: Path, addresses: list[str], port: int, verbose: bool) -> list[str]:
    """snmpsim with one engine per printer, each with its own data folder and listening address."""
    cmd = [
        str(RESPONDER),
        f"--cache-dir={data / '.snmpsim-cache'}",
        f"--variation-modules-dir={VARIATION_MODULES}",
        f"--log-level={'info' if verbose else 'error'}",
    ]
    for address in addresses:
        cmd += ["--v3-engine-id=auto", f"--data-dir={data / address}", f"--agent-udpv4-endpoint={address}:{port}"]
    return cmd


def start(data: Path, addresses: list[str], port: int, *, pid_file: Path, log_file: Path, verbose: bool) -> int:
    """Start snmpsim detached, write its pid, return once the first and last printer answer."""
    if _running(pid_file):
        raise FleetError(f"already running (pid file {pid_file}); stop it first")
    if not RESPONDER.exists():
        raise FleetError(f"{RESPONDER} not found: run fleet.py with the project's .venv/bin/python")
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"} if os.geteuid() == 0 else None
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        child = subprocess.Popen(
            command(data.resolve(), addresses, port, verbose),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{child.pid}\n")
    try:
        _wait_until_answering(child, [addresses[0], addresses[-1]], port, log_file)
    except FleetError:
        pid_file.unlink(missing_ok=True)
        raise
    return child.pid


def _wait_until_answering(child: subprocess.Popen[bytes], addresses: list[str], port: int, log_file: Path) -> None:
    from deploy.demo import probe  # pysnmp takes half a second to import; generate and stop do without it

    running = probe.wait_until_answering(
        addresses, port, COMMUNITY, alive=lambda: child.poll() is None, timeout=START_TIMEOUT
    )
    if running:
        return
    if child.poll() is not None:
        raise FleetError(f"snmpsim exited with {child.returncode}; see {log_file}")
    child.terminate()
    raise FleetError(f"snmpsim did not answer within {START_TIMEOUT:.0f} s; see {log_file}")


def stop(pid_file: Path, timeout: float = 10.0) -> bool:
    """Stop the simulator named by the pid file; False when it was not running."""
    pid = _running(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def _running(pid_file: Path) -> int | None:
    """The pid in the file if that process is alive and is our responder (pids get reused)."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if not _alive(pid):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return pid  # no /proc (macOS): trust the pid file
    if RESPONDER.name.encode() not in cmdline:
        raise FleetError(f"pid {pid} in {pid_file} is not the demo fleet's simulator")
    return pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) != "Z"  # a zombie has already exited


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[0]
