"""The single-file agent the portal hands out at /downloads: the current signed release (agent_releases.py), so a
technician's download and a self-update are the same bytes. Built from this repository's agent_client on first
request, and again when the sources or the signing key change; a restart does not rebuild."""

from __future__ import annotations

from agents.services.agent_releases import FILENAME, AgentRelease, release_current

AgentPackage = AgentRelease
__all__ = ["FILENAME", "AgentPackage", "agent_package", "sha256sum_line"]


def agent_package() -> AgentRelease:
    return release_current()


def sha256sum_line(package: AgentRelease) -> str:
    """The `sha256sum` format, so `sha256sum -c` checks a download saved as meterbridge-agent.pyz."""
    return f"{package.sha256}  {FILENAME}\n"
