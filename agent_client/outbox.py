"""The store-and-forward outbox: every result is committed here before it is sent, and leaves only on the
portal's acknowledgement. SQLite in WAL mode (readers such as `status` never block the service), bounded by size.

A result the portal keeps refusing is moved to `set_aside` (its own bound, oldest dropped and counted), so one
poison upload cannot hold back the rest; it stays there until an operator runs `outbox retry-set-aside`.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DETAIL_LIMIT = 20  # set-aside entries the heartbeat describes, newest first
REASON_CHARS = 200

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
CREATE TABLE IF NOT EXISTS set_aside (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    directive_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    body BLOB NOT NULL,
    sent BLOB,
    created_at REAL NOT NULL,
    set_aside_at REAL NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL
);
"""
# Columns newer than the first release: outboxes written by older agents get them on open.
# strikes: 5xx answers to this result while the portal otherwise answered; sent: the exact body of the first
# upload attempt, resent as is (the portal compares a retried Idempotency-Key's body with the first one's).
ADDED_COLUMNS = {"strikes": "INTEGER NOT NULL DEFAULT 0", "sent": "BLOB"}
# Per bounded table: its total size, its oldest row (bar one key) with that row's size, and how to drop a row.
BOUND_SQL = {
    "results": (
        "SELECT COALESCE(SUM(LENGTH(body) + COALESCE(LENGTH(sent), 0)), 0) FROM results",
        "SELECT seq, LENGTH(body) + COALESCE(LENGTH(sent), 0) FROM results WHERE idempotency_key != ? "
        "ORDER BY seq LIMIT 1",
        "DELETE FROM results WHERE seq = ?",
    ),
    "set_aside": (
        "SELECT COALESCE(SUM(LENGTH(body) + COALESCE(LENGTH(sent), 0)), 0) FROM set_aside",
        "SELECT seq, LENGTH(body) + COALESCE(LENGTH(sent), 0) FROM set_aside WHERE idempotency_key != ? "
        "ORDER BY seq LIMIT 1",
        "DELETE FROM set_aside WHERE seq = ?",
    ),
}


@dataclass(frozen=True)
class Entry:
    idempotency_key: str
    directive_id: str
    kind: str
    body: bytes  # gzip-compressed JSON, the full result
    seq: int = 0
    sent: bytes | None = None  # the first upload attempt's body: None never tried, b"" the full body

    def result(self) -> Any:
        return json.loads(gzip.decompress(self.body))

    @property
    def first_sent(self) -> bytes | None:
        """What a retry must send again, so the portal sees the same body under the same Idempotency-Key."""
        return None if self.sent is None else (self.sent or self.body)


class Outbox:
    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES, set_aside_max_bytes: int = 0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.set_aside_max_bytes = set_aside_max_bytes or max_bytes // 4
        self.db = sqlite3.connect(path, timeout=10, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # an acknowledged write survives a power cut
        self.db.executescript(SCHEMA)
        self._add_columns()
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            with contextlib.suppress(FileNotFoundError):  # the WAL holds result pages too: owner-only as well
                file.chmod(0o600)

    def _add_columns(self) -> None:
        have = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
        for name, declaration in ADDED_COLUMNS.items():
            if name not in have:
                with contextlib.suppress(sqlite3.OperationalError):  # `status` opened it at the same moment
                    self.db.execute(f"ALTER TABLE results ADD COLUMN {name} {declaration}")

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

    def _enforce_bound(self, keep: str, table: str = "results") -> None:
        """Drops the oldest rows of `table` (results or set_aside) past its bound, counting each as dropped."""
        bound = self.max_bytes if table == "results" else self.set_aside_max_bytes
        size, oldest, delete = BOUND_SQL[table]
        total = self.db.execute(size).fetchone()[0]
        while total > bound:
            row = self.db.execute(oldest, (keep,)).fetchone()
            if row is None:
                return
            self.db.execute(delete, (row[0],))
            self._bump("dropped")
            total -= row[1]

    def pending(self, limit: int = 100) -> list[Entry]:
        rows = self.db.execute(
            "SELECT idempotency_key, directive_id, kind, body, seq, sent FROM results ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [Entry(*row) for row in rows]

    def queue(self) -> list[int]:
        """The order of a flush: results never tried (or tried least) first, each oldest first."""
        return [int(row[0]) for row in self.db.execute("SELECT seq FROM results ORDER BY attempts, seq")]

    def entry(self, seq: int) -> Entry | None:
        row = self.db.execute(
            "SELECT idempotency_key, directive_id, kind, body, seq, sent FROM results WHERE seq = ?", (seq,)
        ).fetchone()
        return None if row is None else Entry(*row)

    def has_result_for(self, directive_id: str) -> bool:
        """Set-aside results do not count: a directive offered again is read again, and a fresh read may pass."""
        row = self.db.execute("SELECT 1 FROM results WHERE directive_id = ? LIMIT 1", (directive_id,)).fetchone()
        return row is not None

    def ack(self, idempotency_key: str) -> None:
        self.db.execute("DELETE FROM results WHERE idempotency_key = ?", (idempotency_key,))

    def drop(self, idempotency_key: str) -> None:
        """Give up on a result the portal does not need (a 409: answered elsewhere, cancelled): counted as dropped."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            if self.db.execute("DELETE FROM results WHERE idempotency_key = ?", (idempotency_key,)).rowcount:
                self._bump("dropped")

    def mark_attempt(self, idempotency_key: str) -> None:
        self.db.execute("UPDATE results SET attempts = attempts + 1 WHERE idempotency_key = ?", (idempotency_key,))

    def remember_sent(self, idempotency_key: str, body: bytes, full: bool) -> None:
        """Keeps what an attempt sent; a full body is not stored twice (b"" stands for it)."""
        sent = b"" if full else body
        self.db.execute("UPDATE results SET sent = ? WHERE idempotency_key = ?", (sent, idempotency_key))

    def strike(self, idempotency_key: str) -> int:
        """One more 5xx for this result; returns how many it has had."""
        self.db.execute("UPDATE results SET strikes = strikes + 1 WHERE idempotency_key = ?", (idempotency_key,))
        row = self.db.execute("SELECT strikes FROM results WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_aside(self, idempotency_key: str, status: int, reason: str) -> None:
        """Moves a result the portal keeps refusing out of the way; kept (within its own bound), never silently."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO set_aside (idempotency_key, directive_id, kind, body, sent, created_at, set_aside_at, "
                "status, reason) SELECT idempotency_key, directive_id, kind, body, sent, created_at, ?, ?, ? "
                "FROM results WHERE idempotency_key = ?",
                (time.time(), status, reason[:REASON_CHARS], idempotency_key),
            )
            self.db.execute("DELETE FROM results WHERE idempotency_key = ?", (idempotency_key,))
            self._enforce_bound(idempotency_key, "set_aside")

    def set_aside_count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM set_aside").fetchone()[0])

    def set_aside_detail(self, limit: int = DETAIL_LIMIT) -> list[dict[str, Any]]:
        """Newest first: what, why and when, never the payload (the heartbeat carries this)."""
        rows = self.db.execute(
            "SELECT directive_id, kind, status, reason, set_aside_at FROM set_aside ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [_described(*row) for row in rows]

    def retry_set_aside(self) -> int:
        """Puts every set-aside result back at the end of the queue, strikes cleared; returns how many."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            moved = self.db.execute(
                "INSERT INTO results (idempotency_key, directive_id, kind, body, sent, created_at) "
                "SELECT idempotency_key, directive_id, kind, body, sent, created_at FROM set_aside ORDER BY seq"
            ).rowcount
            self.db.execute("DELETE FROM set_aside")
            self._enforce_bound("")
        return int(moved)

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


def _described(directive_id: str, kind: str, status: int, reason: str, at: float) -> dict[str, Any]:
    """Within the portal's bounds whatever the directive id was: a heartbeat it refused would stop the agent."""
    code = status if 0 <= status <= 999 else None
    return {"directive_id": directive_id[:64], "kind": kind[:16], "status": code, "reason": reason, "at": _iso(at)}


def _iso(stamp: float) -> str:
    return datetime.fromtimestamp(stamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
