"""Local CUPS queues over IPP, against a small real IPP-over-HTTP server standing in for cupsd."""

from __future__ import annotations

import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agent_client.discovery import ipp
from agent_client.discovery.local_printers import local_printers


def _attr(tag: int, name: str, value: bytes) -> bytes:
    return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value


def _text(tag: int, name: str, *values: str) -> bytes:
    return b"".join(_attr(tag, name if i == 0 else "", v.encode()) for i, v in enumerate(values))


def _ints(tag: int, name: str, *values: int) -> bytes:
    return b"".join(_attr(tag, name if i == 0 else "", struct.pack(">i", v)) for i, v in enumerate(values))


def cups_answer(request_id: int) -> bytes:
    """A CUPS-Get-Printers response as RFC 8010 lays it out: two queues, one USB laser with two markers."""
    head = struct.pack(">BBHI", 2, 0, 0x0000, request_id) + b"\x01"
    head += _text(0x47, "attributes-charset", "utf-8") + _text(0x48, "attributes-natural-language", "en")
    usb = b"\x04" + _text(0x42, "printer-name", "Front_Desk") + _text(0x45, "device-uri", "usb://HP/LaserJet?serial=X1")
    usb += _text(0x41, "printer-make-and-model", "HP LaserJet M404") + _ints(0x23, "printer-state", 3)
    usb += _text(0x41, "printer-state-message", "") + _text(0x42, "marker-names", "Black Cartridge", "Drum")
    usb += _text(0x44, "marker-types", "toner", "opc") + _text(0x42, "marker-colors", "#000000", "none")
    usb += _ints(0x21, "marker-levels", 80, -1)
    smb = b"\x04" + _text(0x42, "printer-name", "Office") + _text(0x45, "device-uri", "smb://bob:s3cret@fs/hp")
    smb += _ints(0x23, "printer-state", 5) + _text(0x41, "printer-state-message", "Paper jam")
    return head + usb + smb + b"\x03"


@pytest.fixture
def fake_cups():
    seen: list[tuple[int, list]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            operation, request_id = struct.unpack(">HI", body[2:8])
            requested = [v for _, name, v in ipp._walk(body, 8) if name == "requested-attributes"]
            seen.append((operation, requested))
            answer = cups_answer(request_id)
            self.send_response(200)
            self.send_header("Content-Type", "application/ipp")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_cups_queues_with_state_and_marker_levels(fake_cups):
    address, seen = fake_cups
    front, office = local_printers(address)
    assert seen[0][0] == ipp.CUPS_GET_PRINTERS and "marker-levels" in seen[0][1]
    assert front == {
        "name": "Front_Desk",
        "uri": "usb://HP/LaserJet?serial=X1",
        "make_model": "HP LaserJet M404",
        "state": "idle",
        "state_message": "",
        "markers": [
            {"name": "Black Cartridge", "type": "toner", "color": "#000000", "level": 80},
            {"name": "Drum", "type": "opc", "color": "none", "level": -1},
        ],
    }
    assert (office["state"], office["state_message"], office["markers"]) == ("stopped", "Paper jam", [])


def test_queue_uri_credentials_never_leave_the_host(fake_cups):
    address, _ = fake_cups
    office = local_printers(address)[1]
    assert office["uri"] == "smb://fs/hp"


def test_no_cups_means_no_local_printers():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    assert local_printers(f"127.0.0.1:{port}") == []
