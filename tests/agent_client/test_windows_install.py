"""The Windows install, checked on Linux: there is no Windows machine and no pwsh here. What runs for real: the dry
run's plan (commands in order, quoting, the ACLs, the task XML parsed), enrolment against the real portal into a
stand-in ProgramData folder, and the stop-file seam with a real supervisor and agent process. The PowerShell script
is checked as text (tests/agents/test_windows_install_page.py serves it)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from agent_client import config
from agent_client.windows.supervisor import MAX_DELAY, RESTART_NOW, restart_delay
from tests.agent_client.fake_portal import LICENSE_KEY, FakePortal
from tests.support.paths import REPO_ROOT
from tests.support.waiting import wait_until

AGENT = [sys.executable, "-m", "agent_client"]  # the installed command's code, on Linux and the Windows runner alike
TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"
SCRIPT = REPO_ROOT / "deploy" / "agent" / "install-windows.ps1"
KEY = "mbl_acme_abcdefgh_" + "b" * 32
PYTHON = r"C:\Program Files\Python312\python.exe"


def agent(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The agent as a technician runs it, in its own process; no Django settings reach it."""
    done = subprocess.run(
        [*AGENT, *args], env={**agent_env(), **(env or {})}, capture_output=True, text=True, timeout=120
    )
    if check:
        assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


def install(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return agent("windows", "install", "--dry-run", *args, env=env)


def agent_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "MB_TEST", "MB_LICENSE", "MB_ENROL"))}


def planned(output: str, verb: str) -> list[str]:
    """The `<verb>: <detail>  # why` lines of a dry run, detail only."""
    return [line.split(": ", 1)[1].split("  # ")[0] for line in output.splitlines() if line.startswith(f"{verb}: ")]


def test_dry_run_prints_every_step_in_order_quoting_paths_with_spaces():
    where = ["--program-data", r"D:\Program Data", "--python", PYTHON]
    out = install("--portal", "https://portal.example.com", "--key", KEY, *where).stdout
    steps = [line.split(":", 1)[0] for line in out.splitlines() if re.match(r"^[a-z]+: ", line)]
    assert steps == ["stop", "mkdir", "mkdir", "run", "run", "run", "enrol", "write", "run", "run"]
    root = r'"D:\Program Data\Meterbridge"'
    assert planned(out, "run") == [
        f"icacls {root} /reset /T /Q",
        f"icacls {root} /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F /grant:r *S-1-5-32-544:(OI)(CI)F /Q",
        f"icacls {root} /setowner *S-1-5-32-544 /T /Q",
        r'schtasks /Create /TN "Meterbridge Agent" /XML "D:\Program Data\Meterbridge\task.xml" /F',
        'schtasks /Run /TN "Meterbridge Agent"',
    ]
    assert planned(out, "enrol") == [r"https://portal.example.com -> D:\Program Data\Meterbridge\agent.toml"]
    assert KEY not in out


def test_the_folder_is_open_to_system_and_administrators_only():
    out = install("--portal", "https://portal.example.com", "--key", KEY).stdout
    [protect] = [cmd for cmd in planned(out, "run") if "/grant" in cmd]
    assert "/inheritance:r" in protect.split()  # nothing inherited from ProgramData, where Users may read
    grants = re.findall(r"/grant(?::r)? (\S+)", protect)
    assert sorted(grants) == ["*S-1-5-18:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F"]  # SYSTEM, Administrators
    assert not re.search(r"/grant(?!:r)|/deny|S-1-5-32-545|S-1-1-0", out)  # nothing for Users or Everyone


def test_uninstall_stops_the_agent_then_removes_its_task_and_with_purge_its_folder():
    out = agent("windows", "uninstall", "--dry-run", "--purge").stdout
    steps = [line.split("  # ")[0] for line in out.splitlines() if re.match(r"^[a-z]+: ", line)]
    assert steps == [
        "stop: the running agent, if any",
        'run: schtasks /Delete /TN "Meterbridge Agent" /F',
        r"remove: C:\ProgramData\Meterbridge",
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="there it would install for real")
def test_off_windows_only_the_dry_run_is_allowed():
    done = agent("windows", "install", "--portal", "https://p.example", "--key", KEY, check=False)
    assert done.returncode == 2 and "--dry-run" in done.stderr


def test_reinstall_without_a_key_keeps_the_enrolment(tmp_path):
    root = tmp_path / "Meterbridge"
    config.save(root / "agent.toml", config.AgentConfig(portal_url="https://p.example", token="mbt_kept"))
    out = install("--root", str(root), "--python", PYTHON).stdout
    assert planned(out, "enrol") == [] and "schtasks /Create" in out
    assert config.load(root / "agent.toml").token == "mbt_kept"
    check_task_xml((root / "task.xml").read_bytes())


class TestAgainstTheLivePortal:
    """The real portal (PostgreSQL, Redis, gunicorn): Linux only. The Windows workflow deselects this class."""

    def test_dry_run_enrols_into_a_stand_in_program_data(self, committed, portal_server, tmp_path):
        from agents.models import Agent

        key_text = self.new_key(committed, site_name="Front office")
        root, home = tmp_path / "ProgramData" / "Meterbridge", tmp_path / "home"
        env = {"MB_LICENSE_KEY": key_text, "HOME": str(home)}  # how install-windows.ps1 hands the key over
        where = ["--root", str(root), "--python", PYTHON]
        out = install(*where, "--portal", portal_server, "--name", "Reception PC", env=env).stdout

        cfg = config.load(root / "agent.toml")
        assert cfg.token and cfg.portal_url == portal_server and cfg.site == "Front office"
        assert key_text not in (root / "agent.toml").read_text() and key_text not in out
        with tenant_context(committed["acme"].dealer):
            assert Agent.objects.get(public_id=cfg.agent_id).name == "Reception PC"
        assert (root / "logs").is_dir() and not home.exists()  # nothing written outside the stand-in root
        check_task_xml((root / "task.xml").read_bytes())

    def test_get_license_key_path_enrols_with_the_dealer_id(self, committed, portal_server, tmp_path):
        """As install-windows.ps1 -Dealer does: the enrolment password comes in MB_ENROLLMENT_PASSWORD."""
        from agents.models import Site
        from tests.support.personas import PASSWORD

        root, customer = tmp_path / "Meterbridge", f"Windows Walk-in {tmp_path.name}"
        dealer = ["--dealer", "acme", "--customer", customer, "--site", "Back office"]
        install(
            "--root", str(root), "--portal", portal_server, *dealer, env={"MB_ENROLLMENT_PASSWORD": "enrol-" + PASSWORD}
        )
        assert config.load(root / "agent.toml").token
        with tenant_context(committed["acme"].dealer):
            assert Site.objects.filter(customer__name=customer, name="Back office").exists()

    def test_the_stop_file_stops_the_supervised_agent_cleanly(self, committed, portal_server, tmp_path):
        key_text = self.new_key(committed, scan_targets="127.0.0.1/32", scan_broadcast=False)
        root = tmp_path / "Meterbridge"
        install("--root", str(root), "--portal", portal_server, "--key", key_text)
        supervise_then_stop(root)
        status = agent("--config", str(root / "agent.toml"), "status").stdout
        assert re.search(r"last contact\s+\d{4}-", status) and re.search(r"outbox depth\s+0", status)

    @staticmethod
    def new_key(committed, **site_fields) -> str:
        from agents.services.keys import license_key_generate
        from tests.support.factories import make_site

        with tenant_context(committed["acme"].dealer):
            return license_key_generate(site=make_site(customer_name="Windows Customer", **site_fields))[1]


def test_the_stop_file_stops_a_supervised_agent(tmp_path):
    """The same seam against the stand-in portal: this one runs on the Windows runner too."""
    portal = FakePortal().start()
    try:
        root = tmp_path / "Meterbridge"
        agent("--config", str(root / "agent.toml"), "enroll", "--portal", portal.url, "--key", LICENSE_KEY)
        supervise_then_stop(root)
        assert portal.calls("/heartbeat")
    finally:
        portal.stop()


def supervise_then_stop(root: Path) -> None:
    """What the scheduled task runs, then `windows stop`: `run` sees the stop file and ends as on SIGTERM."""
    supervisor = subprocess.Popen([*AGENT, "windows", "supervise", "--root", str(root)], env=agent_env())
    try:
        wait_for_contact(root)
        stopped = agent("windows", "stop", "--root", str(root), "--timeout", "60")
        assert stopped.stdout.strip() == "the agent stopped"
        assert supervisor.wait(timeout=30) == 0
    finally:
        supervisor.kill()
    log = (root / "logs" / "agent.log").read_text()
    assert "stop requested" in log and "Traceback" not in log  # `run` saw the file: it was not killed
    assert not (root / "stop").exists() and not (root / "running").exists()  # the next boot starts normally
    with sqlite3.connect(root / "outbox.sqlite3") as db:  # the outbox survived the stop whole
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def wait_for_contact(root: Path) -> None:
    def contacted() -> bool:
        done = agent("--config", str(root / "agent.toml"), "status", check=False)
        return bool(re.search(r"last contact\s+\d{4}-", done.stdout))

    try:
        wait_until(contacted, timeout=60)
    except AssertionError as exc:
        log = root / "logs" / "agent.log"
        raise AssertionError(log.read_text() if log.exists() else "no agent log") from exc


def check_task_xml(data: bytes) -> None:
    task = ET.fromstring(data)  # noqa: S314 (our own file) UTF-16 with a BOM, as schtasks reads it
    assert task.tag == f"{TASK}Task"

    assert task.find(f"{TASK}Triggers/{TASK}BootTrigger") is not None
    principal = task.find(f"{TASK}Principals/{TASK}Principal")
    assert principal is not None and principal.findtext(f"{TASK}UserId") == "S-1-5-18"  # SYSTEM, by SID
    assert principal.findtext(f"{TASK}RunLevel") == "HighestAvailable"
    settings = task.find(f"{TASK}Settings")
    assert settings is not None
    expected = {
        "ExecutionTimeLimit": "PT0S",
        "MultipleInstancesPolicy": "IgnoreNew",
        "StartWhenAvailable": "true",
        "DisallowStartIfOnBatteries": "false",
        "StopIfGoingOnBatteries": "false",
    }
    assert {name: settings.findtext(TASK + name) for name in expected} == expected
    restart = settings.find(f"{TASK}RestartOnFailure")
    assert restart is not None and restart.findtext(f"{TASK}Interval") == "PT1M"  # the schema's minimum
    assert 1 <= int(restart.findtext(f"{TASK}Count") or 0) <= 255  # the schema's unsignedByte
    action = task.find(f"{TASK}Actions/{TASK}Exec")
    assert action is not None
    assert action.findtext(f"{TASK}Command") == PYTHON
    assert action.findtext(f"{TASK}Arguments") == (
        r"C:\ProgramData\Meterbridge\meterbridge-agent.pyz windows supervise --root C:\ProgramData\Meterbridge"
    )


def test_task_arguments_quote_a_program_data_with_spaces():
    out = install("--portal", "https://p.example", "--key", KEY, "--program-data", r"E:\Shared Data").stdout
    assert (
        r'<Arguments>"E:\Shared Data\Meterbridge\meterbridge-agent.pyz" windows supervise '
        r'--root "E:\Shared Data\Meterbridge"</Arguments>'
    ) in out


@pytest.mark.parametrize("failures", [0, 3, 20, 5000])  # 5000: weeks of a failing agent
def test_a_self_update_restarts_at_once_and_a_crash_after_a_growing_delay(failures):
    assert restart_delay(RESTART_NOW, failures) == 0
    assert 0 < restart_delay(1, 0) < restart_delay(1, 3) <= restart_delay(1, failures + 20) == MAX_DELAY


# --- install-windows.ps1, as text: no pwsh on Debian, so it is read, not run (the CI workflow runs it) ----------

STATE_CHANGING = re.compile(
    r"(?:^|[{;|(&])\s*(Copy-Item|Move-Item|New-Item|Remove-Item|Set-Content|Out-File|Set-Acl|Start-Process|"
    r"Register-ScheduledTask|winget|schtasks|icacls|Invoke-Agent\s+\$InstalledAgent)\b",
    re.IGNORECASE,
)
STRINGS = re.compile(r"'[^']*'|\"[^\"]*\"")
# The script's own scratch folder (the download, checked before anything is installed) and its own environment
# variables are not the machine: they are made and removed in a dry run too.
NOT_THE_MACHINE = re.compile(r"\$scratch|Env:\\MB_")


def routed_lines(text: str) -> set[int]:
    """Line numbers inside an `Invoke-Step ... { ... } [-DryRunAction { ... }]` call (braces matched)."""
    inside: set[int] = set()
    for match in re.finditer(r"^\s*Invoke-Step\b", text, re.MULTILINE):
        end = matching_brace(text, text.index("{", match.end()))
        dry_run_action = re.match(r"\s*-DryRunAction\s*(\{)", text[end + 1 :])
        if dry_run_action:
            end = matching_brace(text, end + 1 + dry_run_action.start(1))
        inside.update(range(text.count("\n", 0, match.start()), text.count("\n", 0, end) + 1))
    return inside


def matching_brace(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    raise AssertionError("unbalanced braces")


def test_every_state_changing_command_in_the_script_goes_through_invoke_step():
    text = SCRIPT.read_text(encoding="ascii")  # ASCII: Windows PowerShell 5.1 reads a BOM-less file as ANSI
    routed = routed_lines(text)
    changing = [
        number
        for number, line in enumerate(text.splitlines())
        if STATE_CHANGING.search(STRINGS.sub("''", line.split("#")[0])) and not NOT_THE_MACHINE.search(line)
    ]
    assert len(changing) >= 4  # the stop, the folder, the copy, winget, the agent's install
    assert [n for n in changing if n not in routed] == []
    invoke_step = text[text.index("function Invoke-Step") :]
    definition = invoke_step[: matching_brace(invoke_step, invoke_step.index("{")) + 1]
    assert re.search(r"if \(-not \$DryRun\) \{\s*Write-Host .*\s*& \$Action\s*\}", definition)


def test_the_script_keeps_the_key_out_of_command_lines_and_output():
    text = SCRIPT.read_text(encoding="ascii")
    code = "\n".join(line.split("#")[0] for line in text[text.index("#>") :].splitlines())
    assert "--key" not in code and "--enrollment-password" not in code  # they go in environment variables
    assert "$env:MB_LICENSE_KEY = $Key" in text and "Remove-Item Env:\\MB_LICENSE_KEY" in text
    for line in text.splitlines():
        if re.search(r"Write-(Host|Output|Verbose|Warning)|Start-Transcript", line):
            assert not re.search(r"\$Key\b|\$password|EnrollmentPassword", line), line
