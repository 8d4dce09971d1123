"""`meterbridge-agent doctor` against a real HTTP(S) portal stand-in, the SNMP simulator and real folders."""

from __future__ import annotations

import base64
import json
import os
import socket
import ssl
import threading
from pathlib import Path

import pytest

from agent_client import cli
from agent_client import config as config_mod
from agent_client.offline import LAST_READ_KEY
from agent_client.outbox import Outbox
from tests.agent_client.fake_portal import TOKEN, FakePortal
from tests.support.snmpsim import SimFleet
from tests.support.tls import self_signed


def enrolled(tmp_path: Path, portal_url: str, **extra: str) -> Path:
    path = tmp_path / "state" / "agent.toml"
    config_mod.save(path, config_mod.AgentConfig(portal_url=portal_url, token=TOKEN, agent_id="a-1", **extra))
    return path


def doctor(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = cli.main(["--config", str(path), "doctor", "--timeout", "3", *args])
    return code, capsys.readouterr().out.splitlines()


def verdict(lines: list[str], check: str) -> str:
    return next(line for line in lines if line[7:].startswith(check))


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch):
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def portal():
    portal = FakePortal().start()
    yield portal
    portal.stop()


def test_a_reachable_portal_passes_and_nothing_is_leased(tmp_path, capsys, portal):
    portal.add_directive("read", {})
    code, lines = doctor(enrolled(tmp_path, portal.url), capsys)
    assert code == 0, lines
    assert verdict(lines, "portal TCP").startswith("[OK  ]") and f"127.0.0.1:{portal.port}" in verdict(
        lines, "portal TCP"
    )
    assert verdict(lines, "portal HTTP").startswith("[OK  ]") and verdict(lines, "clock").startswith("[OK  ]")
    assert [r.path for r in portal.requests] == ["/healthz"] and portal.pending  # no agent call, nothing leased


def test_a_stopped_portal_fails_naming_its_address(tmp_path, capsys, portal):
    path = enrolled(tmp_path, portal.url)
    portal.stop()
    code, lines = doctor(path, capsys)
    assert code == 1
    tcp = verdict(lines, "portal TCP")
    assert tcp.startswith("[FAIL]") and f"cannot connect to 127.0.0.1:{portal.port}" in tcp and "->" in tcp


def test_tls_fails_with_the_wrong_ca_and_passes_with_the_right_one(tmp_path, capsys):
    (tmp_path / "portal").mkdir(), (tmp_path / "other").mkdir()
    cert, key = self_signed(tmp_path / "portal", ips=["127.0.0.1"])
    wrong, _ = self_signed(tmp_path / "other", ips=["127.0.0.1"])
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    portal = FakePortal(tls=tls).start()
    try:
        bad_code, bad = doctor(enrolled(tmp_path / "bad", portal.url, ca_bundle=str(wrong)), capsys)
        good_code, good = doctor(enrolled(tmp_path / "good", portal.url, ca_bundle=str(cert)), capsys)
    finally:
        portal.stop()
    assert bad_code == 1 and verdict(bad, "custom CA").startswith("[OK  ]")  # the file is fine, the CA is not
    assert verdict(bad, "portal TLS").startswith("[FAIL]") and "not trusted" in verdict(bad, "portal TLS")
    assert good_code == 0, good
    assert verdict(good, "portal TLS").startswith("[OK  ]")


def test_a_ca_file_that_is_not_pem_fails(tmp_path, capsys, portal):
    junk = tmp_path / "ca.pem"
    junk.write_text("not a certificate\n")
    code, lines = doctor(enrolled(tmp_path, portal.url, ca_bundle=str(junk)), capsys)
    assert code == 1 and verdict(lines, "custom CA").startswith("[FAIL]")


def test_a_skewed_portal_clock_warns(tmp_path, capsys):
    portal = FakePortal(clock_offset=-3600).start()  # the portal's Date is an hour behind this PC
    try:
        code, lines = doctor(enrolled(tmp_path, portal.url), capsys)
    finally:
        portal.stop()
    assert code == 1
    clock = verdict(lines, "clock")
    assert clock.startswith("[WARN]") and "ahead of the portal" in clock and "time sync" in clock


def test_an_unwritable_state_folder_fails(tmp_path, capsys, portal):
    if os.geteuid() == 0:  # root writes through permission bits: /sys refuses new files even to root
        path, folder = enrolled(tmp_path, portal.url, outbox_path="/sys/outbox.sqlite3"), "/sys"
    else:
        path = enrolled(tmp_path, portal.url)
        folder = str(path.parent)
        path.parent.chmod(0o500)
    try:
        code, lines = doctor(path, capsys)
    finally:
        path.parent.chmod(0o700)
    assert code == 1
    assert any(line.startswith("[FAIL]") and f"cannot write to {folder}" in line for line in lines), lines


def test_a_proxy_passes_with_its_credentials_and_a_wrong_password_is_named(tmp_path, capsys, portal):
    proxy = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=_proxy, args=(proxy, "mb:s3cret", portal.port), daemon=True).start()
    proxy_at = f"127.0.0.1:{proxy.getsockname()[1]}"
    try:
        good_code, good = doctor(enrolled(tmp_path / "good", portal.url, proxy=f"http://mb:s3cret@{proxy_at}"), capsys)
        bad_code, bad = doctor(enrolled(tmp_path / "bad", portal.url, proxy=f"http://mb:wrong@{proxy_at}"), capsys)
    finally:
        proxy.close()
    assert good_code == 0, good
    assert verdict(good, "proxy").startswith("[OK  ]") and verdict(good, "portal HTTP").startswith("[OK  ]")
    line = verdict(bad, "proxy")
    assert bad_code == 1 and line.startswith("[FAIL]") and "407, wrong proxy credentials" in line
    assert "wrong" not in line.split("407")[0] and "mb:" not in line  # the credentials are never printed
    assert not any(line.startswith("[OK  ] portal HTTP") for line in bad)


def _proxy(server: socket.socket, user_pass: str, portal_port: int) -> None:
    """A plain HTTP proxy with Basic credentials: 407 without the right ones, else the request goes on."""
    while True:
        try:
            conn, _ = server.accept()
        except OSError:  # closed by the test
            return
        threading.Thread(target=_proxy_one, args=(conn, user_pass, portal_port), daemon=True).start()


def _proxy_one(conn: socket.socket, user_pass: str, portal_port: int) -> None:
    with conn:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        expected = "proxy-authorization: basic " + base64.b64encode(user_pass.encode()).decode().lower()
        if expected not in [line.lower() for line in lines]:
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            return
        method, target, version = lines[0].split(" ")
        lines[0] = f"{method} /{target.split('/', 3)[3]} {version}"  # absolute URI -> origin form
        forward = [line for line in lines if not line.lower().startswith("proxy-")]
        with socket.create_connection(("127.0.0.1", portal_port)) as upstream:
            upstream.sendall("\r\n".join(forward).encode("latin-1"))
            while data := upstream.recv(65536):
                conn.sendall(data)


def test_snmp_answers_with_the_printers_sysdescr(tmp_path, capsys, portal, snmpsim_fleet: SimFleet):
    printer = snmpsim_fleet.printer("epson")
    code, lines = doctor(enrolled(tmp_path, portal.url), capsys, "--snmp", f"{printer.ip}:{printer.port}")
    line = verdict(lines, f"SNMP {printer.ip}")
    assert line.startswith("[OK  ]") and "community public" in line and "EPSON Built-in" in line
    assert code == 0, lines


def test_snmp_uses_the_credential_the_portal_sent(tmp_path, capsys, portal, snmpsim_fleet: SimFleet):
    printer = snmpsim_fleet.printer("konica_c250i")  # it also answers to its recording name as community
    path = enrolled(tmp_path, portal.url)
    outbox = Outbox(path.with_name("outbox.sqlite3"))
    device = {
        "ip": printer.ip,
        "port": printer.port,
        "credential": {"id": "c9", "version": "2c", "community": printer.recording},
    }
    outbox.set_state(LAST_READ_KEY, json.dumps({"params": {"devices": [device]}, "at": "2026-11-28T10:00:00+00:00"}))
    outbox.close()
    code, lines = doctor(path, capsys, "--snmp", f"{printer.ip}:{printer.port}")
    line = verdict(lines, f"SNMP {printer.ip}")
    assert code == 0 and "the portal credential" in line and "KONICA MINOLTA bizhub C250i" in line, lines
    assert printer.recording not in line  # the community itself is not shown


def test_a_silent_address_times_out(tmp_path, capsys, portal, snmpsim_fleet: SimFleet):
    silent = snmpsim_fleet.silent_address()
    path = enrolled(tmp_path, portal.url)
    code, lines = doctor(path, capsys, "--snmp", f"{silent}:{snmpsim_fleet.port}", "--timeout", "1")
    line = verdict(lines, f"SNMP {silent}")
    assert code == 1 and line.startswith("[FAIL]") and "timeout" in line


def test_an_snmp_address_that_is_not_one_fails_with_what_to_type(tmp_path, capsys, portal):
    code, lines = doctor(
        enrolled(tmp_path, portal.url), capsys, "--snmp", "10.0.0.5:99999", "--snmp", "printer.invalid"
    )
    assert code == 1
    for address in ("10.0.0.5:99999", "printer.invalid"):
        line = verdict(lines, f"SNMP {address}")
        assert line.startswith("[FAIL]") and "give the device's IPv4 address" in line
