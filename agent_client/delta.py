"""Steady-state uploads: a device's read is sent as what changed since its last acknowledged read.

The outbox keeps full results; encoding happens at upload time against the reads the portal has
acknowledged (kept here per device and directive kind). A portal that no longer knows a base answers
409 `base_unknown`, and the agent forgets its bases and sends the full result again: nothing is lost.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DELTA_KINDS = ("read", "status")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS acked_reads (key TEXT PRIMARY KEY, result_id TEXT NOT NULL, varbinds TEXT NOT NULL)"
)


class DeltaEncoder:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.execute(SCHEMA)

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
            "SELECT result_id, varbinds FROM acked_reads WHERE key = ?", (_key(kind, entry["device_id"]),)
        ).fetchone()
        if row is None:
            return entry
        base = {vb[0]: vb for vb in json.loads(row[1])}
        now = {vb[0]: vb for vb in entry["varbinds"]}
        changed = [vb for oid, vb in now.items() if base.get(oid) != vb]
        removed = [oid for oid in base if oid not in now]
        delta = {key: value for key, value in entry.items() if key != "varbinds"}
        return {**delta, "base": row[0], "changed": changed, "removed": removed}

    def remember(self, kind: str, result: dict[str, Any], result_id: str) -> None:
        """After the portal acknowledged `result` as `result_id`: its full reads become the next bases."""
        if kind not in DELTA_KINDS or not result_id:
            return
        rows = [
            (_key(kind, entry["device_id"]), result_id, json.dumps(entry["varbinds"], separators=(",", ":")))
            for entry in result.get("devices") or []
            if entry.get("ok") and entry.get("device_id") and entry.get("varbinds")
        ]
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO acked_reads (key, result_id, varbinds) VALUES (?, ?, ?)", rows)

    def forget(self) -> None:
        with self.db:
            self.db.execute("DELETE FROM acked_reads")


def _key(kind: str, device_id: str) -> str:
    return f"{kind}:{device_id}"
