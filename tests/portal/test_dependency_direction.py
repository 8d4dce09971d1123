"""The apps depend in one direction (README, "Layout"): reports -> meters -> agents -> portal, and the agent
imports none of them. import-linter reads the contracts in pyproject.toml; a new import against them fails here
with the offending line named."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_app_imports_one_above_it_and_the_agent_imports_no_app():
    lint = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "2 kept, 0 broken" in run.stdout
