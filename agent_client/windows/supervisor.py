"""`windows supervise`, what the scheduled task runs: `meterbridge-agent run` in a loop.

Task Scheduler restarts a task whose process fails to start, not one that exits with an error, so this loop does:
at once after exit code 75 (the self-update swapped meterbridge-agent.pyz and asks for a fresh process), after a
delay that doubles up to 5 minutes after any other exit, and never once the stop file is there. It also gives the
agent a log file (a task has no console): logs\\agent.log, rotated at 5 MB.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agent_client.windows.layout import Layout

RESTART_NOW = 75  # EX_TEMPFAIL, agent_client/update: a new version is in place
FIRST_DELAY, MAX_DELAY = 10.0, 300.0
HEALTHY_AFTER = 600.0  # a run this long was not a crash loop: the next failure waits FIRST_DELAY again
LOG_MAX_BYTES = 5 * 1024 * 1024


def restart_delay(exit_code: int, failures: int) -> float:
    """Seconds to wait before starting `run` again; `failures` counts quick exits in a row before this one."""
    if exit_code == RESTART_NOW:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2.0 ** min(failures, 16))  # capped: days of failures must not overflow


def agent_command(layout: Layout) -> list[str]:
    """This same agent: the .pyz the task started (so a swapped file is what runs next), or the installed package."""
    entry = [sys.argv[0]] if sys.argv[0].endswith(".pyz") else ["-m", "agent_client"]
    return [sys.executable, *entry, "--config", str(layout.config), "run", "--stop-file", str(layout.stop_file)]


def supervise(layout: Layout, command: Sequence[str], sleep: Callable[[float], None] = time.sleep) -> int:
    stop, running = Path(layout.stop_file), Path(layout.running_file)
    Path(layout.logs).mkdir(parents=True, exist_ok=True)
    stop.unlink(missing_ok=True)  # left from before a reboot: it must not stop this start
    running.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        _loop(layout, command, stop, sleep)
    finally:
        stop.unlink(missing_ok=True)  # before `running`: `windows stop` is done when `running` goes
        running.unlink(missing_ok=True)
    return 0


def _loop(layout: Layout, command: Sequence[str], stop: Path, sleep: Callable[[float], None]) -> None:
    failures = 0
    while not stop.exists():
        started = time.monotonic()
        code = _run_once(Path(layout.log_file), command)
        if stop.exists():
            return
        if time.monotonic() - started >= HEALTHY_AFTER:
            failures = 0
        delay = restart_delay(code, failures)
        if code != RESTART_NOW:
            failures += 1
        _note(Path(layout.log_file), f"agent exited with {code}; starting it again in {delay:.0f} s")
        _sleep_unless_stopped(stop, delay, sleep)


def _run_once(log_file: Path, command: Sequence[str]) -> int:
    _rotate(log_file)
    with log_file.open("ab") as log:
        return subprocess.run(list(command), stdin=subprocess.DEVNULL, stdout=log, stderr=log, check=False).returncode


def _sleep_unless_stopped(stop: Path, delay: float, sleep: Callable[[float], None]) -> None:
    deadline = time.monotonic() + delay
    while not stop.exists() and time.monotonic() < deadline:
        sleep(min(1.0, delay))


def _rotate(log_file: Path) -> None:
    if log_file.exists() and log_file.stat().st_size > LOG_MAX_BYTES:
        os.replace(log_file, log_file.with_name(log_file.name + ".1"))


def _note(log_file: Path, message: str) -> None:
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} supervisor: {message}\n")
