"""Carries out a plan (agent_client/windows/plan.py) on this machine, or prints it: the dry run prints the same
lines a real run prints, runs no command, and writes files only under `write_root` (standing in for the agent's
folder), so a test on Linux can read the config and task XML it would leave."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from agent_client.errors import AgentError
from agent_client.windows import plan as p
from agent_client.windows.layout import TASK_NAME, Layout
from agent_client.windows.stop_file import request_stop, wait_until_gone

Print = Callable[[str], None]


@dataclass
class Executor:
    layout: Layout
    dry_run: bool
    write_root: Path | None  # dry run: where files go instead of layout.root; None: nowhere
    enrol: Callable[[Path], None]
    stop_timeout: float = 60.0
    task_name: str = TASK_NAME
    say: Print = print

    def run(self, steps: Sequence[p.Step]) -> None:
        if self.dry_run:
            self.say(f"# dry run: no command runs and nothing else on this machine changes; {self._dry_run_files()}")
        for step in steps:
            self.say(p.describe(step))
            self._do(step)

    def _dry_run_files(self) -> str:
        if self.write_root is None:
            return "no file is written and nobody is enrolled"
        return f"files go under {self.write_root} instead of {self.layout.root}, and enrolment is real"

    def _do(self, step: p.Step) -> None:
        match step:
            case p.Command():
                self._command(step)
            case p.MakeFolder():
                self._local(step.path, lambda path: path.mkdir(parents=True, exist_ok=True))
            case p.WriteFile():
                self._write(step)
            case p.Enrol():
                self._local(step.config, self.enrol)
            case p.StopAgent():
                if not self.dry_run:
                    self.say(f"  {stop_agent(self.layout, timeout=self.stop_timeout, task_name=self.task_name)}")
            case p.RemoveFolder():
                if not self.dry_run:
                    shutil.rmtree(Path(step.path), ignore_errors=True)

    def _command(self, step: p.Command) -> None:
        if self.dry_run:
            return
        done = subprocess.run(list(step.argv), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise AgentError(f"`{step.display()}` failed ({done.returncode}): {(done.stdout + done.stderr).strip()}")

    def _write(self, step: p.WriteFile) -> None:
        if self.dry_run and self.write_root is None:
            text = step.content.decode("utf-16" if step.content[:2] == b"\xff\xfe" else "utf-8")
            self.say(textwrap.indent(text, "    "))
            return
        self._local(step.path, lambda path: path.write_bytes(step.content))

    def _local(self, target: PurePath, action: Callable[[Path], object]) -> None:
        """Acts on the real path, or in a dry run on its stand-in under write_root (or not at all)."""
        if not self.dry_run:
            action(Path(target))
        elif self.write_root is not None:
            action(self.write_root.joinpath(*target.relative_to(self.layout.root).parts))


def stop_agent(layout: Layout, *, timeout: float, task_name: str = TASK_NAME) -> str:
    """The graceful stop: the stop file, then wait for the supervisor to exit; `schtasks /End` if it does not."""
    running, stop = Path(layout.running_file), Path(layout.stop_file)
    if not running.exists():
        return "the agent is not running"
    request_stop(stop)
    if wait_until_gone(running, timeout):
        return "the agent stopped"
    if sys.platform != "win32":
        return f"the agent did not stop within {timeout:.0f} s"
    subprocess.run(["schtasks", "/End", "/TN", task_name], capture_output=True, check=False)
    stop.unlink(missing_ok=True)
    running.unlink(missing_ok=True)
    return f"the agent did not stop within {timeout:.0f} s: its task was ended"
