"""`meterbridge-agent windows install|uninstall|stop|status|supervise`: the agent as a scheduled task running as
SYSTEM (why not a pywin32 service: agent_client/windows/__init__.py). `install --dry-run` prints the plan and
runs on any OS; the other actions act on this machine."""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from agent_client.errors import AgentError, ConfigError
from agent_client.windows import plan
from agent_client.windows.execute import Executor, stop_agent
from agent_client.windows.layout import TASK_NAME, Layout, local_layout, program_data
from agent_client.windows.supervisor import agent_command, supervise

PYTHON_FOR_DRY_RUN = r"C:\Program Files\Python312\python.exe"  # winget's --scope machine install of 3.12


def add_windows_parser(sub: Any) -> None:
    from agent_client.cli import add_enroll_arguments

    windows = sub.add_parser("windows", help="run the agent at boot on Windows (a scheduled task as SYSTEM)")
    actions = windows.add_subparsers(required=True, metavar="ACTION")
    install = actions.add_parser("install", help="folder and ACLs under ProgramData, enrolment, the task, start")
    add_enroll_arguments(install, portal_required=False)
    _dry_run_arguments(install)
    install.add_argument("--program-data", help=r"%%ProgramData%% (default: this machine's, or C:\ProgramData)")
    install.add_argument("--python", help="python.exe the task runs (default: this one)")
    install.add_argument("--no-start", action="store_true", help="register the task but do not start it now")
    install.set_defaults(func=cmd_install)
    uninstall = actions.add_parser("uninstall", help="stop the agent and remove its task")
    _dry_run_arguments(uninstall)
    uninstall.add_argument("--program-data", help=r"%%ProgramData%% of the machine")
    uninstall.add_argument("--purge", action="store_true", help="also delete the folder: config, token, outbox, logs")
    uninstall.set_defaults(func=cmd_uninstall)
    stop = actions.add_parser("stop", help="stop the agent cleanly (the stop file), waiting for it")
    _root_argument(stop)
    stop.add_argument("--timeout", type=float, default=60.0, help="seconds before the task is ended outright")
    stop.set_defaults(func=cmd_stop)
    status = actions.add_parser("status", help="the task, the supervisor, and the agent's own status")
    _root_argument(status)
    status.set_defaults(func=cmd_status)
    supervise_ = actions.add_parser("supervise", help="what the task runs: `run`, restarted when it exits")
    _root_argument(supervise_)
    supervise_.set_defaults(func=cmd_supervise)


def _root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, help=r"the agent's folder (default: %%ProgramData%%\Meterbridge)")
    parser.add_argument("--task-name", default=TASK_NAME, help=argparse.SUPPRESS)


def _dry_run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print every command and file; run and change nothing")
    parser.add_argument(
        "--root",
        type=Path,
        help="with --dry-run: write the files (config, task XML) under this "
        "folder instead, standing in for the agent's folder",
    )
    parser.add_argument("--task-name", default=TASK_NAME, help=argparse.SUPPRESS)


def cmd_install(args: argparse.Namespace) -> int:
    layout = _planned_layout(args)
    enrol = _wants_enrolment(args, _local_config(args, layout))
    if enrol and not args.portal:
        raise ConfigError("--portal is needed to enrol (the portal's address, as the site page shows it)")
    options = plan.InstallOptions(
        python=args.python or _default_python(),
        portal=args.portal or "",
        enrol=enrol,
        start=not args.no_start,
        task_name=args.task_name,
    )
    _executor(args, layout).run(plan.install_plan(layout, options))
    if not args.dry_run:
        print(f"installed: the task '{args.task_name}' starts the agent at boot; logs in {layout.log_file}")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    layout = _planned_layout(args)
    _executor(args, layout).run(plan.uninstall_plan(layout, purge=args.purge, task_name=args.task_name))
    print("the agent stays listed in the portal: revoke it on the agents page")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    print(stop_agent(local_layout(args.root), timeout=args.timeout, task_name=args.task_name))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from agent_client import cli

    layout = local_layout(args.root)
    print(f"folder          {layout.root}")
    print(f"task            {_task_state(args.task_name)}")
    running = Path(layout.running_file)
    print(f"supervisor      {'running, pid ' + running.read_text().strip() if running.exists() else 'not running'}")
    if not Path(layout.config).exists():
        print("config          none: run `windows install` with --key")
        return 0
    return cli.cmd_status(argparse.Namespace(config=Path(layout.config)))


def cmd_supervise(args: argparse.Namespace) -> int:
    layout = local_layout(args.root)
    return supervise(layout, agent_command(layout))


def _planned_layout(args: argparse.Namespace) -> Layout:
    if not args.dry_run and sys.platform != "win32":
        raise AgentError("this changes a Windows machine; here, add --dry-run to see what it would do")
    if args.root is not None and not args.dry_run:
        raise AgentError("--root goes with --dry-run: a real install uses %ProgramData%\\Meterbridge")
    return Layout.under(args.program_data or program_data())


def _executor(args: argparse.Namespace, layout: Layout) -> Executor:
    enrol = functools.partial(_enrol, args)
    return Executor(layout, dry_run=args.dry_run, write_root=args.root, enrol=enrol, task_name=args.task_name)


def _local_config(args: argparse.Namespace, layout: Layout) -> Path | None:
    """Where this run would find an earlier enrolment: the real config, or its stand-in under --root."""
    if not args.dry_run:
        return Path(layout.config)
    return args.root / Path(layout.config).name if args.root else None


def _wants_enrolment(args: argparse.Namespace, config: Path | None) -> bool:
    """A key (or the dealer's id) always enrols; without one, an existing enrolment is kept (a reinstall)."""
    if args.key or args.dealer or os.environ.get("MB_LICENSE_KEY"):
        return True
    return config is None or not config.exists()


def _enrol(args: argparse.Namespace, config: Path) -> None:
    from agent_client import cli

    password = args.enrollment_password or os.environ.get("MB_ENROLLMENT_PASSWORD")  # the .ps1 passes it so
    cli.cmd_enroll(argparse.Namespace(**{**vars(args), "config": config, "enrollment_password": password}))


def _default_python() -> str:
    return sys.executable if sys.platform == "win32" else PYTHON_FOR_DRY_RUN


def _task_state(task_name: str) -> str:
    if sys.platform != "win32":
        return "(Task Scheduler exists only on Windows)"
    done = subprocess.run(
        ["schtasks", "/Query", "/TN", task_name, "/FO", "LIST"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        return f"'{task_name}' is not registered"
    return " ".join(line.strip() for line in done.stdout.splitlines() if line.strip())  # Windows' own words
