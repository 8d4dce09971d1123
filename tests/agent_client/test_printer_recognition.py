"""The agent's own word on what is a printer: a Brother inkjet that says so only in its IEEE 1284 device ID counts,
with no portal to ask (its built-in identity read includes the HP and Brother device-ID OIDs)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agent_client.discovery.identity import Varbinds, is_printer
from agent_client.discovery.sweep import SweepOptions, sweep
from tests.agent_client.conftest import v2c

BROTHER_DEVICE_ID = "1.3.6.1.4.1.2435.2.3.9.1.1.7.0"
RECORDINGS = ("brother-lib_dcp-j132w", "epson-scanner_ds-860")  # a printer, and a scan server that is not one


@pytest.mark.snmp
def test_sweep_calls_a_brother_known_only_by_its_1284_device_id_a_printer(run_snmp, snmpsim_factory):
    fleet = snmpsim_factory(RECORDINGS)
    options = SweepOptions([p.ip for p in fleet.printers], [v2c()], port=fleet.port, timeout=1.0, retries=1)
    result = run_snmp(lambda s: sweep(options, s))
    verdicts = {d["ip"]: d["is_printer"] for d in result.devices}
    assert verdicts == {fleet.printer(RECORDINGS[0]).ip: True, fleet.printer(RECORDINGS[1]).ip: False}


@pytest.mark.snmp
def test_scan_lists_a_brother_inkjet_with_the_model_from_its_1284_id(snmpsim_factory):
    fleet = snmpsim_factory(RECORDINGS)
    cmd = [
        sys.executable,
        "-m",
        "agent_client",
        "scan",
        *[p.ip for p in fleet.printers],
        "--json",
        "--port",
        str(fleet.port),
        "--timeout",
        "1",
        "--retries",
        "0",
    ]
    rows = json.loads(subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout)
    assert [(row["ip"], row["model"]) for row in rows] == [(fleet.printer(RECORDINGS[0]).ip, "DCP-J132W")]


@pytest.mark.parametrize(
    ("device_id", "printer"),
    [
        ("MFG:Brother;CMD:PJL,HBP,URF;MDL:DCP-J132W;CLS:PRINTER;", True),
        ("MANUFACTURER:Zebra Technologies;MODEL:ZTC TLP 2824 Plus;CLASS:printer;", True),
        ("MFG:HP;MDL:ScanJet Enterprise Flow N9120;CLS:SCANNER;", False),
        ("MFG:Acme;CLS:PRINTERFAX;", False),
    ],
)
def test_only_a_1284_device_id_of_the_printer_class_makes_a_printer(device_id, printer):
    assert is_printer(Varbinds([(BROTHER_DEVICE_ID, "str", device_id)])) is printer


def test_a_linux_host_with_a_processor_row_is_not_a_printer():
    linux = [
        ("1.3.6.1.2.1.1.1.0", "str", "Linux files01 5.15.0-91-generic"),
        ("1.3.6.1.2.1.1.2.0", "oid", "1.3.6.1.4.1.8072.3.2.10"),
        ("1.3.6.1.2.1.25.3.2.1.2.196608", "oid", "1.3.6.1.2.1.25.3.1.3"),
    ]
    assert is_printer(Varbinds(linux)) is False
