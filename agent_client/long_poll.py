"""When the agent long-polls for directives between heartbeats, and when it polls plainly (docs/agent-protocol.md,
"Long polls").

The portal says in every directives answer how long it holds a poll (`max_wait`; absent from older portals, 0 when
it cannot hold this one). Between two heartbeat cycles the agent then asks `GET /directives?wait=…` again and
again, so a "Scan now" reaches it in seconds. Something between the agent and the portal may not let a request
live that long (a proxy that cuts it with a 502/504 or a timeout, or answers before the portal could have): after
STRIKES such polls in a row the agent polls plainly, on its heartbeat cadence, for PLAIN_FOR seconds, then tries
again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("meterbridge.agent")
MIN_WAIT = 10  # a shorter rest of the interval is slept, not polled for
EARLY = 0.5  # an empty answer before this share of its wait did not come from a portal holding the poll
STRIKES = 3
PLAIN_FOR = 3600.0


@dataclass
class LongPoll:
    max_wait: int = 0  # what the portal last said it holds; 0: plain polls until it says otherwise
    strikes: int = 0
    plain_until: float = float("-inf")
    clock: Callable[[], float] = field(default=time.monotonic)

    def adopt(self, answer: dict[str, Any]) -> None:
        wait = answer.get("max_wait")
        self.max_wait = int(wait) if isinstance(wait, int) and not isinstance(wait, bool) and wait > 0 else 0

    def wait_for(self, remaining: float) -> int | None:
        """How long to ask the portal to hold the next poll, or None to sleep out the `remaining` seconds."""
        if self.max_wait <= 0 or self.clock() < self.plain_until:
            return None
        wait = int(min(self.max_wait, remaining))
        return wait if wait >= MIN_WAIT else None

    def answered(self, answer: dict[str, Any], wait: int, elapsed: float) -> None:
        """A long poll came back: with work, or held as asked, it worked; empty and early, it was cut short."""
        declined = not answer.get("max_wait")  # the portal could not hold it (busy, shutting down): not a cut
        if answer.get("directives") or declined or elapsed >= wait * EARLY:
            self.strikes = 0
            return
        self.strike(f"an empty answer after {elapsed:.0f} s of a {wait} s wait")

    def strike(self, why: str) -> None:
        self.strikes += 1
        log.info("long poll cut short (%s)", why)
        if self.strikes >= STRIKES:
            self.strikes = 0
            self.plain_until = self.clock() + PLAIN_FOR
            log.warning(
                "long polls keep being cut short (%s): polling plainly for %.0f minutes, then trying again",
                why,
                PLAIN_FOR / 60,
            )
