"""Agent install benchmark (issue 15, "Benchmark"): merges its figures into bench/results/discovery.json under
"agent_install" (bench/run.py runs it after discovery.py, which rewrites that file).

    .venv/bin/python bench/agent_install.py      (with the test services' environment: var/services/env)

It runs the end-to-end test of tests/deploy/test_install_linux.py: the portal's install-linux.sh, fetched with curl
from the dealer's host and run in a throwaway root, against the real portal (gunicorn + a Celery worker) and the
simulated fleet (snmpsim), with a systemctl that starts the unit's ExecStart. Figures:
- pyz_mb: the single-file agent as served and installed. Target 4 MB (the seeds' installer).
- idle_rss_mb: VmRSS summed over the service's process tree (the Python running the pyz and any children; pages
  shared between processes counted in each), the highest of 10 samples 1 s apart, taken 10 s after the agent
  posted its first results, while it waits for its next poll. Target 40 MB.
- install_to_first_read_s: from starting the script to the first meter read stored in the portal: download,
  checksum, enrolment, service start, the enrolment discovery of the simulated /24 with its reads, the upload and
  the worker's interpretation. Target 300 s (the seeds' product installs in three to five minutes). The test
  session's portal starts with an empty var dir, so this includes preparing the pyz on its first request.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "discovery.json"
TEST = "tests/deploy/test_install_linux.py::test_installed_service_enrols_and_its_first_reads_reach_the_portal"
TARGETS = {"pyz_mb": 4.0, "idle_rss_mb": 40.0, "install_to_first_read_s": 300.0}


def measure() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "figures.json"
        env = {**os.environ, "MB_AGENT_INSTALL_REPORT": str(report)}
        command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider", TEST]
        if subprocess.run(command, cwd=REPO, env=env).returncode != 0 or not report.exists():
            raise SystemExit("the install test failed: no figures")
        return json.loads(report.read_text())


def main() -> int:
    figures = measure()
    section = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        **figures,
        "rss_counted": "VmRSS of the service's process tree (main process + descendants), max of 10 samples "
        "taken while idle after its first results",
        "targets": TARGETS,
        "met": {name: figures[name] <= target for name, target in TARGETS.items()},
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["agent_install"] = section
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(section, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
