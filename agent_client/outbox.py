"""The store-and-forward outbox: every result is committed here before it is sent, and leaves only on the
portal's acknowledgement. SQLite in WAL mode (readers such as `status` never block the service), bounded by size.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    directive_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Entry:
    idempotency_key: str
    directive_id: str
    kind: str
    body: bytes  # gzip-compressed JSON, sent as is

    def result(self) -> Any:
        return json.loads(gzip.decompress(self.body))


class Outbox:
    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a power cut
        self.db.executescript(SCHEMA)
        path.chmod(0o600)

    def close(self) -> None:
        self.db.close()

    def put(self, directive_id: str, kind: str, result: dict[str, Any]) -> str:
        """Store a result; returns its idempotency key. Oldest results are dropped (and counted) past the bound."""
        key = str(uuid.uuid4())
        body = gzip.compress(json.dumps(result, separators=(",", ":")).encode(), compresslevel=6)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO results (idempotency_key, directive_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)",
                (key, directive_id, kind, body, time.time()),
            )
            self._enforce_bound(key)
        return key

    def _enforce_bound(self, keep: str) -> None:
        total = self.db.execute("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM results").fetchone()[0]
        while total > self.max_bytes:
            row = self.db.execute(
                "SELECT seq, LENGTH(body) FROM results WHERE idempotency_key != ? ORDER BY seq LIMIT 1", (keep,)
            ).fetchone()
            if row is None:
                return
            self.db.execute("DELETE FROM results WHERE seq = ?", (row[0],))
            self._bump("dropped")
            total -= row[1]

    def pending(self, limit: int = 100) -> list[Entry]:
        rows = self.db.execute(
            "SELECT idempotency_key, directive_id, kind, body FROM results ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [Entry(*row) for row in rows]

    def has_result_for(self, directive_id: str) -> bool:
        row = self.db.execute("SELECT 1 FROM results WHERE directive_id = ? LIMIT 1", (directive_id,)).fetchone()
        return row is not None

    def ack(self, idempotency_key: str) -> None:
        self.db.execute("DELETE FROM results WHERE idempotency_key = ?", (idempotency_key,))

    def drop(self, idempotency_key: str) -> None:
        """Give up on a result the portal refused for good (unknown directive, too large): counted as dropped."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.db.execute("DELETE FROM results WHERE idempotency_key = ?", (idempotency_key,)).rowcount:
                self._bump("dropped")

    def mark_attempt(self, idempotency_key: str) -> None:
        self.db.execute("UPDATE results SET attempts = attempts + 1 WHERE idempotency_key = ?", (idempotency_key,))

    def depth(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM results").fetchone()[0])

    def dropped(self) -> int:
        return int(self.get_state("dropped") or 0)

    def _bump(self, key: str) -> None:
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
            (key,),
        )

    def get_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
