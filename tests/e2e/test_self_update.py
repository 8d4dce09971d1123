"""End to end: the single-file agent the portal serves, running as a service would, takes a new signed release the
portal offers, swaps its own file, restarts into it and reports the new version; a release altered after signing
is refused, the old agent keeps running and heartbeating, and the portal shows why."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from agent_client import __version__ as CURRENT
from agents.models import Agent
from agents.services.keys import license_key_generate
from tests.support.factories import make_site
from tests.support.paths import REPO_ROOT
from tests.support.personas import client_for
from tests.support.waiting import wait_until

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def served_agent(persona, portal_url: str) -> bytes:
    """GET /downloads/meterbridge-agent.pyz on the dealer's host, as the install steps do."""
    port = portal_url.rsplit(":", 1)[1]
    url = f"{portal_url}/downloads/meterbridge-agent.pyz"  # http: the test's own server
    request = urllib.request.Request(url, headers={"Host": f"{persona.host}:{port}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        return response.read()


def publish(live_env: dict[str, str], version: str) -> Path:
    """`manage.py agent_release publish --version V` into the live portal's releases; returns its directory."""
    command = [sys.executable, "manage.py", "agent_release", "publish", "--version", version]
    subprocess.run(command, cwd=REPO_ROOT, env=live_env, check=True, capture_output=True, timeout=120)
    return Path(live_env["MB_VAR_DIR"]) / "agent-releases" / version


class AgentService:
    """The served archive in its own install folder, with its own HOME: as the systemd unit runs it."""

    def __init__(self, tmp_path: Path, archive_bytes: bytes) -> None:
        self.archive = tmp_path / "opt" / "meterbridge-agent.pyz"
        self.archive.parent.mkdir()
        self.archive.write_bytes(archive_bytes)
        self.config, self.log = tmp_path / "agent.toml", tmp_path / "agent.log"
        home = tmp_path / "home"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".state"),
        }
        self.process: subprocess.Popen | None = None

    def command(self, *args: str) -> list[str]:
        return [BASE_PYTHON, "-I", str(self.archive), "--config", str(self.config), *args]

    def enroll(self, portal_url: str, key: str) -> None:
        done = subprocess.run(
            self.command("enroll", "--portal", portal_url, "--key", key),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(self.command("run"), env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def enrolled(committed, portal_server, tmp_path):
    """An agent of a fresh site, enrolled from the served archive; yields (service, site)."""
    persona = committed["acme"]
    with tenant_context(persona.dealer):
        site = make_site(customer_name="Update Customer", scan_targets="192.0.2.1")  # TEST-NET: scans nothing real
        _key, key_text = license_key_generate(site=site)
    service = AgentService(tmp_path, served_agent(persona, portal_server))
    service.enroll(portal_server, key_text)
    with tenant_context(persona.dealer):
        site.directives.all().delete()  # the enrolment's scan is not this test's subject
    yield service, site
    service.stop()


def pin(persona, site, version: str) -> None:
    with tenant_context(persona.dealer):
        site.agent_version_pin = version
        site.save(update_fields=["agent_version_pin"])


def agent_of(persona, site) -> Agent:
    with tenant_context(persona.dealer):
        return Agent.objects.select_related("site").get(site=site)


def agents_page(persona) -> str:
    return client_for(persona, persona.technician).get("/agents/").content.decode()


def test_the_served_agent_updates_itself_restarts_and_reports_the_new_version(committed, live_env, enrolled):
    persona, (service, site) = committed["acme"], enrolled
    release = publish(live_env, "0.2.0-e2e")
    pin(persona, site, "0.2.0-e2e")
    service.start()
    pid = service.process.pid

    agent = wait_until(lambda: (a := agent_of(persona, site)).version == "0.2.0-e2e" and a, timeout=90)
    assert agent.update_report["state"] == "updated"
    assert (agent.update_report["from_version"], agent.update_report["version"]) == (CURRENT, "0.2.0-e2e")
    assert service.archive.read_bytes() == (release / "meterbridge-agent.pyz").read_bytes()
    assert service.running() and service.process.pid == pid  # restarted in place (exec), as the service
    assert f"Updated from {CURRENT} to 0.2.0-e2e" in agents_page(persona)


@pytest.mark.parametrize(
    ("alteration", "reason"),
    [("file", "checksum does not match"), ("file_and_checksum", "signature does not match")],
)
def test_a_release_altered_after_signing_is_refused_and_the_old_agent_runs_on(
    committed, live_env, enrolled, alteration, reason
):
    persona, (service, site) = committed["acme"], enrolled
    version = f"0.3.0-{alteration.replace('_', '-')}"
    release = publish(live_env, version)
    alter(release, also_checksum=alteration == "file_and_checksum")
    pin(persona, site, version)
    served = service.archive.read_bytes()
    service.start()

    agent = wait_until(lambda: (a := agent_of(persona, site)).update_report and a, timeout=90)
    assert agent.update_report["state"] == "failed", agent.update_report
    assert agent.update_report["error"].startswith(reason)
    # The report came in a heartbeat after the refusal: from the old agent, still running from the old file.
    assert agent.version == CURRENT
    assert service.running() and service.archive.read_bytes() == served
    assert f"Update to {version} refused: {reason}" in agents_page(persona)
    assert f"still running {CURRENT}" in agents_page(persona)


def alter(release: Path, *, also_checksum: bool) -> None:
    """One byte of the signed archive changed; with also_checksum, its sha256 in the release made to match (what
    someone without the signing key could do), so only the signature can catch it."""
    pyz = release / "meterbridge-agent.pyz"
    data = bytearray(pyz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pyz.write_bytes(bytes(data))
    if also_checksum:
        manifest = json.loads((release / "release.json").read_text())
        manifest["sha256"] = hashlib.sha256(data).hexdigest()
        (release / "release.json").write_text(json.dumps(manifest))
