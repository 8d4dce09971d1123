"""The technician's commands as processes: enroll, run --once, status, a clean stop on SIGTERM, TLS trust."""

from __future__ import annotations

import json
import re
import signal
import ssl
import stat
import subprocess
import sys

import pytest

from tests.agent_client.conftest import as_dict, v2c
from tests.agent_client.fake_portal import LICENSE_KEY, TOKEN, FakePortal
from tests.support.paths import REPO_ROOT
from tests.support.tls import self_signed


def agent(*args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent_client", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


@pytest.fixture
def portal():
    server = FakePortal().start()
    yield server
    server.stop()


def test_enroll_writes_an_owner_only_config_with_the_token_never_the_key(portal, tmp_path):
    cfg = tmp_path / "agent.toml"
    out = agent("--config", str(cfg), "enroll", "--portal", portal.url, "--key", "-", input=LICENSE_KEY + "\n")
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(cfg.stat().st_mode) == 0o600
    text = cfg.read_text()
    assert TOKEN in text and LICENSE_KEY not in text
    assert LICENSE_KEY not in out.stdout + out.stderr and TOKEN not in out.stdout + out.stderr


def test_enroll_with_a_wrong_key_says_so_and_writes_nothing(portal, tmp_path):
    cfg = tmp_path / "agent.toml"
    out = agent("--config", str(cfg), "enroll", "--portal", portal.url, "--key", "mbl_acme_wrong")
    assert out.returncode == 2 and "Unknown license key" in out.stderr
    assert not cfg.exists()


def test_get_license_key_flow_registers_then_enrolls(portal, tmp_path):
    cfg = tmp_path / "agent.toml"
    out = agent(
        "--config",
        str(cfg),
        "enroll",
        "--portal",
        portal.url,
        "--dealer",
        "acme",
        "--enrollment-password",
        "pw",
        "--customer",
        "Contoso",
        "--report-email",
        "it@contoso.example",
    )
    assert out.returncode == 0, out.stderr
    [register] = portal.calls("/register")
    assert register.body["customer_name"] == "Contoso" and register.body["report_emails"] == ["it@contoso.example"]
    assert portal.calls("/enroll")[0].body["license_key"] == LICENSE_KEY


@pytest.mark.snmp
def test_run_once_reads_posts_and_status_shows_it(portal, tmp_path, snmpsim_fleet):
    cfg = tmp_path / "agent.toml"
    agent("--config", str(cfg), "enroll", "--portal", portal.url, "--key", LICENSE_KEY, check=True)
    printer = snmpsim_fleet.printers[0]
    device = {
        "device_id": "dev-1",
        "ip": printer.ip,
        "port": printer.port,
        "credential": as_dict(v2c()),
        "plan": {"get": ["1.3.6.1.2.1.1.1.0"], "walk": []},
    }
    portal.add_directive("read", {"timeout": 1, "retries": 1, "devices": [device]})
    out = agent("--config", str(cfg), "run", "--once")
    assert out.returncode == 0, out.stderr
    [result] = portal.results.values()
    assert result["body"]["devices"][0]["varbinds"][0][:2] == ["1.3.6.1.2.1.1.1.0", "str"]
    status = agent("--config", str(cfg), "status")
    assert "outbox depth    0" in status.stdout and portal.url in status.stdout and "last contact" in status.stdout
    assert TOKEN not in status.stdout + status.stderr + out.stderr


def test_sigterm_stops_the_service_promptly_even_while_backing_off(portal, tmp_path):
    cfg = tmp_path / "agent.toml"
    agent("--config", str(cfg), "enroll", "--portal", portal.url, "--key", LICENSE_KEY, check=True)
    portal.stop()  # the portal is away: the service is in its back-off sleep
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent_client", "--config", str(cfg), "run"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    while not (found := re.search(r"retrying in (\d+) s", lines[-1] if lines else "")):
        lines.append(proc.stderr.readline())
        assert lines[-1], "the agent ended before backing off"
    proc.send_signal(signal.SIGTERM)
    # It stops inside the back-off it just announced (at least 5 s), rather than sleeping it out.
    _, rest = proc.communicate(timeout=int(found.group(1)) - 1)
    err = "".join(lines) + rest
    assert proc.returncode == 0, err
    assert "portal away" in err and TOKEN not in err


def test_tls_is_verified_and_a_ca_bundle_makes_a_private_portal_trusted(tmp_path):
    cert, key = self_signed(tmp_path, ips=["127.0.0.1"])
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    portal = FakePortal(tls=tls).start()
    try:
        refused = agent("--config", str(tmp_path / "a.toml"), "enroll", "--portal", portal.url, "--key", LICENSE_KEY)
        trusted = agent(
            "--config",
            str(tmp_path / "b.toml"),
            "enroll",
            "--portal",
            portal.url,
            "--key",
            LICENSE_KEY,
            "--ca-bundle",
            str(cert),
        )
    finally:
        portal.stop()
    assert refused.returncode == 2 and "not trusted" in refused.stderr
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads(json.dumps(str(cert))) in (tmp_path / "b.toml").read_text()
