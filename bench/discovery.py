"""Discovery benchmark (issue 3, "Benchmark"): writes bench/results/discovery.json.

    .venv/bin/python bench/discovery.py [--sweep-only]   # --sweep-only: the sweep section (and verdicts) alone

Against a simulated /24 on loopback, shaped like an office segment: snmpsim serving recordings on a few
addresses; a third of the other addresses are hosts without an SNMP agent (they answer ICMP port unreachable,
as loopback does for an unbound port), the rest are empty (a socket that swallows the probe: no answer at all,
as an address with no host behind it):
- time to sweep it (1 s timeout, 1 retry) beside onesixtyone on the same segment in the same run;
- bytes and packets on the wire for that sweep (counted by a packet socket on `lo`, filtered by the
  simulator's port, so other processes on the box do not count; ICMP errors about those datagrams count too),
  broken down by what each datagram was for (bench/wire_breakdown.py);
- packets and bytes to read one device's OID plan beside net-snmp (snmpget + snmpbulkwalk per table);
- the agent's idle RSS and CPU between polls; the zipapp's size.
Needs root (packet socket) and the Debian packages onesixtyone and snmp (installed when missing).
"""

from __future__ import annotations

import asyncio
import json
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent_client.discovery.sweep import SweepOptions, sweep  # noqa: E402
from agent_client.snmp.credentials import Credential  # noqa: E402
from agent_client.snmp.plan import Plan, PlanReader  # noqa: E402
from agent_client.snmp.session import SnmpSession, Target  # noqa: E402
from bench.wire_breakdown import breakdown  # noqa: E402
from tests.support.paths import SNMPREC_DIR  # noqa: E402
from tests.support.snmpsim import DEFAULT_RECORDINGS, SimFleet, start_simulator  # noqa: E402

RESULTS = REPO / "bench" / "results" / "discovery.json"
PLAN = Plan(
    get=[
        "1.3.6.1.2.1.1.1.0",
        "1.3.6.1.2.1.1.2.0",
        "1.3.6.1.2.1.1.3.0",
        "1.3.6.1.2.1.1.5.0",
        "1.3.6.1.2.1.1.6.0",
        "1.3.6.1.2.1.25.3.2.1.3.1",
        "1.3.6.1.2.1.43.5.1.1.17.1",
    ],
    walk=["1.3.6.1.2.1.43.10.2.1.4", "1.3.6.1.2.1.43.11.1.1", "1.3.6.1.2.1.43.18.1.1", "1.3.6.1.2.1.2.2.1.6"],
)
SWEEP_NOTE = (
    "probe of every address (a GETNEXT of 1.3 with a one-byte request-id; +1 retry for the silent, none for a "
    "refusal) and identity read of each printer (one GET without what the probe answered, identity columns "
    "walked from 2 rows; meters are the portal read_plan's, not read here); ICMP unreachables counted"
)
TARGETS = {"sweep_s": 3.0, "sweep_bytes": 40 * 1024, "idle_rss_mb": 40.0, "zipapp_mb": 4.0}


class WireCounter:
    """Counts UDP packets to or from one port on the loopback interface (each packet once), and keeps each
    counted IP datagram of a measurement so it can be broken down by what it was for (`breakdown`)."""

    def __init__(self, port: int) -> None:
        self.port, self.packets, self.bytes, self.snmp_bytes = port, 0, 0, 0
        self.datagrams: list[bytes] = []
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        # A /24 probe is one burst of ~250 datagrams: a default-sized buffer would drop some of them.
        self.sock.setsockopt(socket.SOL_SOCKET, 33, 32 * 1024 * 1024)  # SO_RCVBUFFORCE (root)
        self.sock.bind(("lo", 0))
        self.sock.settimeout(0.1)
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            try:
                frame, addr = self.sock.recvfrom(70000)
            except TimeoutError:
                continue
            if addr[2] == socket.PACKET_OUTGOING:  # loopback shows each packet twice: count the arrival
                continue
            self._count(frame[14:])

    def _count(self, ip: bytes) -> None:
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] not in (1, 17):
            return
        header = (ip[0] & 0x0F) * 4
        if ip[9] == 1:  # ICMP: an unreachable about one of the sweep's datagrams crosses the LAN too
            self._count_icmp(ip, header)
            return
        sport, dport = struct.unpack("!HH", ip[header : header + 4])
        if self.port in (sport, dport):
            self.packets += 1
            self.datagrams.append(ip)
            self.bytes += len(ip)  # IP datagram size: what crosses a real LAN, minus the Ethernet framing
            self.snmp_bytes += len(ip) - header - 8  # the SNMP message alone (UDP payload)

    def _count_icmp(self, ip: bytes, header: int) -> None:
        inner = ip[header + 8 :]  # the offending datagram's IP header and first 8 bytes
        if ip[header] != 3 or len(inner) < 28:  # destination unreachable only
            return
        inner_header = (inner[0] & 0x0F) * 4
        if struct.unpack("!HH", inner[inner_header : inner_header + 4])[1] == self.port:
            self.packets += 1
            self.datagrams.append(ip)
            self.bytes += len(ip)

    def measure(self, action: Callable[[], Any]) -> tuple[Any, float, dict[str, int]]:
        time.sleep(0.3)
        p0, b0, s0 = self.packets, self.bytes, self.snmp_bytes
        self.datagrams = []
        started = time.monotonic()
        result = action()
        elapsed = time.monotonic() - started
        time.sleep(0.5)  # late answers still count
        wire = {
            "packets": self.packets - p0,
            "ip_bytes": self.bytes - b0,
            "snmp_bytes": self.snmp_bytes - s0,
            "breakdown": breakdown(self.datagrams, self.port),
        }
        return result, elapsed, wire

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


def ensure_tools() -> None:
    if shutil.which("onesixtyone") and shutil.which("snmpbulkwalk"):
        return
    subprocess.run(["apt-get", "update"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "onesixtyone", "snmp"], check=True, capture_output=True)


def agent_sweep(fleet: SimFleet) -> dict[str, Any]:
    options = SweepOptions(
        [str(fleet.network)], [Credential("c1", "2c", "public")], port=fleet.port, timeout=1.0, retries=1
    )

    async def run() -> int:
        session = SnmpSession()
        try:
            return len((await sweep(options, session)).devices)
        finally:
            session.close()

    return {"found": asyncio.run(run())}


def onesixtyone_sweep(fleet: SimFleet, workdir: Path) -> dict[str, Any]:
    hosts = workdir / "hosts.txt"
    hosts.write_text("\n".join(str(h) for h in fleet.network.hosts()) + "\n")
    communities = workdir / "communities.txt"
    communities.write_text("public\n")
    out = subprocess.run(
        ["onesixtyone", "-p", str(fleet.port), "-c", str(communities), "-i", str(hosts)],
        capture_output=True,
        text=True,
        check=False,
    )
    return {"found": sum(1 for line in out.stdout.splitlines() if line.startswith(str(fleet.network)[:6]))}


def agent_plan_read(fleet: SimFleet) -> dict[str, Any]:
    printer = fleet.printer("jetdirect_m880")
    target = Target(printer.ip, printer.port, Credential("c1", "2c", "public"), timeout=2.0, retries=1)

    async def run() -> dict[str, Any]:
        session = SnmpSession()
        try:
            read = await PlanReader(session, target).read(PLAN)
        finally:
            session.close()
        return {"varbinds": len(read.varbinds), "requests": read.requests, "ok": read.ok}

    return asyncio.run(run())


def netsnmp_plan_read(fleet: SimFleet) -> dict[str, Any]:
    printer = fleet.printer("jetdirect_m880")
    peer = f"{printer.ip}:{printer.port}"
    base = ["-v2c", "-c", "public", "-On", "-t", "2", "-r", "1"]
    lines = subprocess.run(["snmpget", *base, peer, *PLAN.get], capture_output=True, text=True).stdout.splitlines()
    for root in PLAN.walk:
        lines += subprocess.run(["snmpbulkwalk", *base, peer, root], capture_output=True, text=True).stdout.splitlines()
    return {"varbinds": len(lines), "commands": 1 + len(PLAN.walk)}


def idle_footprint(workdir: Path) -> dict[str, Any]:
    """Run the real service against a stub portal and read its RSS and CPU while it sleeps between polls."""
    from tests.agent_client.fake_portal import TOKEN, FakePortal

    portal = FakePortal(poll_interval=300).start()
    cfg = workdir / "agent.toml"
    cfg.write_text(f'portal_url = "{portal.url}"\ntoken = "{TOKEN}"\npoll_interval = 300\n')
    cfg.chmod(0o600)
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_client", "--config", str(cfg), "run"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        cpu0, rss_kb = _proc_cpu(proc.pid), _proc_rss_kb(proc.pid)
        time.sleep(10)
        cpu1 = _proc_cpu(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        portal.stop()
    return {
        "idle_rss_mb": round(rss_kb / 1024, 1),
        "idle_cpu_percent": round(100 * (cpu1 - cpu0) / 10, 2),
        "polls_seen": len(portal.calls("/directives")),
        "exit_code_on_sigterm": proc.returncode,
    }


def _proc_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, clock ticks at the usual 100 Hz


def zipapp_size(workdir: Path) -> float:
    out = workdir / "meterbridge-agent.pyz"
    subprocess.run(
        [sys.executable, str(REPO / "deploy" / "agent" / "build_zipapp.py"), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    return round(out.stat().st_size / 1024 / 1024, 2)


def main() -> int:
    """`--sweep-only` measures the sweep alone and replaces just its section (and the verdicts) in the results."""
    sweep_only = "--sweep-only" in sys.argv[1:]
    ensure_tools()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        fleet = start_simulator(workdir / "sim", DEFAULT_RECORDINGS, SNMPREC_DIR)
        empty = empty_addresses(fleet)
        wire = WireCounter(fleet.port)
        try:
            fresh = (
                {"sweep": collect_sweep(fleet, wire, workdir)}
                if sweep_only
                else collect(fleet, wire, workdir, len(empty))
            )
        finally:
            wire.close()
            fleet.stop()
            for sock in empty:
                sock.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # Other benches (agent_install) add their own sections to this file: keep them.
    results = {**(json.loads(RESULTS.read_text()) if RESULTS.exists() else {}), **fresh}
    results["met"] = verdicts(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["sweep"], indent=2))
    return 0


def empty_addresses(fleet: SimFleet) -> list[socket.socket]:
    """Two in three addresses without a printer get a socket that takes the probe and never answers: an empty
    address (no ICMP either). The others refuse: hosts without an SNMP agent."""
    printers = {p.ip for p in fleet.printers}
    others = [str(h) for h in fleet.network.hosts() if str(h) not in printers]
    sockets = []
    for ip in (ip for i, ip in enumerate(others) if i % 3):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((ip, fleet.port))
        sockets.append(sock)
    return sockets


def collect_sweep(fleet: SimFleet, wire: WireCounter, workdir: Path) -> dict[str, Any]:
    found, agent_s, agent_wire = wire.measure(lambda: agent_sweep(fleet))
    o161, o161_s, o161_wire = wire.measure(lambda: onesixtyone_sweep(fleet, workdir))
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "agent": {"seconds": round(agent_s, 2), "printers_found": found["found"], **agent_wire, "note": SWEEP_NOTE},
        "onesixtyone": {
            "seconds": round(o161_s, 2),
            "printers_found": o161["found"],
            **o161_wire,
            "note": "default 10 ms between packets, no retry, no identity read",
        },
    }


def collect(fleet: SimFleet, wire: WireCounter, workdir: Path, empty: int) -> dict[str, Any]:
    sweep = collect_sweep(fleet, wire, workdir)
    plan, _, plan_wire = wire.measure(lambda: agent_plan_read(fleet))
    netsnmp, _, ns_wire = wire.measure(lambda: netsnmp_plan_read(fleet))
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"machine": platform.machine(), "cpus": _cpus(), "python": platform.python_version()},
        "segment": {
            "network": "simulated /24 on loopback",
            "addresses": 254,
            "printers": len(fleet.printers),
            "hosts_without_snmp_refusing": 254 - len(fleet.printers) - empty,
            "empty_addresses": empty,
            "timeout_s": 1.0,
            "retries": 1,
        },
        "sweep": sweep,
        "plan_read": {
            "plan": {"get": len(PLAN.get), "walk": len(PLAN.walk)},
            "device": "jetdirect_m880",
            "agent": {**plan, **plan_wire},
            "net_snmp": {**netsnmp, **ns_wire, "note": "snmpget for the scalars + snmpbulkwalk per table"},
        },
        "idle": idle_footprint(workdir),
        "zipapp_mb": zipapp_size(workdir),
        "targets": TARGETS,
    }


def verdicts(results: dict) -> dict[str, bool]:
    """Each target beside whether this run met it."""
    targets, sweep = results["targets"], results["sweep"]["agent"]
    return {
        "sweep_s": sweep["seconds"] <= targets["sweep_s"],
        "sweep_bytes": sweep.get("ip_bytes", 0) <= targets["sweep_bytes"],
        "idle_rss_mb": results["idle"]["idle_rss_mb"] <= targets["idle_rss_mb"],
        "zipapp_mb": results["zipapp_mb"] <= targets["zipapp_mb"],
    }


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
