"""Read one device by an OID plan: GETs packed into as few PDUs as it accepts, tables walked with guards.

Talks to the network only through `SnmpSession`; a failure ends as the device's error, never the run's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent_client.errors import SnmpError, SnmpLoop, SnmpNoSuchName, SnmpTimeout, SnmpTooBig
from agent_client.snmp.codec import Varbind, in_subtree, oid_tuple
from agent_client.snmp.session import Target

MAX_GET_PER_PDU = 32
MAX_REPETITIONS = 32
# Walks start small and grow while the column goes on: a one-row column (a serial number) then costs a few
# varbinds of overshoot instead of 32 rows of the next column.
FIRST_REPETITIONS = 8
MAX_VARBINDS_PER_BULK = 64  # rows x columns asked in one GETBULK; many printers answer tooBig past ~1400 bytes
MAX_ROWS_PER_WALK = 5000


class Session(Protocol):
    async def get(self, target: Target, oids: Sequence[str]) -> list[Varbind]: ...
    async def get_next(self, target: Target, oids: Sequence[str]) -> list[Varbind]: ...
    async def get_bulk(self, target: Target, oids: Sequence[str], max_repetitions: int) -> list[Varbind]: ...


@dataclass
class Plan:
    get: list[str] = field(default_factory=list)
    walk: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(get=[o.strip(".") for o in data.get("get", [])], walk=[o.strip(".") for o in data.get("walk", [])])


@dataclass
class DeviceRead:
    varbinds: list[Varbind] = field(default_factory=list)
    requests: int = 0
    elapsed_ms: int = 0
    error: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class PlanReader:
    """Reads plans for one target; remembers how big a PDU the device accepts across calls."""

    def __init__(
        self, session: Session, target: Target, max_rows: int = MAX_ROWS_PER_WALK, first_repetitions: int = 0
    ) -> None:
        self.session, self.target, self.max_rows = session, target, max_rows
        self.get_size, self.max_repetitions = MAX_GET_PER_PDU, MAX_REPETITIONS
        self.first_repetitions = first_repetitions or FIRST_REPETITIONS
        self.repetitions = self.first_repetitions
        self.result = DeviceRead()

    async def read(self, plan: Plan) -> DeviceRead:
        started = time.monotonic()
        try:
            await self.get_all(plan.get)
            await self.walk_all(plan.walk)
        except SnmpError as exc:
            self.result.error = {"code": exc.code, "message": str(exc)}
        self.result.elapsed_ms = round((time.monotonic() - started) * 1000)
        return self.result

    async def get_all(self, oids: Sequence[str]) -> None:
        pending = list(oids)
        while pending:
            chunk = pending[: self.get_size]
            try:
                self.result.requests += 1
                self.result.varbinds += await self.session.get(self.target, chunk)
                del pending[: len(chunk)]
            except SnmpNoSuchName as exc:  # SNMPv1 fails the whole PDU for one unknown OID: record it, retry the rest
                self._drop_unknown(pending, len(chunk), exc.index)
            except (SnmpTooBig, SnmpTimeout) as exc:
                self._shrink_get(exc, len(chunk))

    def _drop_unknown(self, pending: list[str], chunk_size: int, index: int) -> None:
        if not 0 <= index < chunk_size:
            raise SnmpNoSuchName("noSuchName without a valid error-index")
        self.result.varbinds.append((pending.pop(index), "nosuchobject", None))

    def _shrink_get(self, exc: SnmpError, size: int) -> None:
        # A timeout before any answer means the device is away; after one, it may be dropping big PDUs.
        if size <= 1 or (isinstance(exc, SnmpTimeout) and not self.result.varbinds):
            raise exc
        self.get_size = max(1, size // 2)

    async def walk_all(self, roots: Sequence[str]) -> None:
        """Walk every root side by side: one GETBULK (or v1 GETNEXT) carries one varbind per unfinished column."""
        columns = [_Column(root) for root in roots]
        self.repetitions = min(self.first_repetitions, self.max_repetitions)
        try:
            while active := [c for c in columns if not c.done]:
                batch = await self._next_batch(active)
                if batch is None:  # a column ended (SNMPv1): ask again for the others
                    continue
                self.repetitions = min(self.repetitions * 2, self.max_repetitions)
                for index, varbind in enumerate(batch):
                    active[index % len(active)].take(varbind, self.max_rows)
                for column in active:
                    column.end_of_batch()
        finally:  # rows read before a loop or a timeout still go back to the portal, grouped by root
            for column in columns:
                self.result.varbinds += column.rows

    async def _next_batch(self, active: list[_Column]) -> list[Varbind] | None:
        while True:
            lasts = [c.last for c in active]
            try:
                self.result.requests += 1
                if self.target.credential.version == "1":
                    return await self.session.get_next(self.target, lasts)
                per_column = max(1, min(self.repetitions, MAX_VARBINDS_PER_BULK // len(active)))
                return await self.session.get_bulk(self.target, lasts, per_column)
            except SnmpNoSuchName as exc:  # SNMPv1's end of the MIB view, for the column at error-index
                self._end_column(active, exc.index)
                return None
            except (SnmpTooBig, SnmpTimeout) as exc:
                self._shrink_bulk(exc)

    @staticmethod
    def _end_column(active: list[_Column], index: int) -> None:
        for position, column in enumerate(active):
            if index < 0 or position == index:
                column.done = True

    def _shrink_bulk(self, exc: SnmpError) -> None:
        if self.repetitions <= 1 or (isinstance(exc, SnmpTimeout) and not self.result.varbinds):
            raise exc
        self.repetitions = self.max_repetitions = max(1, self.repetitions // 2)


class _Column:
    """One walked root: guards that it only moves forward, stays bounded and ends where the subtree ends."""

    def __init__(self, root: str) -> None:
        self.root, self.last = root, root
        self.rows: list[Varbind] = []
        self.done = self.progressed = False

    def take(self, varbind: Varbind, max_rows: int) -> None:
        oid, kind, _ = varbind
        if self.done:
            return
        if kind == "endofmibview" or not in_subtree(oid, self.root):
            self.done = True
            return
        if oid_tuple(oid) <= oid_tuple(self.last):
            raise SnmpLoop(f"walk of {self.root} went backwards or repeated at {oid}")
        self.rows.append(varbind)
        self.last, self.progressed = oid, True
        if len(self.rows) > max_rows:
            raise SnmpLoop(f"walk of {self.root} passed {max_rows} rows")

    def end_of_batch(self) -> None:
        if not self.progressed:
            self.done = True
        self.progressed = False
