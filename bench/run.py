"""`make bench`: every benchmark, each writing bench/results/<name>.json. Figures are ratios against a baseline
run in the same process or run, because these machines are noisy."""

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# discovery counts packets on the loopback interface, which needs root.
BENCHMARKS = ["ingest.py", "report.py", "dashboard.py", "discovery.py", "billing.py"]


def main() -> int:
    failures = 0
    for name in BENCHMARKS:
        script = BENCH / name
        if not script.exists():
            continue
        if name == "discovery.py" and os.geteuid() != 0:
            print(f"skipping {name}: it needs root to count packets on lo")
            continue
        print(f"== {name}", flush=True)
        failures += subprocess.run([sys.executable, str(script)], cwd=BENCH.parent).returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
