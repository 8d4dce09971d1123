"""The portal hands signed-in dealer staff the single-file agent, built once and cached, with its checksum: the
current signed release, the same bytes a self-updating agent is offered."""

from __future__ import annotations

import hashlib
import html
import subprocess
import sys

import pytest

from tests.agents.test_license_keys import KEY_RE
from tests.support.factories import make_site
from tests.support.personas import client_for

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
PYZ, SHA = "/downloads/meterbridge-agent.pyz", "/downloads/meterbridge-agent.pyz.sha256"


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("agent-package")  # one build per test session (per xdist worker)


@pytest.fixture
def packages(settings, package_dir):
    settings.AGENT_RELEASES_DIR = package_dir / "releases"
    settings.AGENT_SIGNING_KEY_FILE = str(package_dir / "signing-key.pem")
    return package_dir / "releases"


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_technician_downloads_a_runnable_agent_served_from_cache(acme, packages, tmp_path):
    client = client_for(acme, acme.technician)
    first = download(client, PYZ)
    [cached] = packages.glob("*/meterbridge-agent.pyz")
    built_at = cached.stat().st_mtime_ns

    checksum, name = download(client, SHA).decode().split()
    assert (checksum, name) == (hashlib.sha256(first).hexdigest(), "meterbridge-agent.pyz")

    saved = tmp_path / "meterbridge-agent.pyz"
    saved.write_bytes(first)
    env = {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([BASE_PYTHON, "-I", str(saved), "--help"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "enroll" in run.stdout

    assert download(client, PYZ) == first
    assert cached.stat().st_mtime_ns == built_at  # not rebuilt
    assert list(packages.glob("*/meterbridge-agent.pyz")) == [cached]


def test_a_site_pc_fetches_the_agent_and_its_checksum_without_signing_in(acme):
    """As the install steps do with curl: no session, the dealer's host."""
    client = client_for(acme, None)
    package = b"".join(client.get(PYZ).streaming_content)
    checksum = client.get(SHA)
    assert checksum.status_code == 200
    assert checksum.content.decode().split()[0] == hashlib.sha256(package).hexdigest()


def test_site_page_shows_the_enroll_command_with_the_new_key(acme, settings):
    settings.PORTAL_CENTRAL_URL = "https://central.example.test:8443"
    site = make_site()
    client = client_for(acme, acme.admin)
    client.post(f"/sites/{site.public_id}/keys/", {"label": "reception PC"})
    page = client.get(f"/sites/{site.public_id}/").content.decode()
    [key] = set(KEY_RE.findall(page))
    page = html.unescape(page)
    linux = f"python3 meterbridge-agent.pyz enroll --portal https://central.example.test:8443 --key {key}"
    windows = f"py meterbridge-agent.pyz windows install --portal 'https://central.example.test:8443' --key '{key}'"
    assert linux in page and windows in page
    assert 'data-copy="#install-linux"' in page and 'data-copy="#install-windows"' in page

    again = client.get(f"/sites/{site.public_id}/").content.decode()
    assert KEY_RE.search(again) is None, KEY_RE.search(again)
    assert "--key &lt;key&gt;" in again  # shown once; then a placeholder


def test_two_first_requests_build_one_good_file(settings, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from agents.services.agent_releases import release_current

    settings.AGENT_RELEASES_DIR = tmp_path / "releases"
    settings.AGENT_SIGNING_KEY_FILE = str(tmp_path / "signing-key.pem")
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: release_current(), range(2))
    assert first == second
    assert hashlib.sha256(first.path.read_bytes()).hexdigest() == first.sha256
    assert sorted(p.name for p in first.path.parent.iterdir() if not p.name.startswith(".")) == [
        "meterbridge-agent.pyz",
        "meterbridge-agent.pyz.sha256",
        "meterbridge-agent.pyz.sig",
        "release.json",
    ]
    assert [p.name for p in (tmp_path / "releases").iterdir() if not p.name.startswith(".")] == [first.version]


def test_a_portal_without_its_signing_key_says_the_download_is_not_set_up(acme, settings):
    """Production never makes up a release key: until the operator adds one, the download says so (not a 500)."""
    settings.AGENT_SIGNING_KEY_CREATE, settings.AGENT_SIGNING_KEY_FILE = False, ""
    client = client_for(acme, None)
    for url in (PYZ, SHA):
        response = client.get(url)
        assert response.status_code == 503 and "signing key" in response.content.decode()
