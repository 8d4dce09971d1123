"""Locally attached printers: on Windows the spooler's (agent_client/discovery/windows_spooler.py), elsewhere the
queues of the host's CUPS (USB ones included), with IPP marker levels and state where the queue offers them.
No CUPS (a minimal server) simply means no local printers.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
from typing import Any

from agent_client.discovery import ipp, windows_spooler

REQUESTED = (
    "printer-name",
    "device-uri",
    "printer-make-and-model",
    "printer-state",
    "printer-state-message",
    "marker-names",
    "marker-types",
    "marker-colors",
    "marker-levels",
)
STATES = {3: "idle", 4: "processing", 5: "stopped"}
CUPS_SOCKET = "/run/cups/cups.sock"


class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def cups_connection(server: str | None = None, timeout: float = 3.0) -> http.client.HTTPConnection:
    """CUPS_SERVER as CUPS tools read it: a socket path or host[:port]; else the local socket, else localhost:631."""
    server = server or os.environ.get("CUPS_SERVER") or (CUPS_SOCKET if os.path.exists(CUPS_SOCKET) else "")
    if server.startswith("/"):
        return _UnixHTTPConnection(server, timeout)
    host, _, port = (server or "localhost:631").partition(":")
    return http.client.HTTPConnection(host, int(port or 631), timeout=timeout)


def local_printers(server: str | None = None) -> list[dict[str, Any]]:
    """The spooler on Windows, or wherever MB_POWERSHELL names a PowerShell to ask; CUPS elsewhere (or `server`)."""
    if server is None and (os.name == "nt" or os.environ.get(windows_spooler.POWERSHELL_ENV)):
        return windows_spooler.spooler_printers()
    return cups_printers(server)


def cups_printers(server: str | None = None) -> list[dict[str, Any]]:
    body = ipp.encode_request(ipp.CUPS_GET_PRINTERS, random.randint(1, 2**31 - 1), REQUESTED)
    conn = cups_connection(server)
    try:
        conn.request("POST", "/", body, {"Content-Type": "application/ipp"})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return []  # no CUPS here
    finally:
        conn.close()
    if response.status != 200:
        return []
    status, groups = ipp.decode_response(data)
    return [printer_record(group) for group in groups] if status < 0x0100 else []


def printer_record(attrs: dict[str, list[Any]]) -> dict[str, Any]:
    def first(name: str) -> Any:
        return (attrs.get(name) or [None])[0]

    names, types = attrs.get("marker-names", []), attrs.get("marker-types", [])
    colors, levels = attrs.get("marker-colors", []), attrs.get("marker-levels", [])
    markers = [
        {"name": name, "type": _at(types, i), "color": _at(colors, i), "level": _at(levels, i)}
        for i, name in enumerate(names)
    ]
    return {
        "name": first("printer-name"),
        "uri": _without_userinfo(first("device-uri")),
        "make_model": first("printer-make-and-model"),
        "state": STATES.get(first("printer-state"), "unknown"),
        "state_message": first("printer-state-message"),
        "markers": markers,
    }


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _without_userinfo(uri: Any) -> Any:
    """smb://user:password@host/queue: a queue's URI may carry credentials, which never leave the host."""
    if not isinstance(uri, str) or "@" not in uri or "://" not in uri:
        return uri
    scheme, rest = uri.split("://", 1)
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rsplit('@', 1)[1]}{slash}{path}"
