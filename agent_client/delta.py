"""Steady-state uploads: a device's read is sent as what changed since its last acknowledged read.

The outbox keeps full results; encoding happens at upload time against the reads the portal has
acknowledged (kept here per device and directive kind). A portal that no longer knows a base answers
409 `base_unknown`, and the agent forgets its bases and sends the full result again: nothing is lost.

Entries are sent in the compact form (docs/agent-protocol.md, "Compact changes"): the device as its position
in the base upload, the base as the first digits of its result id, counters as the pages they moved on, OIDs
relative to the one before. A base remembered before positions were kept is sent in the long form.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DELTA_KINDS = ("read", "status")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS acked_reads (key TEXT PRIMARY KEY, result_id TEXT NOT NULL, varbinds TEXT NOT NULL,"
    " position INTEGER)"
)
BASE_DIGITS = 12
OID_START = "1.3.6.1.2.1.43.10.2.1.4.1.1"  # what each list's first relative OID is written from (the portal's too)
COUNT_TYPES = ("int", "uint", "counter32", "counter64")


class DeltaEncoder:
    def __init__(self, db: sqlite3.Connection, compact: bool = True) -> None:
        self.db = db
        # The compact form only to a portal that said it reads it (its heartbeat's `features`); else the long one.
        self.compact = compact
        self.db.execute(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(acked_reads)")}
        if "position" not in columns:  # bases kept by an agent from before the compact form
            with self.db:
                self.db.execute("ALTER TABLE acked_reads ADD COLUMN position INTEGER")

    def encode(self, kind: str, result: dict[str, Any]) -> dict[str, Any]:
        """The result with each device that has an acknowledged base sent as changes to it."""
        if kind not in DELTA_KINDS:
            return result
        devices = [self._device_entry(kind, entry) for entry in result.get("devices") or []]
        return {**result, "devices": devices}

    def _device_entry(self, kind: str, entry: dict[str, Any]) -> dict[str, Any]:
        if not entry.get("ok") or not entry.get("device_id") or "varbinds" not in entry:
            return entry
        row = self.db.execute(
            "SELECT result_id, varbinds, position FROM acked_reads WHERE key = ?", (_key(kind, entry["device_id"]),)
        ).fetchone()
        if row is None:
            return entry
        base = {vb[0]: vb for vb in json.loads(row[1])}
        now = {vb[0]: vb for vb in entry["varbinds"]}
        changed = [vb for oid, vb in now.items() if base.get(oid) != vb]
        removed = [oid for oid in base if oid not in now]
        delta = {key: value for key, value in entry.items() if key != "varbinds"}
        if row[2] is None or not self.compact:
            return {**delta, "base": row[0], "changed": changed, "removed": removed}
        return _compact(delta, row[0], row[2], base, changed, removed)

    def remember(self, kind: str, result: dict[str, Any], result_id: str) -> None:
        """After the portal acknowledged `result` as `result_id`: its full reads become the next bases, each
        with its position in the upload (the compact form names a device by it)."""
        if kind not in DELTA_KINDS or not result_id:
            return
        rows = [
            (_key(kind, entry["device_id"]), result_id, json.dumps(entry["varbinds"], separators=(",", ":")), n)
            for n, entry in enumerate(result.get("devices") or [])
            if entry.get("ok") and entry.get("device_id") and entry.get("varbinds")
        ]
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO acked_reads (key, result_id, varbinds, position) VALUES (?, ?, ?, ?)", rows
            )

    def forget(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM acked_reads")


Varbind = list[Any]


def _compact(
    delta: dict[str, Any],
    result_id: str,
    position: int,
    base: dict[str, Varbind],
    changed: list[Varbind],
    removed: list[str],
) -> dict[str, Any]:
    """The compact entry: `i` position, `b` base, `p` counters moved on, `c` other changes, `r` removed."""
    moved = [vb for vb in changed if _moved_on(base.get(vb[0]), vb)]
    other = [vb for vb in changed if not _moved_on(base.get(vb[0]), vb)]
    own = {key: value for key, value in delta.items() if key not in ("device_id", "ok")}
    entry = {**own, "i": position, "b": result_id.replace("-", "")[:BASE_DIGITS]}
    pages = [[vb[0], vb[2] - base[vb[0]][2]] for vb in moved]
    lists = {"p": _relative(pages), "c": _relative(other), "r": relative_oids(removed)}
    return {**entry, **{key: items for key, items in lists.items() if items}}


def _relative(varbinds: list[Varbind]) -> list[Varbind]:
    oids = relative_oids([vb[0] for vb in varbinds])
    return [[oid, *vb[1:]] for oid, vb in zip(oids, varbinds, strict=True)]


def _moved_on(before: Varbind | None, now: Varbind) -> bool:
    """A count that went up (or stayed) and kept its type: sent as the pages it moved on."""
    if before is None or before[1] != now[1] or now[1] not in COUNT_TYPES:
        return False
    old, new = before[2], now[2]
    return all(isinstance(v, int) and not isinstance(v, bool) for v in (old, new)) and 0 <= old <= new


def relative_oids(oids: list[str]) -> list[str]:
    """Each OID written from the one before (OID_START for the first) when shorter: "^k.a.b" drops the last
    k arcs of the OID before and adds a.b."""
    out, previous = [], OID_START.split(".")
    for oid in oids:
        arcs = oid.split(".")
        common = 0
        while common < min(len(arcs), len(previous)) and arcs[common] == previous[common]:
            common += 1
        relative = "^" + ".".join([str(len(previous) - common), *arcs[common:]])
        out.append(relative if len(relative) < len(oid) else oid)
        previous = arcs
    return out


def _key(kind: str, device_id: str) -> str:
    return f"{kind}:{device_id}"
