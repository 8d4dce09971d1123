"""How a running discovery is going, told to the portal (`POST /agent/v1/directives/<id>/progress`): best effort.

At most one call every `interval` seconds per directive, always the latest numbers, never queued or retried: a
report that does not arrive is superseded by the next one, and the result says it all in the end. Nothing here
can hold up or fail the scan: a portal older than the call (404), one that is away, or one that says the
directive is done stops or skips the reports, never the work.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from agent_client.errors import AgentError
from agent_client.portal import PortalClient

log = logging.getLogger("meterbridge.agent")
REPORT_EVERY = 2.0  # seconds; the site page refreshes about as often


@dataclass
class _Reports:
    latest: dict[str, int] | None = None
    sent_at: float = float("-inf")
    task: asyncio.Task[None] | None = None
    stopped: bool = False


class ProgressReporter:
    """Called with (directive id, {"probed", "total", "found"}) from the event loop, as often as the scan likes."""

    def __init__(self, client: PortalClient, interval: float = REPORT_EVERY) -> None:
        self.client, self.interval = client, interval
        self.reports: dict[str, _Reports] = {}

    def __call__(self, directive_id: str, progress: dict[str, int]) -> None:
        if directive_id not in self.reports:  # directives run one after another: forget the finished ones
            self.reports = {k: r for k, r in self.reports.items() if r.task is not None and not r.task.done()}
        reports = self.reports.setdefault(directive_id, _Reports())
        if reports.stopped:
            return
        reports.latest = dict(progress)
        if reports.task is None or reports.task.done():
            reports.task = asyncio.get_running_loop().create_task(self._send(directive_id, reports))

    async def _send(self, directive_id: str, reports: _Reports) -> None:
        while reports.latest is not None and not reports.stopped:
            wait = reports.sent_at + self.interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # numbers arriving meanwhile replace `latest`
            progress, reports.latest = reports.latest, None
            reports.sent_at = time.monotonic()
            if progress is not None:
                reports.stopped = not await self._post(directive_id, progress)

    async def _post(self, directive_id: str, progress: dict[str, int]) -> bool:
        """False when reporting on this directive should stop."""
        try:
            await asyncio.to_thread(self.client.call, "POST", f"/directives/{directive_id}/progress", progress)
        except AgentError as exc:
            status = getattr(exc, "status", 0)
            log.debug("progress of directive %s not taken (%s)", directive_id, exc)
            return not 400 <= status < 500  # 404: a portal without the call; 409: done; 4xx: it will not change
        except OSError as exc:
            log.debug("progress of directive %s not sent (%s)", directive_id, exc)
        return True
