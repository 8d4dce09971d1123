"""The outbox keeps every result until acknowledged, survives a restart, and counts what its bound drops."""

from __future__ import annotations

import gzip
import sqlite3
import stat

from agent_client.outbox import Outbox


def test_result_survives_a_restart_until_acknowledged(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    first = Outbox(path)
    key = first.put("d1", "read", {"kind": "read", "devices": [1, 2, 3]})
    first.close()  # the agent crashed or was stopped before posting

    second = Outbox(path)
    [entry] = second.pending()
    assert (entry.idempotency_key, entry.directive_id, entry.result()) == (
        key,
        "d1",
        {"kind": "read", "devices": [1, 2, 3]},
    )
    second.ack(key)
    assert second.pending() == [] and second.depth() == 0


def test_outbox_is_wal_and_owner_only(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    Outbox(path).close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_bound_drops_the_oldest_and_counts_them(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3", max_bytes=3000)
    noise = [f"{i:08x}{i * 7919:08x}" for i in range(200)]  # ~incompressible enough to take room
    keys = [outbox.put(f"d{i}", "read", {"n": i, "noise": noise[i * 3 : i * 3 + 60]}) for i in range(12)]
    left = [e.idempotency_key for e in outbox.pending()]
    assert left == keys[-len(left) :]  # newest kept, in order
    assert 0 < len(left) < 12
    assert outbox.dropped() == 12 - len(left)


def test_refused_result_is_dropped_and_counted(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3")
    key = outbox.put("d1", "read", {})
    outbox.drop(key)
    outbox.drop(key)  # twice: counted once
    assert outbox.depth() == 0 and outbox.dropped() == 1


def test_knows_which_directives_already_have_a_stored_result(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3")
    outbox.put("d1", "read", {})
    assert outbox.has_result_for("d1") and not outbox.has_result_for("d2")


def test_set_aside_results_are_kept_within_their_own_bound_oldest_dropped_and_counted(tmp_path):
    outbox = Outbox(tmp_path / "o.sqlite3", max_bytes=100_000, set_aside_max_bytes=3000)
    noise = [f"{i:08x}{i * 7919:08x}" for i in range(200)]
    keys = [outbox.put(f"d{i}", "read", {"n": i, "noise": noise[i * 3 : i * 3 + 60]}) for i in range(12)]
    for key in keys:
        outbox.set_aside(key, 400, "HTTP 400: refused")
    kept = [entry["directive_id"] for entry in outbox.set_aside_detail(limit=100)]
    assert kept == [f"d{i}" for i in range(11, 11 - len(kept), -1)]  # the newest, newest first
    assert 0 < len(kept) < 12 and outbox.dropped() == 12 - len(kept)
    assert outbox.depth() == 0

    assert outbox.retry_set_aside() == len(kept)
    assert outbox.set_aside_count() == 0
    assert sorted(e.directive_id for e in outbox.pending()) == sorted(kept)  # same keys: the portal dedupes


def test_an_outbox_written_by_an_older_agent_opens_with_its_results_intact(tmp_path):
    path = tmp_path / "o.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE results (seq INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL UNIQUE, "
        "directive_id TEXT NOT NULL, kind TEXT NOT NULL, body BLOB NOT NULL, created_at REAL NOT NULL, "
        "attempts INTEGER NOT NULL DEFAULT 0);"
    )
    old.execute(
        "INSERT INTO results (idempotency_key, directive_id, kind, body, created_at) VALUES (?, ?, ?, ?, 0)",
        ("k-1", "d1", "read", gzip.compress(b'{"kind": "read"}')),
    )
    old.commit()
    old.close()
    outbox = Outbox(path)
    [entry] = outbox.pending()
    assert (entry.idempotency_key, entry.result(), entry.first_sent) == ("k-1", {"kind": "read"}, None)
    assert outbox.strike("k-1") == 1
