"""The agent is a plain package: importing it (and its CLI) must not load Django."""

import subprocess
import sys

from tests.support.paths import REPO_ROOT


def test_importing_agent_and_cli_loads_no_django() -> None:
    code = (
        "import sys, agent_client, agent_client.cli, agent_client.service, agent_client.scan, agent_client.runner\n"
        "agent_client.cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
