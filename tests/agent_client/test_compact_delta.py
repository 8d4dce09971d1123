"""Steady-state reads in the compact form: what the agent sends, and bases kept by an older agent."""

import json
import sqlite3
import uuid

from agent_client.delta import DeltaEncoder, relative_oids

LIFE_COUNT, SUPPLY, NAME = "1.3.6.1.2.1.43.10.2.1.4.1.1", "1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.1.5.0"
VENDOR = "1.3.6.1.4.1.2385.1.1.19.2.1.3.1.4.60"
BASE_READ = [
    [NAME, "str", "printer"],
    [LIFE_COUNT, "counter32", 120_000],
    [VENDOR, "counter32", 90_000],
    [f"{VENDOR[:-3]}.61", "counter32", 30_000],
    [SUPPLY, "int", 80],
]
LATER_READ = [
    [LIFE_COUNT, "counter32", 120_250],
    [VENDOR, "counter32", 90_200],
    [f"{VENDOR[:-3]}.61", "counter32", 30_050],
    [SUPPLY, "int", 78],
]


def _acknowledged(encoder: DeltaEncoder, device_ids: list[str]) -> str:
    result_id = str(uuid.uuid4())
    full = {"kind": "read", "devices": [{"device_id": d, "ok": True, "varbinds": BASE_READ} for d in device_ids]}
    encoder.remember("read", full, result_id)
    return result_id


def test_a_steady_read_names_its_device_by_position_and_its_base_by_a_short_prefix():
    encoder = DeltaEncoder(sqlite3.connect(":memory:"))
    devices = [str(uuid.uuid4()) for _ in range(3)]
    base = _acknowledged(encoder, devices)
    read = {"kind": "read", "devices": [{"device_id": devices[2], "ok": True, "varbinds": LATER_READ}]}
    (entry,) = encoder.encode("read", read)["devices"]
    assert entry["i"] == 2 and entry["b"] == base.replace("-", "")[:12] and "device_id" not in entry
    assert [pages for _oid, pages in entry["p"]] == [250, 200, 50]  # counters as the pages they moved on
    assert [vb[1:] for vb in entry["c"]] == [["int", 78]]  # a supply level that went down is a new value
    assert entry["r"] == ["^7.1.5.0"]  # 1.3.6.1.2.1.1.5.0, written from prtMarkerLifeCount.1.1


def test_relative_oids_are_written_from_the_one_before_and_only_when_shorter():
    written = relative_oids([LIFE_COUNT, VENDOR, f"{VENDOR[:-3]}.61", "9.9"])
    assert written == ["^0", "^9.4.1.2385.1.1.19.2.1.3.1.4.60", "^1.61", "9.9"]


def test_bases_an_older_agent_kept_without_positions_are_sent_in_the_long_form():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE acked_reads (key TEXT PRIMARY KEY, result_id TEXT NOT NULL, varbinds TEXT NOT NULL)")
    base, device = str(uuid.uuid4()), str(uuid.uuid4())
    db.execute("INSERT INTO acked_reads VALUES (?, ?, ?)", (f"read:{device}", base, json.dumps(BASE_READ)))
    encoder = DeltaEncoder(db)
    read = {"kind": "read", "devices": [{"device_id": device, "ok": True, "varbinds": LATER_READ}]}
    (entry,) = encoder.encode("read", read)["devices"]
    assert entry["base"] == base and entry["device_id"] == device and entry["removed"] == [NAME]
    assert [LIFE_COUNT, "counter32", 120_250] in entry["changed"]
    encoder.remember("read", read, str(uuid.uuid4()))  # acknowledged again: from now on the compact form
    assert encoder.encode("read", read)["devices"][0]["i"] == 0
