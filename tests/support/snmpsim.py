"""The real SNMP simulator for tests: one printer per loopback address, one free UDP port, one process per session.

Usage (other teams too): `snmpsim_fleet` serves a default mix of recordings; `snmpsim_factory(["konica_c250i",
"epson"])` serves chosen ones (cached per session, so asking twice starts one process). Every printer answers
to the community `public` and to its recording name, and to the SNMPv3 users in `V3_USERS` (empty context).

snmpsim selects a data file by community/context, not by listening address (its transport-address layout
only works with md5-hashed context names), so each address gets its own SNMP engine with its own data dir,
all in one process. Recordings are copied into the tmp data dir because snmpsim derives the community from a
symlink's *target* path. Under xdist each worker runs its own simulator on its own random 127.X.Y.0/24.
"""

from __future__ import annotations

import ipaddress
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SIMULATOR = Path(sys.executable).with_name("snmpsim-command-responder")
DEFAULT_RECORDINGS = (
    "konica_c250i",
    "ricoh_mpc3002",
    "jetdirect_m880",
    "epson",
    "brother_hl5370dw",
    "canonprinter_tm",
)
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class V3User:
    user: str
    auth_protocol: str
    auth_key: str
    priv_protocol: str | None = None
    priv_key: str | None = None

    def args(self) -> list[str]:
        args = [f"--v3-user={self.user}", f"--v3-auth-key={self.auth_key}", f"--v3-auth-proto={self.auth_protocol}"]
        if self.priv_protocol and self.priv_key:
            args += [f"--v3-priv-key={self.priv_key}", f"--v3-priv-proto={self.priv_protocol}"]
        return args


V3_USERS = (
    V3User("mb-authnopriv", "SHA", "auth-secret-1"),
    V3User("mb-authpriv", "SHA", "auth-secret-2", "AES", "priv-secret-2"),
)


@dataclass(frozen=True)
class SimPrinter:
    ip: str
    port: int
    recording: str

    @property
    def community(self) -> str:
        return self.recording


@dataclass
class SimFleet:
    """A simulated segment: `network` is a /24 where only `printers` answer; every other address is silent."""

    network: ipaddress.IPv4Network
    port: int
    printers: list[SimPrinter]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    log_path: Path | None = None

    def printer(self, recording: str) -> SimPrinter:
        return next(p for p in self.printers if p.recording == recording)

    def silent_address(self) -> str:
        used = {p.ip for p in self.printers}
        return next(str(h) for h in self.network.hosts() if str(h) not in used)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def random_loopback_network() -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"127.{random.randint(2, 254)}.{random.randint(0, 255)}.0/24")


def free_udp_port(ips: Sequence[str]) -> int:
    """A port free on every address: bind port 0 on the first, then check it on the others."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as first:
            first.bind((ips[0], 0))
            port = int(first.getsockname()[1])
            if all(_udp_port_free(ip, port) for ip in ips[1:]):
                return port
    raise RuntimeError("no UDP port free on all simulator addresses")


def _udp_port_free(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def _engine_dir(root: Path, index: int, recording_file: Path) -> Path:
    data = root / f"engine{index}"
    data.mkdir(parents=True)
    for name in ("public", recording_file.stem, "self"):  # "self" is the SNMPv3 empty context
        shutil.copyfile(recording_file, data / f"{name}.snmprec")
    return data


def _command(root: Path, printers: Sequence[SimPrinter], snmprec_dir: Path) -> list[str]:
    cmd = [str(SIMULATOR), f"--cache-dir={root / 'cache'}", "--log-level=error", f"--logging-method=file:{root}/log"]
    v3 = [arg for user in V3_USERS for arg in user.args()]
    for index, printer in enumerate(printers):
        data = _engine_dir(root, index, snmprec_dir / f"{printer.recording}.snmprec")
        cmd += ["--v3-engine-id=auto", *v3, f"--data-dir={data}", f"--agent-udpv4-endpoint={printer.ip}:{printer.port}"]
    return cmd


def _answers(printer: SimPrinter) -> bool:
    """One SNMPv2c GETNEXT from the root: any answer means this engine is serving."""
    from pysnmp.proto import api

    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
    pdu = proto.GetNextRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_varbinds(pdu, [("1.3.6", proto.Null(""))])
    msg = proto.Message()
    proto.apiMessage.set_defaults(msg)
    proto.apiMessage.set_community(msg, printer.community)
    proto.apiMessage.set_pdu(msg, pdu)
    from pyasn1.codec.ber import encoder

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.3)
        sock.sendto(encoder.encode(msg), (printer.ip, printer.port))
        try:
            return bool(sock.recv(65535))
        except OSError:
            return False


def start_simulator(root: Path, recordings: Sequence[str], snmprec_dir: Path) -> SimFleet:
    network = random_loopback_network()
    step = max(1, min(7, 240 // max(1, len(recordings))))  # scattered, not contiguous, as many as fit a /24
    ips = [str(h) for h in list(network.hosts())[10 : 10 + step * len(recordings) : step]]
    port = free_udp_port(ips)
    printers = [SimPrinter(ip, port, rec) for ip, rec in zip(ips, recordings, strict=True)]
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
    proc = subprocess.Popen(
        _command(root, printers, snmprec_dir), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    fleet = SimFleet(network, port, printers, proc, root / "log")
    _wait_ready(fleet)
    return fleet


def _wait_ready(fleet: SimFleet) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    pending = list(fleet.printers)
    while pending:
        if fleet.process is not None and fleet.process.poll() is not None:
            raise RuntimeError(f"snmpsim exited with {fleet.process.returncode}; see {fleet.log_path}")
        if time.monotonic() > deadline:
            fleet.stop()
            raise RuntimeError(f"snmpsim did not answer within {START_TIMEOUT}s; see {fleet.log_path}")
        pending = [p for p in pending if not _answers(p)]


@pytest.fixture(scope="session")
def snmpsim_factory(snmprec_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SimFleet]]:
    """Start (once per distinct recording list per session) a simulator serving those recordings."""
    fleets: dict[tuple[str, ...], SimFleet] = {}

    def factory(recordings: Sequence[str] = DEFAULT_RECORDINGS) -> SimFleet:
        key = tuple(recordings)
        if key not in fleets:
            fleets[key] = start_simulator(tmp_path_factory.mktemp("snmpsim"), key, snmprec_dir)
        return fleets[key]

    yield factory
    for fleet in fleets.values():
        fleet.stop()


@pytest.fixture(scope="session")
def snmpsim_fleet(snmpsim_factory: Callable[..., SimFleet]) -> SimFleet:
    """The default simulated segment: DEFAULT_RECORDINGS scattered over a loopback /24, the rest silent."""
    return snmpsim_factory(DEFAULT_RECORDINGS)
