"""The single-file agent the portal hands out: built from this repository's agent_client on first request.

The build (deploy/agent/build_zipapp.py) takes a few seconds, so its output is cached under the var dir, named
by the agent version and a hash of the sources that go into it: a new release or an edited agent gets a new
file, and a restart does not rebuild. A file lock keeps two first requests (two gunicorn workers) from building
over each other; the archive is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from agent_client import __version__ as AGENT_VERSION

REPO = Path(settings.BASE_DIR)
BUILDER = REPO / "deploy" / "agent" / "build_zipapp.py"
SOURCES = (REPO / "agent_client", REPO / "deploy" / "agent")
FILENAME = "meterbridge-agent.pyz"


@dataclass(frozen=True)
class AgentPackage:
    path: Path
    sha256: str
    version: str


def cache_dir() -> Path:
    return Path(getattr(settings, "AGENT_PACKAGE_DIR", Path(settings.VAR_DIR) / "agent-package"))


def sources_digest() -> str:
    digest = hashlib.sha256()
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def agent_package() -> AgentPackage:
    """The cached package for the current sources, built first if it is not there yet."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"meterbridge-agent-{AGENT_VERSION}-{sources_digest()}.pyz"
    checksum = target.with_suffix(".pyz.sha256")
    if not checksum.exists():
        with open(directory / ".build.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the second request waits here, then finds the checksum
            if not checksum.exists():
                _build(target, checksum)
    return AgentPackage(path=target, sha256=checksum.read_text().strip(), version=AGENT_VERSION)


def _build(target: Path, checksum: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        built = Path(tmp) / FILENAME
        subprocess.run([sys.executable, str(BUILDER), "--output", str(built)], check=True, capture_output=True)
        sha = hashlib.sha256(built.read_bytes()).hexdigest()
        os.replace(built, target)
        # The checksum is written last: its presence is what says the archive is complete.
        partial = Path(tmp) / "sha256"
        partial.write_text(sha + "\n")
        os.replace(partial, checksum)


def sha256sum_line(package: AgentPackage) -> str:
    """The `sha256sum` format, so `sha256sum -c` checks a download saved as meterbridge-agent.pyz."""
    return f"{package.sha256}  {FILENAME}\n"
