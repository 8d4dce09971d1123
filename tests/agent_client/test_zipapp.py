"""`make agent`'s single-file zipapp runs with nothing but a Python 3.11 interpreter (no venv, -I)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


@pytest.fixture(scope="module")
def pyz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zipapp") / "meterbridge-agent.pyz"
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "deploy/agent/build_zipapp.py"), "--output", str(out)],
        check=True,
        capture_output=True,
    )
    return out


def _run(pyz: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A fresh user: no cache, no config, nothing from the venv.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run(
        [BASE_PYTHON, "-I", str(pyz), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )


def test_zipapp_is_small(pyz):
    assert pyz.stat().st_size < 4 * 1024 * 1024


@pytest.mark.snmp
def test_zipapp_scans_a_printer_without_the_venv(pyz, tmp_path, snmpsim_fleet):
    printer = snmpsim_fleet.printer("konica_c250i")
    out = _run(pyz, tmp_path, "scan", printer.ip, "--port", str(printer.port), "--json", "--retries", "0")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)
    assert (row["ip"], row["sys_descr"]) == (printer.ip, "KONICA MINOLTA bizhub C250i")
    again = _run(pyz, tmp_path, "--version")  # second start reuses the unpacked cache
    assert again.returncode == 0 and again.stdout.strip() == "0.1.0"
    assert len(list((tmp_path / "cache" / "meterbridge-agent").iterdir())) == 1
