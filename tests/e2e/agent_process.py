"""The real agent, as a technician runs it: the installed `meterbridge-agent` command in its own process."""

import os
import subprocess
import sys
from pathlib import Path

AGENT = Path(sys.executable).with_name("meterbridge-agent")


def agent_cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "MB_TEST"))}
    result = subprocess.run(
        [str(AGENT), "--config", str(config), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"agent {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result
