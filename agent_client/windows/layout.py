"""Where the agent lives on Windows, and who may read it. Paths are PureWindowsPath when planning (the dry run on
Linux prints the paths of the machine it plans for) and Path when the code runs on the machine itself."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath

from agent_client.config import WINDOWS_FOLDER

TASK_NAME = "Meterbridge Agent"
# Well-known SIDs, not names: "Administrators" is "Administratoren" on a German Windows, "SYSTEM" stays but
# icacls resolves names in the local language; `*SID` works everywhere.
SYSTEM_SID = "S-1-5-18"
ADMINISTRATORS_SID = "S-1-5-32-544"
FULL_CONTROL_SIDS = (SYSTEM_SID, ADMINISTRATORS_SID)  # nobody else: agent.toml holds the agent's token
DEFAULT_PROGRAM_DATA = r"C:\ProgramData"


@dataclass(frozen=True)
class Layout:
    root: PurePath  # C:\ProgramData\Meterbridge

    @classmethod
    def under(cls, program_data: str) -> Layout:
        """The layout a Windows machine with this %ProgramData% gets (planning: works on any OS)."""
        return cls(PureWindowsPath(program_data) / WINDOWS_FOLDER)

    @property
    def pyz(self) -> PurePath:
        return self.root / "meterbridge-agent.pyz"

    @property
    def config(self) -> PurePath:
        return self.root / "agent.toml"

    @property
    def outbox(self) -> PurePath:
        return self.root / "outbox.sqlite3"  # beside the config: agent_client.config.AgentConfig.outbox_file

    @property
    def logs(self) -> PurePath:
        return self.root / "logs"

    @property
    def log_file(self) -> PurePath:
        return self.logs / "agent.log"

    @property
    def task_xml(self) -> PurePath:
        return self.root / "task.xml"

    @property
    def stop_file(self) -> PurePath:
        return self.root / "stop"  # written by `windows stop`: the agent's SIGTERM on Windows

    @property
    def running_file(self) -> PurePath:
        return self.root / "running"  # the supervisor's pid while it runs; `windows stop` waits for it to go


def program_data() -> str:
    """%ProgramData% on Windows; elsewhere (a dry run) the usual value."""
    return os.environ.get("PROGRAMDATA", DEFAULT_PROGRAM_DATA) if sys.platform == "win32" else DEFAULT_PROGRAM_DATA


def local_layout(root: Path | None) -> Layout:
    """The layout this process acts on: --root when given (tests, dry runs), else the real ProgramData folder."""
    return Layout(root if root is not None else Path(program_data()) / WINDOWS_FOLDER)
