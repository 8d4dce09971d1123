"""Discovery sweeps of a loopback /24 where some addresses answer as real printers and the rest are silent."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time

import pytest

from agent_client.discovery.sweep import SweepOptions, sweep
from agent_client.snmp.credentials import Credential
from agent_client.snmp.probe import Prober
from tests.agent_client import snmprec
from tests.agent_client.conftest import v2c
from tests.support.snmpsim import V3_USERS

pytestmark = pytest.mark.snmp

SERIAL = "1.3.6.1.2.1.43.5.1.1.17"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"


def test_sweep_finds_exactly_the_simulated_printers(run_snmp, snmpsim_fleet):
    # How long a sweep takes is bench/discovery.py's to measure, beside onesixtyone: a timed test fails on a
    # busy machine.
    options = SweepOptions([str(snmpsim_fleet.network)], [v2c()], port=snmpsim_fleet.port, timeout=1.0, retries=1)
    result = run_snmp(lambda s: sweep(options, s))
    assert result.addresses_scanned == 254
    assert [d["ip"] for d in result.devices] == [p.ip for p in snmpsim_fleet.printers]
    assert all(d["is_printer"] and d["credential_id"] == "c1" for d in result.devices)
    assert result.wire.bytes_sent < 40_000


def test_credentials_are_tried_in_order_and_the_answering_one_is_reported(run_snmp, snmpsim_fleet):
    printer = snmpsim_fleet.printer("ricoh_mpc3002")
    creds = [v2c("wrong", "c1"), v2c(printer.community, "c2"), v2c("public", "c3")]
    options = SweepOptions([printer.ip], creds, port=printer.port, timeout=0.5, retries=0)
    result = run_snmp(lambda s: sweep(options, s))
    assert [(d["ip"], d["credential_id"]) for d in result.devices] == [(printer.ip, "c2")]


def test_exclusions_are_never_probed(run_snmp, snmpsim_fleet):
    first, second = snmpsim_fleet.printers[:2]
    options = SweepOptions([f"{first.ip}-{second.ip}"], [v2c()], exclude=[first.ip], port=first.port, timeout=0.5)
    result = run_snmp(lambda s: sweep(options, s))
    assert [d["ip"] for d in result.devices] == [second.ip]
    assert first.ip not in {d["ip"] for d in result.devices}


def test_snmpv3_only_credentials_discover_the_printer(run_snmp, snmpsim_fleet):
    user = V3_USERS[1]
    printer = snmpsim_fleet.printer("konica_c250i")
    cred = Credential(
        "v3",
        "3",
        user=user.user,
        auth_protocol=user.auth_protocol,
        auth_key=user.auth_key,
        priv_protocol=user.priv_protocol,
        priv_key=user.priv_key or "",
    )
    options = SweepOptions([printer.ip, snmpsim_fleet.silent_address()], [cred], port=printer.port, timeout=0.5)
    result = run_snmp(lambda s: sweep(options, s))
    assert [(d["ip"], d["credential_id"], d["sys_descr"]) for d in result.devices] == [
        (printer.ip, "v3", "KONICA MINOLTA bizhub C250i")
    ]


def test_scan_json_reports_identity_counters_and_supplies_as_recorded(snmpsim_fleet, snmprec_dir):
    cmd = [
        sys.executable,
        "-m",
        "agent_client",
        "scan",
        str(snmpsim_fleet.network),
        "--json",
        "--port",
        str(snmpsim_fleet.port),
        "--timeout",
        "1",
        "--retries",
        "0",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True)
    rows = {row["ip"]: row for row in json.loads(out.stdout)}
    assert sorted(rows) == sorted(p.ip for p in snmpsim_fleet.printers)
    assert out.stderr.count("scanning [") == 0  # no progress bar when not on a terminal
    for printer in snmpsim_fleet.printers:
        _assert_row_matches_recording(rows[printer.ip], snmprec.load(snmprec_dir / f"{printer.recording}.snmprec"))


def _assert_row_matches_recording(row: dict, records: dict) -> None:
    assert row["sys_descr"] == snmprec.text(records, "1.3.6.1.2.1.1.1.0")
    assert row["sys_object_id"] == records["1.3.6.1.2.1.1.2.0"][1]
    serials = [snmprec.text(records, oid) for oid in snmprec.column(records, SERIAL)]
    assert row["serial"] == next((s for s in serials if s), None)
    counts = [snmprec.number(records, oid) for oid in snmprec.column(records, LIFE_COUNT)]
    assert row["total_pages"] == (counts[0] if counts else None)
    levels = snmprec.column(records, "1.3.6.1.2.1.43.11.1.1.9")
    assert [s["level"] for s in row["supplies"]] == [snmprec.number(records, oid) for oid in levels]
    assert set(row) >= {"ip", "sys_descr", "sys_object_id", "model", "serial", "mac", "total_pages", "supplies"}


def test_rate_limit_spaces_the_probes(snmpsim_fleet):
    ips = [p.ip for p in snmpsim_fleet.printers[:4]]

    def probe(rate: float) -> tuple[float, int]:
        prober = Prober(snmpsim_fleet.port, timeout=0.5, retries=0, rate_limit=rate)
        started = time.monotonic()
        answers = asyncio.run(prober.probe_all(ips, [v2c()]))
        return time.monotonic() - started, len(answers)

    unlimited, limited = probe(0), probe(5)
    assert unlimited[1] == limited[1] == 4
    assert limited[0] >= 0.6  # 4 probes at 5 per second: three gaps of 0.2 s (a busy machine only adds to it)


def test_broadcast_finds_responders_outside_the_targets_but_not_excluded_ones(run_snmp, snmpsim_fleet):
    # Loopback cannot carry a real broadcast to snmpsim's sockets, so unicast addresses stand in for the
    # broadcast address: what is tested is that answers from any source are collected and merged.
    first, second, third = snmpsim_fleet.printers[:3]
    options = SweepOptions(
        [first.ip],
        [v2c()],
        exclude=[third.ip],
        port=first.port,
        timeout=0.5,
        retries=0,
        broadcast=True,
        broadcast_addresses=[second.ip, third.ip],
    )
    result = run_snmp(lambda s: sweep(options, s))
    assert [d["ip"] for d in result.devices] == [first.ip, second.ip]
