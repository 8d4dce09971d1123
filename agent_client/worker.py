"""Run directives in a child process so the service stays small while it sleeps.

The SNMP stack (pysnmp, its MIB modules, one engine) costs ~25 MB that Python would keep after the first
directive; a child gives it all back when it exits, and a device that manages to crash the SNMP stack takes
down only that child, which ends as an error result instead of a dead service.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from agent_client.timeutil import now_iso

log = logging.getLogger("meterbridge.agent")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # a checkout, site-packages or the unpacked zipapp
PROGRESS_MARK = "@progress "
PROGRESS_LINES_EVERY = 0.25  # seconds between the child's progress lines; the service posts far less often
ProgressSink = Callable[[str, dict[str, int]], None]  # (directive id, {"probed", "total", "found"})


async def run_in_process(directive: dict[str, Any], on_progress: ProgressSink | None = None) -> dict[str, Any]:
    from agent_client.runner import run_directive
    from agent_client.snmp.session import SnmpSession

    directive_id = str(directive.get("id"))

    def progress(probed: int, total: int, found: int) -> None:
        if on_progress is not None:
            on_progress(directive_id, {"probed": probed, "total": total, "found": found})

    session = SnmpSession()
    try:
        return await run_directive(directive, session, progress)
    finally:
        session.close()


async def run_in_subprocess(directive: dict[str, Any], on_progress: ProgressSink | None = None) -> dict[str, Any]:
    code = f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); from agent_client.worker import main; main()"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=2**20,
    )
    try:
        out, tail = await _exchange(proc, directive, on_progress)
    finally:
        if proc.returncode is None:  # cancelled (SIGTERM): do not leave the child scanning on its own
            proc.kill()
            await proc.wait()
    if proc.returncode == 0:
        result: dict[str, Any] = json.loads(out)
        return result
    log.error("directive %s: worker exited with %s: %s", directive.get("id"), proc.returncode, " | ".join(tail))
    return failed_result(directive, f"the agent's worker process exited with status {proc.returncode}")


async def _exchange(
    proc: asyncio.subprocess.Process, directive: dict[str, Any], on_progress: ProgressSink | None
) -> tuple[bytes, list[str]]:
    """The directive in; the result out, and stderr read line by line meanwhile (progress as it comes)."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None  # all PIPE
    proc.stdin.write(json.dumps(directive).encode())
    await proc.stdin.drain()
    proc.stdin.close()
    out, tail = await asyncio.gather(proc.stdout.read(), _stderr(proc.stderr, str(directive.get("id")), on_progress))
    await proc.wait()
    return out, tail


async def _stderr(stream: asyncio.StreamReader, directive_id: str, on_progress: ProgressSink | None) -> list[str]:
    tail: deque[str] = deque(maxlen=3)  # the last log lines, for the error when the child fails
    while line := await _line(stream):
        if not line.startswith(PROGRESS_MARK):
            tail.append(line)
        elif on_progress is not None and (progress := _progress(line)) is not None:
            on_progress(directive_id, progress)
    return list(tail)


async def _line(stream: asyncio.StreamReader) -> str:
    try:
        raw = await stream.readline()
    except ValueError:  # a line past the limit (asyncio has dropped it): go on with the next
        return "(a line too long to show)"
    return raw.decode(errors="replace").rstrip("\n") if raw else ""


def _progress(line: str) -> dict[str, int] | None:
    try:
        data = json.loads(line.removeprefix(PROGRESS_MARK))
        return {key: int(data[key]) for key in ("probed", "total", "found")}
    except (ValueError, TypeError, KeyError):
        return None


class _ProgressLines:
    """Child side: progress as stderr lines, a few a second at most, and always the last one."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.last = stream, 0.0

    def __call__(self, directive_id: str, progress: dict[str, int]) -> None:
        now = time.monotonic()
        if progress["probed"] < progress["total"] and now - self.last < PROGRESS_LINES_EVERY:
            return
        self.last = now
        self.stream.write(PROGRESS_MARK + json.dumps(progress) + "\n")
        self.stream.flush()


def failed_result(directive: dict[str, Any], message: str) -> dict[str, Any]:
    error = {"target": "", "code": "error", "message": message}
    return {"kind": directive.get("kind"), "started_at": now_iso(), "finished_at": now_iso(), "errors": [error]}


def main() -> None:
    """Child side: one directive as JSON on stdin, its result as JSON on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    directive = json.load(sys.stdin)
    result = asyncio.run(run_in_process(directive, _ProgressLines(sys.stderr)))
    json.dump(result, sys.stdout, separators=(",", ":"))
