"""Local printers from the Windows spooler, on recordings of what PowerShell prints (tests/agent_client/recordings/
windows/, made to Microsoft's documented formats: no Windows machine here). PowerShell is a real subprocess: a
small script standing in for powershell.exe (MB_POWERSHELL) that prints the recording asked for."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import pytest

from agent_client.discovery import windows_spooler
from agent_client.discovery.local_printers import local_printers
from agent_client.discovery.windows_spooler import parse_instances, printer_records, spooler_printers
from agent_client.runner import run_directive
from tests.agent_client.conftest import as_dict, v2c

RECORDINGS = Path(__file__).parent / "recordings" / "windows"
COMMUNITIES = ("Wr1te-Acc3ss-Copyroom", "Wr1te-Acc3ss-Reception")
FAKE_POWERSHELL = """#!{python}
import json, os, sys, time
command = sys.argv[-1]
with open(os.environ["MB_FAKE_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
answers = json.loads(os.environ["MB_FAKE_SPOOLER"])
answer = next((a for name, a in answers.items() if f"-ClassName {{name}} " in command), {{}})
time.sleep(answer.get("sleep", 0))
if answer.get("stdout"):
    with open(answer["stdout"], "rb") as recording:
        sys.stdout.buffer.write(recording.read())
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("rc", 0))
"""
needs_posix = pytest.mark.skipif(os.name == "nt", reason="the stand-in PowerShell is a POSIX script")


@pytest.fixture
def fake_powershell(tmp_path, monkeypatch):
    """Configures the stand-in: `answer(Win32_Printer={"stdout": path}, Win32_TCPIPPrinterPort={...})`. Returns
    the file each run's arguments are logged to."""
    script = tmp_path / "powershell"
    script.write_text(FAKE_POWERSHELL.format(python=sys.executable))
    script.chmod(0o755)
    log = tmp_path / "powershell.log"
    monkeypatch.setenv(windows_spooler.POWERSHELL_ENV, str(script))
    monkeypatch.setenv("MB_FAKE_LOG", str(log))

    def answer(**answers: dict) -> Path:
        monkeypatch.setenv("MB_FAKE_SPOOLER", json.dumps(answers))
        return log

    return answer


def recorded(name: str) -> dict:
    return {"stdout": str(RECORDINGS / name)}


def by_name(records: list[dict]) -> dict[str, dict]:
    return {r["name"]: r for r in records}


@needs_posix
def test_tcp_printers_give_their_address_ip_or_host_name_to_the_snmp_reads(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=recorded("ports.json"))
    printers = by_name(spooler_printers())
    copy_room, reception = printers["Ricoh MP C3002 Copy Room"], printers["Reception MFP"]
    assert (copy_room["connection"], copy_room["address"], copy_room["uri"]) == (
        "tcp",
        "10.20.0.15",
        "socket://10.20.0.15:9100",
    )
    assert (reception["connection"], reception["address"], reception["protocol"]) == (
        "tcp",
        "reception-mfp.corp.example",
        "lpr",
    )
    assert (reception["state"], reception["state_message"]) == ("error", "jammed")


@needs_posix
def test_usb_printers_are_listed_with_driver_location_and_status_in_words(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=recorded("ports.json"))
    printers = by_name(spooler_printers())
    front, back = printers["HP LaserJet M404 Front Desk"], printers["Epson WF-3720 Back Office"]
    assert front == {
        "name": "HP LaserJet M404 Front Desk",
        "uri": "USB001",
        "make_model": "HP LaserJet Pro M404-M405 PCL-6 (V4)",
        "state": "idle",
        "state_message": None,
        "markers": [],
        "connection": "usb",
        "address": None,
        "port": "USB001",
        "protocol": None,
        "driver": "HP LaserJet Pro M404-M405 PCL-6 (V4)",
        "location": "Front desk",
        "offline": False,
    }
    assert (back["connection"], back["state"], back["state_message"], back["offline"]) == (
        "usb",
        "offline",
        "offline",
        True,
    )


@needs_posix
def test_wsd_share_and_lpt_printers_are_classified_and_virtual_ones_left_out(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=recorded("ports.json"))
    printers = by_name(spooler_printers())
    connections = {name: (p["connection"], p["address"]) for name, p in printers.items()}
    assert connections == {
        "HP LaserJet M404 Front Desk": ("usb", None),
        "Epson WF-3720 Back Office": ("usb", None),
        "Ricoh MP C3002 Copy Room": ("tcp", "10.20.0.15"),
        "Reception MFP": ("tcp", "reception-mfp.corp.example"),
        "Brother HL-L2350DW (WSD)": ("wsd", None),
        "\\\\PRINTSRV01\\Accounting Xerox": ("network-share", "PRINTSRV01"),  # the server, not the printer
        "Label printer": ("lpt", None),
    }
    assert printers["Brother HL-L2350DW (WSD)"]["state_message"] == "low toner"


@needs_posix
def test_the_snmp_community_of_a_port_is_never_asked_for_nor_reported(fake_powershell):
    log = fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=recorded("ports.json"))
    reported = json.dumps(spooler_printers())
    assert not any(community in reported for community in COMMUNITIES)
    commands = [json.loads(line)[-1] for line in log.read_text().splitlines()]
    assert len(commands) == 2 and not any("SNMPCommunity" in command for command in commands)


@needs_posix
def test_one_printer_is_an_object_not_an_array_and_keeps_its_accents(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printer_single.json"))
    (printer,) = spooler_printers()
    assert (printer["name"], printer["connection"], printer["location"]) == (
        "Canon LBP6030 Kasse",
        "usb",
        "Kasse 1, Büro",
    )
    assert printer["state_message"] == "no paper"


@needs_posix
def test_a_hostile_entry_costs_only_that_printer(fake_powershell):
    fake_powershell(Win32_Printer=recorded("hostile_printers.json"))
    printers = by_name(spooler_printers())
    assert sorted(printers) == ["Kyocera ECOSYS M2540dn", "Odd values"]
    odd, kyocera = printers["Odd values"], printers["Kyocera ECOSYS M2540dn"]
    assert (odd["state"], odd["driver"], odd["port"], odd["offline"]) == ("unknown", None, None, False)
    assert (kyocera["connection"], kyocera["state"], kyocera["state_message"]) == ("usb", "idle", "no toner")


@needs_posix
def test_an_error_text_instead_of_json_means_no_printers_and_a_logged_reason(fake_powershell, caplog):
    fake_powershell(Win32_Printer=recorded("access_denied.txt"))
    with caplog.at_level(logging.WARNING, logger="meterbridge.agent"):
        assert spooler_printers() == []
    assert "not JSON" in caplog.text and "Access denied" in caplog.text


@needs_posix
def test_an_error_on_stderr_is_the_logged_reason(fake_powershell, caplog):
    fake_powershell(Win32_Printer={"stderr": "Get-CimInstance : The RPC server is unavailable.\n", "rc": 1})
    with caplog.at_level(logging.WARNING, logger="meterbridge.agent"):
        assert spooler_printers() == []
    assert "RPC server is unavailable" in caplog.text


@needs_posix
def test_a_spooler_that_does_not_answer_is_given_up_on(fake_powershell, caplog):
    fake_powershell(Win32_Printer={**recorded("printers.json"), "sleep": 60})
    with caplog.at_level(logging.WARNING, logger="meterbridge.agent"):
        assert spooler_printers(timeout=1) == []
    assert "did not answer" in caplog.text


def test_no_powershell_means_no_printers(tmp_path):
    assert spooler_printers(executable=str(tmp_path / "no-such-powershell")) == []


@needs_posix
def test_without_the_port_list_a_standard_tcp_port_name_still_gives_the_address(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=recorded("access_denied.txt"))
    printers = by_name(spooler_printers())
    assert printers["Ricoh MP C3002 Copy Room"]["address"] == "10.20.0.15"
    assert printers["Reception MFP"]["connection"] == "other"  # a named port: nothing to go on


@needs_posix
def test_local_printers_ask_the_spooler_when_a_powershell_is_named(fake_powershell):
    fake_powershell(Win32_Printer=recorded("printer_single.json"))
    assert [p["name"] for p in local_printers()] == ["Canon LBP6030 Kasse"]


def test_parsing_needs_no_subprocess_either():
    """The same decisions on the text alone (these run on the Windows CI runner too)."""
    printers = parse_instances((RECORDINGS / "printers.json").read_text(encoding="utf-8"), "Win32_Printer")
    ports = parse_instances((RECORDINGS / "ports.json").read_text(encoding="utf-8"), "Win32_TCPIPPrinterPort")
    records = printer_records(printers.instances, ports.instances)
    assert [r["address"] for r in records if r["connection"] == "tcp"] == ["10.20.0.15", "reception-mfp.corp.example"]
    assert parse_instances("", "Win32_Printer").instances == [] and parse_instances("", "x").problem is None


# The discovery: a printer the PC prints to is read over SNMP, though the site's targets do not cover it.


def spooler_pointing_at(tmp_path: Path, *addresses: str) -> dict:
    """ports.json with its TCP ports' host addresses replaced, in order, by the simulator's."""
    ports = json.loads((RECORDINGS / "ports.json").read_text(encoding="utf-8"))
    for port, address in zip(ports, addresses, strict=True):
        port["HostAddress"] = address
    path = tmp_path / "ports.json"
    path.write_text(json.dumps(ports, indent=4))
    return {"stdout": str(path)}


def discover(run_snmp, targets: list[str], port: int, **extra) -> dict:
    params = {
        "targets": targets,
        "exclude": [],
        "credentials": [as_dict(v2c())],
        "port": port,
        "timeout": 0.5,
        "retries": 1,
        "concurrency": 256,
        "rate_limit": 0,
        "broadcast": False,
        "local_printers": True,
        **extra,
    }
    return run_snmp(lambda s: run_directive({"id": "d1", "kind": "discover", "params": params}, s))


@needs_posix
@pytest.mark.snmp
def test_the_pcs_tcp_printers_are_read_over_snmp_outside_the_site_targets(
    fake_powershell, run_snmp, snmpsim_fleet, tmp_path
):
    ricoh, konica = snmpsim_fleet.printer("ricoh_mpc3002"), snmpsim_fleet.printer("konica_c250i")
    ports = spooler_pointing_at(tmp_path, ricoh.ip, konica.ip)
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=ports)
    silent = snmpsim_fleet.silent_address()

    result = discover(run_snmp, [silent], snmpsim_fleet.port)

    assert sorted(d["ip"] for d in result["devices"]) == sorted([ricoh.ip, konica.ip])
    assert all(d["is_printer"] for d in result["devices"])
    assert result["local_printer_targets"] == [ricoh.ip, konica.ip] and result["addresses_scanned"] == 3
    assert {p["name"] for p in result["local_printers"]} >= {"Ricoh MP C3002 Copy Room", "Reception MFP"}
    assert not any(community in json.dumps(result) for community in COMMUNITIES)


@needs_posix
@pytest.mark.snmp
def test_the_never_scan_list_holds_for_the_pcs_printers_and_none_is_probed_twice(
    fake_powershell, run_snmp, snmpsim_fleet, tmp_path
):
    ricoh, konica = snmpsim_fleet.printer("ricoh_mpc3002"), snmpsim_fleet.printer("konica_c250i")
    ports = spooler_pointing_at(tmp_path, ricoh.ip, konica.ip)
    fake_powershell(Win32_Printer=recorded("printers.json"), Win32_TCPIPPrinterPort=ports)

    result = discover(run_snmp, [ricoh.ip], snmpsim_fleet.port, exclude=[konica.ip])

    assert [d["ip"] for d in result["devices"]] == [ricoh.ip]
    assert result["addresses_scanned"] == 1  # the Ricoh was a target already; the Konica is never-scan
    assert result["local_printer_targets"] == [konica.ip]
