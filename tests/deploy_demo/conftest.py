"""A small demo fleet, generated and served through fleet.py's own command line, as `make demo` does."""

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.deploy_demo.snmp import Manager
from tests.support.paths import REPO_ROOT
from tests.support.snmpsim import free_udp_port, random_loopback_network

FLEET = REPO_ROOT / "deploy" / "demo" / "fleet.py"
VENDOR_COUNT = 11  # one round of the vendor rotation: every vendor appears once
Row = dict[str, Any]  # one printer in fleet.json
SPEED = 600  # ten demo minutes per second: a few seconds show pages printed and toner used
STILL = 0.0001  # a page every few days


@dataclass(frozen=True)
class ServedFleet:
    data: Path
    port: int
    devices: list[Row]
    snmp: Manager

    def first(self, **wanted: Any) -> Row:
        return next(row for row in self.devices if all(row[key] == value for key, value in wanted.items()))


def fleet_cli(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(FLEET), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"fleet.py {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done


def generate(out: Path, *extra: str) -> dict[str, Any]:
    fleet_cli("generate", "--out", str(out), *extra)
    return dict(json.loads((out / "fleet.json").read_text()))


@pytest.fixture(scope="package")
def served_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFleet]:
    """One printer of each vendor, moving fast enough to show pages printed and toner used."""
    with _serve(tmp_path_factory.mktemp("demo-fleet"), count=VENDOR_COUNT, speed=SPEED) as fleet:
        yield fleet


@pytest.fixture(scope="package")
def still_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFleet]:
    """Two rounds of the vendors (so each shows a colour model) with counters that do not move while read:
    a reading walks tables over several requests, and a page printed between two of them would make its
    totals and their parts disagree for a reason no real printer has."""
    with _serve(tmp_path_factory.mktemp("still-fleet"), count=2 * VENDOR_COUNT, speed=STILL) as fleet:
        yield fleet


@contextmanager
def _serve(data: Path, *, count: int, speed: float) -> Iterator[ServedFleet]:
    base = str(random_loopback_network().network_address)
    manifest = generate(data, "--count", str(count), "--seed", "7", "--base-address", base, "--speed", str(speed))
    port = free_udp_port([row["address"] for row in manifest["devices"]])
    pid_file = data / "fleet.pid"
    fleet_cli("serve", "--data", str(data), "--port", str(port), "--pid-file", str(pid_file))
    manager = Manager(port)
    try:
        yield ServedFleet(data, port, manifest["devices"], manager)
    finally:
        manager.close()
        fleet_cli("stop", "--pid-file", str(pid_file))
