"""What the customer's IT agreed to, checked where packets leave the agent: every UDP datagram this process sends
through asyncio (the prober's socket and pysnmp's alike) is recorded at the transport's `sendto`, in real sweeps
and reads against the SNMP simulator. No broadcast unless asked; nothing to a never-scan address, broadcast
answers from one dropped and never followed up; the packets-per-second budget measured; the window kept."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import subprocess
import time
from asyncio import selector_events
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agent_client.discovery import networks
from agent_client.discovery.sweep import SweepOptions, sweep
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.runner import run_directive
from agent_client.service import Agent
from agent_client.snmp.probe import Prober
from agent_client.worker import run_in_subprocess
from tests.agent_client.conftest import as_dict, v2c
from tests.agent_client.fake_portal import TOKEN, FakePortal
from tests.support.snmpsim import V3_USERS, SimPrinter, _answers, _command, free_udp_port
from tests.support.waiting import wait_until

pytestmark = pytest.mark.snmp


@dataclass(frozen=True)
class Sent:
    at: float
    ip: str
    port: int


def _started(process, root) -> bool:
    assert process.poll() is None, f"snmpsim exited; see {root}/log"
    return True


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[Sent]:
    """Every datagram as it leaves: asyncio's UDP transport is the one socket layer the agent's senders share."""
    sent: list[Sent] = []
    original = selector_events._SelectorDatagramTransport.sendto

    def sendto(self, data, addr=None):
        to = addr or self.get_extra_info("peername")  # a connected socket (the sweep's probes) sends without one
        if to is not None:
            sent.append(Sent(time.monotonic(), str(to[0]), int(to[1])))
        return original(self, data, addr)

    monkeypatch.setattr(selector_events._SelectorDatagramTransport, "sendto", sendto)
    return sent


@pytest.fixture(scope="module")
def any_address_printer(snmprec_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimPrinter]:
    """A simulated printer listening on every address, so a real loopback broadcast (127.255.255.255) reaches it;
    it answers from 127.0.0.1."""
    port = free_udp_port(["0.0.0.0"])
    root = tmp_path_factory.mktemp("snmpsim-any")
    command = _command(root, [SimPrinter("0.0.0.0", port, "epson")], snmprec_dir)
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    printer = SimPrinter("127.0.0.1", port, "epson")
    try:
        wait_until(lambda: _started(process, root) and _answers(printer))
        yield printer
    finally:
        process.terminate()
        process.wait(timeout=10)


def discover_params(targets: list[str], port: int, **extra) -> dict:
    """A discovery as the portal sends it for a site that lists its targets (docs/agent-protocol.md)."""
    return {
        "targets": targets,
        "exclude": [],
        "credentials": [as_dict(v2c())],
        "port": port,
        "timeout": 0.5,
        "retries": 1,
        "concurrency": 256,
        "rate_limit": 0,
        "broadcast": False,
        "local_printers": False,
        **extra,
    }


def is_broadcast(ip: str, fleet_network: ipaddress.IPv4Network) -> bool:
    known = {"255.255.255.255", "127.255.255.255", str(fleet_network.broadcast_address)}
    known |= set(networks.broadcast_addresses(networks.local_networks()))
    return ip in known


# Broadcast


def test_broadcast_off_sends_no_packet_to_any_broadcast_address(run_snmp, snmpsim_fleet, wire):
    params = discover_params([str(snmpsim_fleet.network)], snmpsim_fleet.port)
    result = run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))
    assert sorted(d["ip"] for d in result["devices"]) == sorted(p.ip for p in snmpsim_fleet.printers)
    destinations = {sent.ip for sent in wire}
    assert len(destinations) == 254  # the sweep did run: every host of the /24 was asked
    assert not [ip for ip in destinations if is_broadcast(ip, snmpsim_fleet.network)]
    assert all(ipaddress.IPv4Address(ip) in snmpsim_fleet.network for ip in destinations)


def test_broadcast_on_reaches_a_printer_the_targets_do_not_name(run_snmp, snmpsim_fleet, any_address_printer, wire):
    # The check above could pass with a blind recorder: here the same recorder sees a real broadcast go out and a
    # printer answer it.
    options = SweepOptions(
        [snmpsim_fleet.silent_address()],
        [v2c()],
        port=any_address_printer.port,
        timeout=0.5,
        retries=0,
        broadcast=True,
        broadcast_addresses=["127.255.255.255"],
    )
    result = run_snmp(lambda s: sweep(options, s))
    assert "127.255.255.255" in {sent.ip for sent in wire}
    assert [(d["ip"], d["is_printer"]) for d in result.devices] == [("127.0.0.1", True)]


# The never-scan list


def test_a_broadcast_answer_from_a_never_scan_address_is_dropped_and_never_followed_up(
    run_snmp, snmpsim_fleet, any_address_printer, wire
):
    options = SweepOptions(
        [snmpsim_fleet.silent_address()],
        [v2c()],
        exclude=["127.0.0.0/30"],
        port=any_address_printer.port,
        timeout=0.5,
        retries=0,
        broadcast=True,
        broadcast_addresses=["127.255.255.255"],
    )
    result = run_snmp(lambda s: sweep(options, s))
    assert "127.255.255.255" in {sent.ip for sent in wire}  # it was asked, and it answered from 127.0.0.1
    assert result.devices == []
    assert "127.0.0.1" not in {sent.ip for sent in wire}  # no identity read, nothing else


def test_a_sweep_sends_nothing_to_never_scan_addresses(run_snmp, snmpsim_fleet, wire):
    first, second, *others = snmpsim_fleet.printers
    net = snmpsim_fleet.network
    never = [
        first.ip,
        f"{ipaddress.IPv4Address(second.ip) - 1}-{str(second.ip).rsplit('.', 1)[1]}",
        str(ipaddress.IPv4Network(f"{net.network_address + 128}/25")),
    ]
    params = discover_params([str(net)], snmpsim_fleet.port, exclude=never)
    result = run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))
    upper_half = ipaddress.IPv4Network(never[2])
    expected = [p.ip for p in others if ipaddress.IPv4Address(p.ip) not in upper_half]
    assert expected and [d["ip"] for d in result["devices"]] == expected
    contacted = {ipaddress.IPv4Address(sent.ip) for sent in wire}
    assert ipaddress.IPv4Address(first.ip) not in contacted and ipaddress.IPv4Address(second.ip) not in contacted
    assert not [ip for ip in contacted if ip in upper_half]


def test_a_read_sends_nothing_to_a_never_scan_address_and_says_why(run_snmp, snmpsim_fleet, wire):
    allowed, excluded = snmpsim_fleet.printers[:2]
    devices = [
        {
            "device_id": p.recording,
            "ip": p.ip,
            "port": p.port,
            "credential": as_dict(v2c()),
            "plan": {"get": ["1.3.6.1.2.1.1.1.0"], "walk": ["1.3.6.1.2.1.43.11.1.1.9"]},
        }
        for p in (allowed, excluded)
    ]
    params = {"timeout": 1.0, "retries": 1, "devices": devices, "exclude": [excluded.ip]}
    result = run_snmp(lambda s: run_directive({"id": "r1", "kind": "read", "params": params}, s))
    by_ip = {d["ip"]: d for d in result["devices"]}
    assert by_ip[allowed.ip]["ok"] and by_ip[allowed.ip]["varbinds"]
    assert by_ip[excluded.ip]["ok"] is False and by_ip[excluded.ip]["error"]["code"] == "excluded"
    assert {sent.ip for sent in wire} == {allowed.ip}


# The packet budget


def assert_within_budget(sends: list[Sent], rate: float) -> None:
    """Measured over the sends themselves: the average, and every one-second stretch. Upper bounds only: a slow
    machine sends more slowly, never faster."""
    times = sorted(sent.at for sent in sends)
    assert len(times) >= 2 * rate, "too few packets for the rate to mean anything"
    measured = (len(times) - 1) / (times[-1] - times[0])
    assert measured <= rate * 1.05, f"{measured:.1f} packets/s against a budget of {rate}"
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= rate + 3, f"{busiest} packets in one second against a budget of {rate}"


def test_a_sweep_keeps_to_its_packets_per_second_retries_and_reads_included(run_snmp, snmpsim_fleet, wire):
    hosts = list(snmpsim_fleet.network.hosts())
    targets = [f"{hosts[8]}-{hosts[50]}"]  # every simulated printer and ~37 addresses without an SNMP agent
    params = discover_params(targets, snmpsim_fleet.port, rate_limit=20, timeout=0.3)
    result = run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))
    assert len(result["devices"]) == len(snmpsim_fleet.printers)
    assert len({sent.ip for sent in wire}) == 43
    assert_within_budget(wire, 20)


def test_an_address_that_refuses_is_asked_once_and_a_silent_one_again(snmpsim_fleet, wire):
    """ICMP port unreachable says no SNMP agent listens there: a retry would change nothing. A host that drops the
    packet (a firewall, a busy agent) gets its retry."""
    taken = {p.ip for p in snmpsim_fleet.printers}
    refusing, silent = [str(h) for h in snmpsim_fleet.network.hosts() if str(h) not in taken][:2]
    swallower = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # receives, never answers, so no ICMP either
    swallower.bind((silent, snmpsim_fleet.port))
    try:
        prober = Prober(snmpsim_fleet.port, timeout=0.3, retries=2)
        answers = asyncio.run(prober.probe_all([refusing, silent], [v2c()]))
    finally:
        swallower.close()
    asked = {ip: sum(1 for sent in wire if sent.ip == ip) for ip in (refusing, silent)}
    assert answers == {} and asked == {refusing: 1, silent: 3}


def test_snmpv3_engine_discovery_counts_against_the_budget_too(run_snmp, snmpsim_fleet, wire):
    user = V3_USERS[1]
    v3 = {
        "id": "v3",
        "version": "3",
        "user": user.user,
        "auth_protocol": user.auth_protocol,
        "auth_key": user.auth_key,
        "priv_protocol": user.priv_protocol,
        "priv_key": user.priv_key,
    }
    printers = snmpsim_fleet.printers[:3]
    params = discover_params([p.ip for p in printers], snmpsim_fleet.port, rate_limit=5, credentials=[v3])
    result = run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))
    assert sorted(d["ip"] for d in result["devices"]) == sorted(p.ip for p in printers)
    assert_within_budget(wire, 5)


# The window


def test_a_discovery_outside_its_window_sends_nothing(run_snmp, snmpsim_fleet, wire):
    now = datetime.now(UTC)
    window = {
        "start": f"{now + timedelta(hours=2):%H:%M}",
        "end": f"{now + timedelta(hours=3):%H:%M}",
        "time_zone": "UTC",
    }
    params = discover_params([str(snmpsim_fleet.network)], snmpsim_fleet.port, window=window)
    result = run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))
    assert wire == [] and result["devices"] == [] and result["addresses_scanned"] == 0
    assert [e["code"] for e in result["errors"]] == ["outside_window"]
    opened = {**window, "start": f"{now - timedelta(hours=1):%H:%M}"}
    params = discover_params([snmpsim_fleet.printers[0].ip], snmpsim_fleet.port, window=opened)
    result = run_snmp(lambda s: run_directive({"id": "d2", "kind": "discover", "params": params}, s))
    assert [d["ip"] for d in result["devices"]] == [snmpsim_fleet.printers[0].ip]


# Progress


def test_the_worker_reports_progress_while_it_sweeps(snmpsim_fleet):
    reports: list[dict] = []
    params = discover_params([str(snmpsim_fleet.network)], snmpsim_fleet.port, rate_limit=400)
    directive = {"id": "d1", "kind": "discover", "params": params}
    result = asyncio.run(run_in_subprocess(directive, lambda _id, progress: reports.append(progress)))
    assert len(result["devices"]) == len(snmpsim_fleet.printers)
    assert len(reports) > 2 and {r["total"] for r in reports} == {254}
    assert any(r["probed"] < 254 for r in reports)  # reported during the sweep, not only at the end
    assert [r["probed"] for r in reports] == sorted(r["probed"] for r in reports)
    assert reports[-1] == {"probed": 254, "total": 254, "found": len(snmpsim_fleet.printers)}


def test_a_portal_without_the_progress_call_does_not_disturb_the_agent(snmpsim_fleet, tmp_path):
    portal = FakePortal().start()  # answers 404 to calls it does not know, as portals before progress do
    hosts = list(snmpsim_fleet.network.hosts())
    try:
        params = discover_params([f"{hosts[8]}-{hosts[50]}"], snmpsim_fleet.port, rate_limit=200)
        directive_id = portal.add_directive("discover", params)
        agent = Agent(PortalClient(portal.url, TOKEN, timeout=5), Outbox(tmp_path / "outbox.sqlite3"), poll_interval=1)
        asyncio.run(agent.cycle())
    finally:
        portal.stop()
    uploaded = [r["body"] for r in portal.results.values() if r["directive_id"] == directive_id]
    assert [len(body["devices"]) for body in uploaded] == [len(snmpsim_fleet.printers)]
    assert len(portal.calls(f"/directives/{directive_id}/progress")) == 1  # tried once, then left alone
    assert agent.outbox.depth() == 0 and agent.last_error is None
