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
from pathlib import Path
from typing import Any

from agent_client.timeutil import now_iso

log = logging.getLogger("meterbridge.agent")
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # a checkout, site-packages or the unpacked zipapp


async def run_in_process(directive: dict[str, Any]) -> dict[str, Any]:
    from agent_client.runner import run_directive
    from agent_client.snmp.session import SnmpSession

    session = SnmpSession()
    try:
        return await run_directive(directive, session)
    finally:
        session.close()


async def run_in_subprocess(directive: dict[str, Any]) -> dict[str, Any]:
    code = f"import sys; sys.path.insert(0, {str(PACKAGE_ROOT)!r}); from agent_client.worker import main; main()"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await proc.communicate(json.dumps(directive).encode())
    finally:
        if proc.returncode is None:  # cancelled (SIGTERM): do not leave the child scanning on its own
            proc.kill()
            await proc.wait()
    if proc.returncode == 0:
        result: dict[str, Any] = json.loads(out)
        return result
    tail = err.decode(errors="replace").strip().splitlines()[-3:]
    log.error("directive %s: worker exited with %s: %s", directive.get("id"), proc.returncode, " | ".join(tail))
    return failed_result(directive, f"the agent's worker process exited with status {proc.returncode}")


def failed_result(directive: dict[str, Any], message: str) -> dict[str, Any]:
    error = {"target": "", "code": "error", "message": message}
    return {"kind": directive.get("kind"), "started_at": now_iso(), "finished_at": now_iso(), "errors": [error]}


def main() -> None:
    """Child side: one directive as JSON on stdin, its result as JSON on stdout."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    directive = json.load(sys.stdin)
    result = asyncio.run(run_in_process(directive))
    json.dump(result, sys.stdout, separators=(",", ":"))
