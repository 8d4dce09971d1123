"""The agent's updater against a real HTTP server and real archives: it swaps its own file only for a release
whose checksum, signature and start-up all check out; otherwise it keeps the old one, says why once, and leaves
that release alone for six hours. An agent run from source says it cannot update, once."""

from __future__ import annotations

import base64
import hashlib
import threading
import zipapp
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agent_client import __version__
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.update.updater import REFUSAL_HOLD, Updater, release_message

TOKEN = "mbt_acme_abcdefgh_" + "t" * 32
NEW = "9.8.7"


class Releases(ThreadingHTTPServer):
    """Serves /agent/v1/releases/<v>/meterbridge-agent.pyz from a dict; remembers who asked with which token."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.seen: list[tuple[str, str]] = []
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: Releases

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization", "")))
        body = self.server.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def releases():
    server = Releases()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def tiny_agent(directory: Path, version: str) -> bytes:
    """A runnable archive that answers --version as the real one does."""
    source = directory / f"src-{version}"
    source.mkdir()
    (source / "__main__.py").write_text(f"import sys\nif '--version' in sys.argv:\n    print({version!r})\n")
    out = directory / f"{version}.pyz"
    zipapp.create_archive(source, out)
    return out.read_bytes()


class Portal:
    """A release as the portal publishes it: served bytes, their sha256 and a signature by the portal's key."""

    def __init__(self, releases: Releases, key: Ed25519PrivateKey) -> None:
        self.releases, self.key = releases, key
        self.url = f"http://127.0.0.1:{releases.server_address[1]}"

    def offer(self, version: str, content: bytes, *, served: bytes | None = None, signed_sha: str = "") -> dict:
        sha = hashlib.sha256(content).hexdigest()
        path = f"/agent/v1/releases/{version}/meterbridge-agent.pyz"
        self.releases.files[path] = content if served is None else served
        signature = self.key.sign(release_message(version, signed_sha or sha))
        # An absolute URL on another host: the agent takes the path only, on its own portal.
        url = "https://elsewhere.example" + path
        return {
            "update": {"version": version, "url": url, "sha256": sha, "signature": base64.b64encode(signature).decode()}
        }


@pytest.fixture
def portal(releases):
    return Portal(releases, Ed25519PrivateKey.generate())


@pytest.fixture
def installed(tmp_path):
    archive = tmp_path / "opt" / "meterbridge-agent.pyz"
    archive.parent.mkdir()
    archive.write_bytes(tiny_agent(tmp_path, __version__))
    archive.chmod(0o750)
    return archive


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def updater_for(portal: Portal, tmp_path: Path, archive: Path | None, clock: Clock | None = None) -> Updater:
    public = portal.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    client = PortalClient(portal.url, TOKEN)
    outbox = Outbox(tmp_path / "state" / "outbox.db")
    return Updater(client, outbox, archive=archive, public_key=public, clock=clock or Clock())


def test_a_signed_release_replaces_the_archive_and_is_reported_as_updated(portal, installed, tmp_path):
    updater = updater_for(portal, tmp_path, installed)
    new = tiny_agent(tmp_path, NEW)
    offer = updater.wanted(portal.offer(NEW, new))
    assert offer is not None and updater.apply(offer)

    assert installed.read_bytes() == new
    assert installed.stat().st_mode & 0o777 == 0o750
    assert [p.name for p in installed.parent.iterdir()] == ["meterbridge-agent.pyz"]  # no temporary file left
    assert portal.releases.seen == [(f"/agent/v1/releases/{NEW}/meterbridge-agent.pyz", f"Bearer {TOKEN}")]
    report = updater.pending_report()
    assert report is not None
    assert (report["state"], report["from_version"], report["version"]) == ("updated", __version__, NEW)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("bytes", "checksum does not match"),
        ("signature", "signature does not match"),
        ("says_other_version", "the new agent says version '1.0.0'"),
    ],
)
def test_a_bad_release_leaves_the_old_archive_and_says_why(portal, installed, tmp_path, tamper, reason):
    old = installed.read_bytes()
    updater = updater_for(portal, tmp_path, installed)
    new = tiny_agent(tmp_path, NEW if tamper != "says_other_version" else "1.0.0")
    answer = {
        "bytes": lambda: portal.offer(NEW, new, served=new + b"\0"),
        "signature": lambda: portal.offer(NEW, new, signed_sha="0" * 64),
        "says_other_version": lambda: portal.offer(NEW, new),
    }[tamper]()
    offer = updater.wanted(answer)
    assert offer is not None and not updater.apply(offer)

    assert installed.read_bytes() == old
    assert [p.name for p in installed.parent.iterdir()] == ["meterbridge-agent.pyz"]
    report = updater.pending_report()
    assert report is not None and report["state"] == "failed" and report["version"] == NEW
    assert report["error"].startswith(reason) and "\n" not in report["error"]


def test_a_refused_release_is_not_fetched_again_for_six_hours(portal, installed, tmp_path):
    clock = Clock()
    updater = updater_for(portal, tmp_path, installed, clock)
    new = tiny_agent(tmp_path, NEW)
    answer = portal.offer(NEW, new, served=b"not the release")
    offer = updater.wanted(answer)
    assert offer is not None and not updater.apply(offer)

    clock.now += REFUSAL_HOLD - 60
    assert updater.wanted(answer) is None
    fixed = portal.offer(NEW, b"another build of that version")  # another sha256
    assert updater.wanted(fixed) is not None  # a different file of that version is tried at once
    clock.now += 120
    assert updater.wanted(answer) is not None


def test_a_report_is_sent_once(portal, installed, tmp_path):
    updater = updater_for(portal, tmp_path, installed)
    offer = updater.wanted(portal.offer(NEW, tiny_agent(tmp_path, NEW), served=b"x"))
    assert offer is not None
    updater.apply(offer)
    report = updater.pending_report()
    assert report is not None
    updater.report_sent(report)
    assert updater.pending_report() is None


def test_an_offer_of_the_running_version_is_ignored(portal, installed, tmp_path):
    updater = updater_for(portal, tmp_path, installed)
    assert updater.wanted(portal.offer(__version__, installed.read_bytes())) is None
    assert updater.wanted({"update": None}) is None
    assert portal.releases.seen == []


def test_run_from_source_it_says_once_that_it_cannot_update(portal, tmp_path):
    updater = updater_for(portal, tmp_path, archive=None)
    answer = portal.offer(NEW, b"anything")
    assert updater.wanted(answer) is None
    report = updater.pending_report()
    assert report is not None and report["state"] == "unsupported"
    updater.report_sent(report)
    assert updater.wanted(answer) is None
    assert updater.pending_report() is None  # not every beat
    assert portal.releases.seen == []
