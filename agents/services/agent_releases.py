"""Signed agent releases, the self-update offers made from them, and how an agent's update state reads.

A release is a directory under settings.AGENT_RELEASES_DIR named by its version: the single-file agent, its
sha256 and a detached Ed25519 signature over agent_client.update.updater.release_message(version, sha256), with
release.json written last (its presence says the release is whole). The portal's current release is
agent_client.__version__, built and signed from these sources on first need and rebuilt when the sources or the
signing key change; `manage.py agent_release publish --version V` stores others (a dealer can pin a site to one).
The build takes seconds: a file lock keeps two web processes from building the same release over each other.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from agent_client import __version__ as CURRENT_VERSION
from agent_client.update.updater import release_message
from agents.services.agent_signing import public_key_b64, sign_b64

log = logging.getLogger(__name__)
REPO = Path(settings.BASE_DIR)
BUILDER = REPO / "deploy" / "agent" / "build_zipapp.py"
SOURCES = (REPO / "agent_client", REPO / "deploy" / "agent")
FILENAME = "meterbridge-agent.pyz"
VERSION_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$")  # as build_zipapp.py: also a safe directory name


@dataclass(frozen=True)
class AgentRelease:
    version: str
    sha256: str
    signature: str  # base64 Ed25519
    public_key: str  # base64: the key it was signed with (and built into it)
    source_digest: str
    published_at: str

    @property
    def path(self) -> Path:
        return releases_dir() / self.version / FILENAME


def releases_dir() -> Path:
    return Path(settings.AGENT_RELEASES_DIR)


def current_version() -> str:
    return CURRENT_VERSION


def release_get(version: str) -> AgentRelease | None:
    if not VERSION_RE.match(version or ""):
        return None
    try:
        data = json.loads((releases_dir() / version / "release.json").read_text())
        return AgentRelease(**data)
    except (OSError, ValueError, TypeError):
        return None


def release_list() -> list[AgentRelease]:
    """Published releases, newest first."""
    if not releases_dir().is_dir():
        return []
    found = (release_get(path.name) for path in releases_dir().iterdir() if path.is_dir())
    return sorted((r for r in found if r), key=lambda r: r.published_at, reverse=True)


def release_current() -> AgentRelease:
    """The release of this portal's agent_client version, built and signed first if it is missing or stale."""
    release = release_get(CURRENT_VERSION)
    if release and _is_fresh(release):
        return release
    with _build_lock():
        release = release_get(CURRENT_VERSION)  # the other process may have built it while this one waited
        if release and _is_fresh(release):
            return release
        return _build_and_store(CURRENT_VERSION)


def release_publish(*, version: str | None = None) -> AgentRelease:
    """Builds these sources as `version` (default: the current one), signs and stores it, replacing one of the
    same version."""
    version = version or CURRENT_VERSION
    if not VERSION_RE.match(version):
        raise ValueError(f"{version!r} is not a version: up to 32 letters, digits and . + _ -")
    with _build_lock():
        return _build_and_store(version)


def _is_fresh(release: AgentRelease) -> bool:
    return release.source_digest == sources_digest() and release.public_key == public_key_b64()


def sources_digest() -> str:
    digest = hashlib.sha256()
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextmanager
def _build_lock() -> Iterator[None]:
    releases_dir().mkdir(parents=True, exist_ok=True)
    with open(releases_dir() / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# The build runs under the releases lock that heartbeats and downloads wait on: a hung one must not hold them.
BUILD_TIMEOUT_S = 120


def _build_and_store(version: str) -> AgentRelease:
    public_key, digest = public_key_b64(), sources_digest()
    target = releases_dir() / version
    target.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=releases_dir()) as tmp:
        built = Path(tmp) / FILENAME
        command = [sys.executable, str(BUILDER), "--output", str(built), "--public-key", public_key]
        subprocess.run([*command, "--version", version], check=True, capture_output=True, timeout=BUILD_TIMEOUT_S)
        sha = hashlib.sha256(built.read_bytes()).hexdigest()
        release = AgentRelease(
            version=version,
            sha256=sha,
            signature=sign_b64(release_message(version, sha)),
            public_key=public_key,
            source_digest=digest,
            published_at=timezone.now().isoformat(),
        )
        _write(Path(tmp) / "sha256", f"{sha}  {FILENAME}\n", target / f"{FILENAME}.sha256")
        _write(Path(tmp) / "sig", release.signature + "\n", target / f"{FILENAME}.sig")
        os.replace(built, target / FILENAME)
        _write(Path(tmp) / "json", json.dumps(asdict(release), indent=2), target / "release.json")  # last
    log.info("agent release %s built and signed (sha256 %s)", version, sha)
    return release


def _write(partial: Path, text: str, final: Path) -> None:
    partial.write_text(text)
    os.replace(partial, final)


# Offers (docs/agent-protocol.md, "Self-update").


def is_older(version: str, than: str) -> bool:
    """PEP 440-ish order on the numeric release part (0.9.1 < 0.10.0); a version without one counts as older."""

    def release(text: str) -> tuple[int, ...]:
        match = re.match(r"v?(\d+(?:\.\d+)*)", text.strip())
        return tuple(int(part) for part in match.group(1).split(".")) if match else ()

    mine, theirs = release(version), release(than)
    if mine and theirs:
        return mine < theirs  # 0.2.0-rc1 and 0.2.0 are the same release here: neither is older
    return not mine


def target_version(site) -> str:
    return site.agent_version_pin or CURRENT_VERSION


def update_offer(*, agent) -> dict | None:
    """What the heartbeat answer offers `agent`: the site's pinned release when it runs another version, else the
    current release when it runs an older one (a newer agent, e.g. installed from a test portal, is not taken back
    unless the dealer pins the site)."""
    target = target_version(agent.site)
    if not agent.version or agent.version == target:
        return None
    if not agent.site.agent_version_pin and not is_older(agent.version, target):
        return None
    try:
        release = release_current() if target == CURRENT_VERSION else release_get(target)
    except (ImproperlyConfigured, OSError, subprocess.SubprocessError) as exc:  # no key, disk, a failed build
        log.error("agent release %s is not available to offer: %s", target, exc)
        return None
    if release is None:
        return None
    path = reverse("agent_v1:release", args=[release.version], urlconf=settings.PUBLIC_SCHEMA_URLCONF)  # central host
    url = settings.PORTAL_CENTRAL_URL.rstrip("/") + path
    return {"version": release.version, "url": url, "sha256": release.sha256, "signature": release.signature}


def pin_choices() -> list[tuple[str, str]]:
    """For the site form: the current release, then every other published one."""
    others = [r.version for r in release_list() if r.version != CURRENT_VERSION]
    return [("", f"Current ({CURRENT_VERSION})"), *[(v, v) for v in others]]


def pin_problem(version: str) -> str:
    """Why `version` cannot be pinned, or "" when it can."""
    if not version or version == CURRENT_VERSION or release_get(version):
        return ""
    published = ", ".join(sorted({CURRENT_VERSION, *(r.version for r in release_list())}))
    return f"No agent release {version} is published on this portal (published: {published})."


def update_state(agent) -> str:
    """The agent's update state, as a technician reads it on the agents page and in the API."""
    report = agent.update_report or {}
    state, running = report.get("state"), agent.version
    target = target_version(agent.site)
    if state == "unsupported" and running != target:
        return "Cannot self-update: running from source"
    if running and not agent.site.agent_version_pin and running != target and not is_older(running, target):
        return f"Runs {running}, newer than this portal's {target}: pin the site to change it"
    if running == target:
        if state == "updated" and report.get("version") == running and report.get("from_version") != running:
            return f"Updated from {report.get('from_version')} to {running}"
        return "Up to date"
    if state == "failed" and report.get("version") == target:
        return f"Update to {target} refused: {report.get('error') or 'no reason given'}; still running {running}"
    return f"Update to {target} offered"


def sha256sum_line(release: AgentRelease) -> str:
    """The `sha256sum` format, so `sha256sum -c` checks a download saved as meterbridge-agent.pyz."""
    return f"{release.sha256}  {FILENAME}\n"
