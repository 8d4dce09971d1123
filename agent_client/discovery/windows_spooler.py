"""Printers the Windows spooler knows: queues on USB, TCP/IP, WSD, parallel and serial ports and shared queues on
print servers, from `Get-CimInstance Win32_Printer` and `Win32_TCPIPPrinterPort` printed by `ConvertTo-Json`.
A printer on a TCP/IP port gives its host address (IP or name) to the discovery, which then reads it over SNMP;
the others are listed with what the spooler knows. Virtual printers (PDF, XPS, OneNote, fax, to-file) are left out.

Field names, types and codes as Microsoft documents them (nothing here has run on real Windows; the tests use
recordings made to these formats):
- Win32_Printer: https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-printer
  (PrinterStatus, ExtendedPrinterStatus, DetectedErrorState: uint16; WorkOffline, Network, Shared: boolean).
- Win32_TCPIPPrinterPort: https://learn.microsoft.com/en-us/windows/win32/cimwin32prov/win32-tcpipprinterport
  (HostAddress: string, "address of the device or print server"; PortNumber, Protocol: uint32, 1 = RAW, 2 = LPR).
ConvertTo-Json prints one object for one instance, an array for several and nothing for none. Run as the service
(SYSTEM), the query sees the machine's printers; a user's own connections to a print server's shares are that
user's, and may be missing.

The port's SNMPCommunity is a secret the agent has no use for (the portal's credentials are the ones tried): it
is never asked for, and dropped should a port carry it anyway.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("meterbridge.agent")

POWERSHELL_ENV = "MB_POWERSHELL"  # another PowerShell (tests: a script printing a recording)
DEFAULT_POWERSHELL = "powershell.exe"  # Windows PowerShell 5.1: on every Windows the agent's Python runs on
TIMEOUT = 30.0  # a cold PowerShell on an old PC takes seconds; a queue on a dead print server can hang the query
PRINTER_FIELDS = (
    "Name",
    "DriverName",
    "PortName",
    "Location",
    "Comment",
    "ShareName",
    "ServerName",
    "Network",
    "Shared",
    "WorkOffline",
    "PrinterStatus",
    "ExtendedPrinterStatus",
    "DetectedErrorState",
)
PORT_FIELDS = ("Name", "HostAddress", "PortNumber", "Protocol", "Queue", "SNMPEnabled")
MAX_TEXT = 256

# Win32_Printer.PrinterStatus, and ExtendedPrinterStatus which extends it (codes 1-7 mean the same in both).
PRINTER_STATUS = {
    1: "other",
    2: "unknown",
    3: "idle",
    4: "printing",
    5: "warming up",
    6: "stopped printing",
    7: "offline",
    8: "paused",
    9: "error",
    10: "busy",
    11: "not available",
    12: "waiting",
    13: "processing",
    14: "initialization",
    15: "power save",
    16: "pending deletion",
    17: "I/O active",
    18: "manual feed",
}
# Win32_Printer.DetectedErrorState.
ERROR_STATE = {
    0: "unknown",
    1: "other",
    2: "no error",
    3: "low paper",
    4: "no paper",
    5: "low toner",
    6: "no toner",
    7: "door open",
    8: "jammed",
    9: "offline",
    10: "service requested",
    11: "output bin full",
}
NOT_AN_ERROR = {"unknown", "other", "no error"}
PROTOCOLS = {1: "raw", 2: "lpr"}
# Ports no paper comes out of: Print to PDF and XPS ask for a file (PORTPROMPT:), OneNote 2016 prints to nul: (the
# Windows 10 OneNote app to a port named after its package), the fax service to SHRFAX:.
VIRTUAL_PORTS = ("PORTPROMPT:", "FILE:", "NUL:", "NUL", "XPSPORT:", "SHRFAX:", "PDF:")
VIRTUAL_DRIVERS = (
    "microsoft print to pdf",
    "microsoft xps document writer",
    "onenote",
    "microsoft software printer",
    "microsoft shared fax",
    "fax",
    "adobe pdf",
    "pdf24",
    "pdfcreator",
    "cutepdf",
)


@dataclass
class SpoolerAnswer:
    """What one PowerShell query printed, parsed: its instances, or why there are none."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None


def powershell() -> str:
    return os.environ.get(POWERSHELL_ENV) or DEFAULT_POWERSHELL


def spooler_printers(executable: str | None = None, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
    """The spooler's printers as local-printer records (docs/agent-protocol.md, "local_printers")."""
    executable = executable or powershell()
    printers = query(executable, "Win32_Printer", PRINTER_FIELDS, timeout)
    ports = query(executable, "Win32_TCPIPPrinterPort", PORT_FIELDS, timeout) if printers.instances else None
    for answer in (printers, ports):
        if answer is not None and answer.problem:
            log.warning("Windows spooler: %s", answer.problem)
    return printer_records(printers.instances, ports.instances if ports else [])


def query(executable: str, cim_class: str, fields: tuple[str, ...], timeout: float) -> SpoolerAnswer:
    # PowerShell 5.1 writes to a pipe in the console's OEM code page: "Büro" would arrive mangled without this.
    script = (
        "[Console]::OutputEncoding = [System.Text.Encoding]::UTF8; "
        f"Get-CimInstance -ClassName {cim_class} | Select-Object {','.join(fields)} | ConvertTo-Json -Depth 3"
    )
    command = [executable, "-NoProfile", "-NonInteractive", "-Command", script]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            check=False,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except subprocess.TimeoutExpired:
        return SpoolerAnswer(problem=f"{cim_class} did not answer within {timeout:g} s")
    except OSError as exc:
        return SpoolerAnswer(problem=f"cannot run {executable}: {exc.strerror or exc}")
    return parse_instances(done.stdout.decode("utf-8", "replace"), cim_class, done.stderr.decode("utf-8", "replace"))


def parse_instances(text: str, cim_class: str = "", stderr: str = "") -> SpoolerAnswer:
    """ConvertTo-Json's output: an object (one instance), an array, or nothing (none, or an error on stderr)."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        first_error = stderr.strip().splitlines()[0][:200] if stderr.strip() else ""
        return SpoolerAnswer(problem=f"{cim_class}: {first_error}" if first_error else None)
    try:
        parsed = json.loads(text)
    except ValueError:
        return SpoolerAnswer(problem=f"{cim_class}: not JSON: {text.splitlines()[0][:120]!r}")
    items = parsed if isinstance(parsed, list) else [parsed]
    return SpoolerAnswer([item for item in items if isinstance(item, dict)])


def printer_records(printers: list[dict[str, Any]], ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tcp_ports = {_text(p.get("Name")).upper(): p for p in ports if _text(p.get("Name"))}
    records = []
    for printer in printers:
        record = printer_record(printer, tcp_ports)
        if record is not None and record["connection"] != "virtual":
            records.append(record)
    return records


def printer_record(printer: dict[str, Any], tcp_ports: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """One printer in the CUPS records' shape, plus what the spooler adds; None for an entry without a name."""
    name = _text(printer.get("Name"))
    if not name:
        return None
    port_name, driver = _text(printer.get("PortName")), _text(printer.get("DriverName"))
    connection, address, uri, protocol = _connection(printer, port_name, driver, tcp_ports)
    state, problem, offline = _state(printer)
    return {
        "name": name,
        "uri": uri,
        "make_model": driver or None,
        "state": state,
        "state_message": problem,
        "markers": [],
        "connection": connection,
        "address": address,
        "port": port_name or None,
        "protocol": protocol,
        "driver": driver or None,
        "location": _text(printer.get("Location")) or None,
        "offline": offline,
    }


def _connection(
    printer: dict[str, Any], port_name: str, driver: str, tcp_ports: dict[str, dict[str, Any]]
) -> tuple[str, str | None, str | None, str | None]:
    """(connection, address, uri, protocol) from the port the queue prints to."""
    upper, name = port_name.upper(), _text(printer.get("Name"))
    if name.startswith("\\\\") or upper.startswith("\\\\"):  # a connection to a print server's queue
        unc = name if name.startswith("\\\\") else port_name
        server = _text(printer.get("ServerName")).lstrip("\\") or unc.lstrip("\\").split("\\", 1)[0]
        return "network-share", server or None, unc, None
    if upper in tcp_ports:
        return _tcp(tcp_ports[upper])
    if upper in VIRTUAL_PORTS or "ONENOTE" in upper or any(word in driver.lower() for word in VIRTUAL_DRIVERS):
        return "virtual", None, port_name or None, None
    if upper.startswith(("USB", "DOT4")):
        return "usb", None, port_name, None
    if upper.startswith("WSD"):
        return "wsd", None, port_name, None
    if upper.startswith(("LPT", "COM")):
        return upper[:3].lower(), None, port_name, None
    ip = _ip_in_port_name(port_name)  # a Standard TCP/IP port the port query did not return ("IP_10.0.0.5")
    if ip is not None:
        return "tcp", ip, f"socket://{ip}", None
    return "other", None, port_name or None, None


def _tcp(port: dict[str, Any]) -> tuple[str, str | None, str | None, str | None]:
    host = _text(port.get("HostAddress")) or None
    protocol = PROTOCOLS.get(_int(port.get("Protocol")) or 0)
    number = _int(port.get("PortNumber"))
    if host is None:
        return "tcp", None, None, protocol
    if protocol == "lpr":
        return "tcp", host, f"lpd://{host}/{_text(port.get('Queue'))}", protocol
    return "tcp", host, f"socket://{host}:{number or 9100}", protocol


def _ip_in_port_name(port_name: str) -> str | None:
    candidate = port_name[3:] if port_name.upper().startswith("IP_") else port_name
    try:
        return str(ipaddress.IPv4Address(candidate))
    except ValueError:
        return None


def _state(printer: dict[str, Any]) -> tuple[str, str | None, bool]:
    """(state in the documented words, the detected error if there is one, whether the printer is offline)."""
    extended, basic = _int(printer.get("ExtendedPrinterStatus")), _int(printer.get("PrinterStatus"))
    state = PRINTER_STATUS.get(extended or 0) or PRINTER_STATUS.get(basic or 0) or "unknown"
    error = ERROR_STATE.get(_int(printer.get("DetectedErrorState")) or 0, "unknown")
    offline = printer.get("WorkOffline") is True or state == "offline" or error == "offline"
    return state, (error if error not in NOT_AN_ERROR else None), offline


def _text(value: Any) -> str:
    return value.strip()[:MAX_TEXT] if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
