"""What `windows install` and `windows uninstall` do, as a list of steps: pure, so a dry run prints exactly what a
real run executes, on any OS. agent_client/windows/execute.py carries them out (or prints them)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from agent_client import __version__
from agent_client.windows.layout import ADMINISTRATORS_SID, FULL_CONTROL_SIDS, TASK_NAME, Layout
from agent_client.windows.task_xml import task_xml


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    why: str

    def display(self) -> str:
        return subprocess.list2cmdline(self.argv)  # how Python builds the Windows command line it runs


@dataclass(frozen=True)
class MakeFolder:
    path: PurePath
    why: str


@dataclass(frozen=True)
class WriteFile:
    path: PurePath
    content: bytes = field(repr=False)
    why: str


@dataclass(frozen=True)
class Enrol:
    config: PurePath
    portal: str
    why: str


@dataclass(frozen=True)
class StopAgent:
    why: str


@dataclass(frozen=True)
class RemoveFolder:
    path: PurePath
    why: str


Step = Command | MakeFolder | WriteFile | Enrol | StopAgent | RemoveFolder


@dataclass(frozen=True)
class InstallOptions:
    python: str  # the interpreter the task runs, full path
    portal: str
    enrol: bool  # False: keep the enrolment already in agent.toml (a reinstall or an upgrade)
    start: bool = True
    task_name: str = TASK_NAME


def install_plan(layout: Layout, options: InstallOptions) -> list[Step]:
    """Folders, then the ACLs (before the token is written), then enrolment, the task, and its first start."""
    steps: list[Step] = [StopAgent("an agent already running keeps no file open while it is replaced")]
    steps += [MakeFolder(layout.root, "the agent's folder"), MakeFolder(layout.logs, "the agent's log")]
    steps += acl_commands(layout.root)
    if options.enrol:
        steps.append(Enrol(layout.config, options.portal, "enrol with the portal; agent.toml holds the token"))
    steps.append(WriteFile(layout.task_xml, _task(layout, options), "the scheduled task's definition"))
    steps.append(
        Command(
            ("schtasks", "/Create", "/TN", options.task_name, "/XML", str(layout.task_xml), "/F"),
            "register the task: as SYSTEM, at boot, restarted on failure",
        )
    )
    if options.start:
        steps.append(Command(("schtasks", "/Run", "/TN", options.task_name), "start the agent now"))
    return steps


def uninstall_plan(layout: Layout, *, purge: bool, task_name: str = TASK_NAME) -> list[Step]:
    steps: list[Step] = [StopAgent("stop the agent cleanly before its task goes")]
    steps.append(Command(("schtasks", "/Delete", "/TN", task_name, "/F"), "unregister the task"))
    if purge:
        steps.append(RemoveFolder(layout.root, "the agent, its config (token), outbox and logs"))
    return steps


def acl_commands(root: PurePath) -> list[Command]:
    """Owner Administrators; inherited permissions removed; full control for SYSTEM and Administrators only,
    inherited by every file in it (the config, outbox and logs written later)."""
    grants: list[str] = []
    for sid in FULL_CONTROL_SIDS:
        grants += ["/grant:r", f"*{sid}:(OI)(CI)F"]
    return [
        Command(("icacls", str(root), "/reset", "/T", "/Q"), "start from inherited permissions (a reinstall)"),
        Command(
            ("icacls", str(root), "/inheritance:r", *grants, "/Q"),
            "only SYSTEM and Administrators may open it: the config holds the agent's token",
        ),
        Command(
            ("icacls", str(root), "/setowner", f"*{ADMINISTRATORS_SID}", "/T", "/Q"),
            "owned by Administrators, not the technician's account",
        ),
    ]


def supervise_arguments(layout: Layout) -> list[str]:
    return [str(layout.pyz), "windows", "supervise", "--root", str(layout.root)]


def _task(layout: Layout, options: InstallOptions) -> bytes:
    return task_xml(
        python=options.python,
        arguments=supervise_arguments(layout),
        working_directory=str(layout.root),
        description=f"Meterbridge agent {__version__}: reads printer meters for the dealer's portal "
        f"({options.portal}). Stop it with `meterbridge-agent windows stop`.",
    )


def describe(step: Step) -> str:
    """One line a technician reads: `<what>: <detail>  # why`."""
    match step:
        case Command():
            return f"run: {step.display()}  # {step.why}"
        case MakeFolder():
            return f"mkdir: {step.path}  # {step.why}"
        case WriteFile():
            return f"write: {step.path} ({len(step.content)} bytes)  # {step.why}"
        case Enrol():
            return f"enrol: {step.portal} -> {step.config}  # {step.why}"
        case StopAgent():
            return f"stop: the running agent, if any  # {step.why}"
        case RemoveFolder():
            return f"remove: {step.path}  # {step.why}"
    raise AssertionError(step)


def commands(steps: Sequence[Step]) -> list[Command]:
    return [step for step in steps if isinstance(step, Command)]
