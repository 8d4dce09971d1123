"""Where the shared test data lives: ../shared beside the checkout (CI clones main with shared/ next to it).

A clone made elsewhere from a local checkout (`git clone /work/main /tmp/fresh`) finds it beside the
repository it was cloned from; MB_SHARED_DIR names it outright.
"""

import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _origin_dir() -> Path | None:
    """The local repository this checkout was cloned from, if it was."""
    try:
        url = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        return None
    path = Path(url.removeprefix("file://")) if url and "://" not in url.removeprefix("file://") else None
    return path if path is not None and path.is_absolute() and path.is_dir() else None


def _shared_dir() -> Path:
    if os.environ.get("MB_SHARED_DIR"):
        return Path(os.environ["MB_SHARED_DIR"]).resolve()
    beside = REPO_ROOT.parent / "shared"
    origin = _origin_dir()
    if not beside.is_dir() and origin is not None and (origin.parent / "shared").is_dir():
        return (origin.parent / "shared").resolve()
    return beside.resolve()


SHARED_DIR = _shared_dir()
SNMPREC_DIR = SHARED_DIR / "snmprec"


@pytest.fixture(scope="session")
def snmprec_dir() -> Path:
    if not SNMPREC_DIR.is_dir():
        pytest.fail(f"printer recordings not found at {SNMPREC_DIR}: the suite expects ../shared/snmprec")
    return SNMPREC_DIR
