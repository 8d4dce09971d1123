"""The graceful stop on Windows, where a scheduled task gets no SIGTERM: a file in the agent's folder.

`windows stop` writes it; `run --stop-file` sees it within a second and stops as on SIGTERM; the supervisor, when
`run` has exited, removes it and exits too. `windows stop` waits for the supervisor's `running` file to go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

log = logging.getLogger("meterbridge.agent")
CHECK_EVERY = 1.0


async def watch_stop_file(path: Path, stop: asyncio.Event, every: float = CHECK_EVERY) -> None:
    """Sets `stop` once `path` exists. A stat a second: nothing measurable for an agent that is otherwise idle."""
    while not stop.is_set():
        if path.exists():
            log.info("stop requested (%s): stopping", path)
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)


def request_stop(stop_file: Path) -> None:
    stop_file.write_text(f"stop requested at {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n", encoding="utf-8")


def wait_until_gone(path: Path, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while path.exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)
    return True
