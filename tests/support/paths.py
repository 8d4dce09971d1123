"""Where the shared test data lives: ../shared beside the checkout (CI clones main with shared/ next to it)."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = Path(REPO_ROOT.parent / "shared").resolve()
SNMPREC_DIR = SHARED_DIR / "snmprec"


@pytest.fixture(scope="session")
def snmprec_dir() -> Path:
    if not SNMPREC_DIR.is_dir():
        pytest.fail(f"printer recordings not found at {SNMPREC_DIR}: the suite expects ../shared/snmprec")
    return SNMPREC_DIR
