"""deploy/agent/install-linux.sh, run for real: as the portal serves it, in a throwaway root (MB_INSTALL_ROOT) with
a systemctl that starts the unit's ExecStart under that root, against the real portal and the simulated fleet.

The service user is the user running the tests (creating a real system user would change this machine); the
script's own user creation is checked with a useradd that records what it was asked. With MB_AGENT_INSTALL_REPORT
set, the end-to-end test writes its figures there for bench/agent_install.py.
"""

from __future__ import annotations

import hashlib
import html
import http.server
import json
import os
import pwd
import re
import shlex
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django_tenants.utils import tenant_context

from agents.models import Agent, Site
from agents.services.keys import license_key_generate
from meters.models import Device, MeterRead
from tests.support.factories import make_site
from tests.support.paths import REPO_ROOT
from tests.support.personas import PASSWORD, client_for
from tests.support.waiting import wait_until

pytestmark = pytest.mark.slow

SCRIPT = REPO_ROOT / "deploy" / "agent" / "install-linux.sh"
UNIT = REPO_ROOT / "deploy" / "agent" / "meterbridge-agent.service"
PYTHON = getattr(sys, "_base_executable", sys.executable)  # a bare interpreter, as on the customer's PC
STATE = "var/lib/meterbridge-agent"
PID_FILE = "run/meterbridge-agent.pid"

FAKE_SYSTEMCTL = """#!{python}
# systemctl for tests: records each call; start/stop run the unit's ExecStart with its paths under MB_INSTALL_ROOT.
import os, signal, subprocess, sys, time
from pathlib import Path

root = Path(os.environ["MB_INSTALL_ROOT"])
args = [a for a in sys.argv[1:] if a not in ("--quiet", "--now")]
with open(root / "systemctl.log", "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
pid_file = root / "{pid_file}"


def under_root(word):
    return str(root) + word if word.startswith(("/opt/", "/var/", "/etc/")) or word == "/var/cache" else word


def running():
    try:
        state = Path(f"/proc/{{pid_file.read_text()}}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError):
        return False
    return state != "Z"


def start(unit):
    env = dict(os.environ)
    for line in (root / "etc/systemd/system" / f"{{unit}}.service").read_text().splitlines():
        if line.startswith("Environment="):
            name, value = line.split("=", 2)[1:]
            env[name] = under_root(value)
        if line.startswith("ExecStart="):
            command = [under_root(word) for word in line.split("=", 1)[1].split()]
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    with open(root / "service.log", "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd="/",
                                   start_new_session=True)
    pid_file.write_text(str(process.pid))


def stop():
    if not running():
        return
    pid = int(pid_file.read_text())
    os.killpg(pid, signal.SIGTERM)
    for _ in range(200):
        if not running():
            return
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)


verb, *rest = args or ["?"]
if verb == "is-active":
    sys.exit(0 if running() else 3)
if verb == "stop" or (verb == "disable" and "--now" in sys.argv):
    stop()
if verb in ("restart", "try-restart"):
    stop()
    start(rest[0])
if verb == "enable" and "--now" in sys.argv and not running():
    start(rest[0])
"""

RECORDING_USERADD = """#!/bin/sh
echo "$@" >> "$MB_INSTALL_ROOT/useradd.log"
exit 1
"""


class Installer:
    """The script in a throwaway root: `run(*args)` runs it as `sh -s -- ARGS` (the script on stdin, as with curl)."""

    def __init__(self, root: Path, bin_dir: Path, service_user: str) -> None:
        self.root = root
        self.env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "MB_"))}
        self.env |= {
            "MB_INSTALL_ROOT": str(root),
            "MB_SERVICE_USER": service_user,
            "PYTHON": PYTHON,
            "SYSTEMCTL": str(bin_dir / "systemctl"),
            "USERADD": str(bin_dir / "useradd"),
        }

    def run(self, *args: str, script: str | None = None) -> subprocess.CompletedProcess[str]:
        text = script if script is not None else SCRIPT.read_text()
        # A new session: no controlling terminal, as under `curl | sudo sh` in a pipeline with nothing to ask on.
        return subprocess.run(
            ["sh", "-s", "--", *args],
            input=text,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,
        )

    def path(self, relative: str) -> Path:
        return self.root / relative

    def systemctl_calls(self) -> list[str]:
        log = self.path("systemctl.log")
        return log.read_text().splitlines() if log.exists() else []

    def service_pid(self) -> int | None:
        pid_file = self.path(PID_FILE)
        return int(pid_file.read_text()) if pid_file.exists() else None

    def stop_service(self) -> None:
        subprocess.run([self.env["SYSTEMCTL"], "stop", "meterbridge-agent"], env=self.env, timeout=60, check=False)


def write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def installer(tmp_path):
    root, bin_dir = tmp_path / "root", tmp_path / "bin"
    root.mkdir()
    bin_dir.mkdir()
    write_executable(bin_dir / "systemctl", FAKE_SYSTEMCTL.format(python=sys.executable, pid_file=PID_FILE))
    write_executable(bin_dir / "useradd", RECORDING_USERADD)
    current_user = pwd.getpwuid(os.getuid()).pw_name
    installer = Installer(root, bin_dir, current_user)
    yield installer
    installer.stop_service()  # the agent this test's install started


def served_script(persona, portal_url: str) -> str:
    """/downloads/install-linux.sh on the dealer's host, signed out: curl on the customer's PC."""
    url = f"{dealer_url(persona, portal_url)}/downloads/install-linux.sh"
    fetched = subprocess.run(["curl", "-fsS", url], capture_output=True, text=True, timeout=60)
    assert fetched.returncode == 0, fetched.stderr
    return fetched.stdout


def dealer_url(persona, portal_url: str) -> str:
    return f"http://{persona.host}:{portal_url.rsplit(':', 1)[1]}"  # curl resolves *.localhost to loopback


def test_served_script_has_this_portals_addresses_filled_in(committed, portal_server):
    script = served_script(committed["acme"], portal_server)

    assert f"PORTAL_URL='{portal_server}'" in script
    assert f"DOWNLOAD_URL='{dealer_url(committed['acme'], portal_server)}'" in script
    assert "@PORTAL_URL@" not in script and "@DOWNLOAD_URL@" not in script


def test_installed_service_enrols_and_its_first_reads_reach_the_portal(
    committed, portal_server, celery_worker, snmpsim_fleet, installer
):
    acme = committed["acme"]
    with tenant_context(acme.dealer):
        site = make_site(
            customer_name="Install Customer", scan_targets=str(snmpsim_fleet.network), snmp_port=snmpsim_fleet.port
        )
        _key, key = license_key_generate(site=site)
    script = served_script(acme, portal_server)

    started = time.monotonic()
    result = installer.run("--key", key, "--name", "Reception PC", script=script)

    assert result.returncode == 0, result.stdout + result.stderr
    assert key not in result.stdout + result.stderr  # the key is never echoed
    assert_installed_as_a_service(installer, key)
    try:
        with tenant_context(acme.dealer):
            agent = wait_until(lambda: Agent.objects.filter(site=site, last_seen_at__isnull=False).first())
            assert agent.name == "Reception PC"
            # The enrolment discovery found the simulated printers and read their meters.
            wait_until(lambda: MeterRead.objects.filter(device__site=site).exists(), timeout=180)
            first_read_s = time.monotonic() - started
            read = Device.objects.filter(site=site, last_read_at__isnull=False)
            assert read.count() >= 3, list(Device.objects.filter(site=site).values("ip", "model", "last_read_at"))
        status = subprocess.run(
            [str(installer.path("usr/local/bin/meterbridge-agent")), "status"],
            capture_output=True,
            text=True,
            timeout=60,
            env=installer.env,
        )
        assert status.returncode == 0, status.stderr
        assert portal_server in status.stdout
        report_figures(installer, first_read_s)
    finally:
        installer.stop_service()
        with tenant_context(acme.dealer):  # the recordings' serials are real ones other tests discover too
            Device.objects.filter(site=site).delete()


def assert_installed_as_a_service(installer: Installer, key: str) -> None:
    config = installer.path(f"{STATE}/agent.toml")
    assert oct(config.stat().st_mode)[-3:] == "600" and oct(installer.path(STATE).stat().st_mode)[-3:] == "700"
    assert "token" in config.read_text() and key not in config.read_text()
    pyz = installer.path("opt/meterbridge-agent/meterbridge-agent.pyz")
    assert pyz.stat().st_uid == os.getuid()  # the service user's, so the agent can replace it
    unit = installer.path("etc/systemd/system/meterbridge-agent.service").read_text()
    assert f"ExecStart={PYTHON} /opt/meterbridge-agent/meterbridge-agent.pyz" in unit
    calls = installer.systemctl_calls()
    assert calls.index("daemon-reload") < calls.index("enable --now meterbridge-agent")
    assert not any(path.name.startswith(".") for path in pyz.parent.iterdir())  # no temporary file left
    assert key not in text_of_files(installer.root)


def text_of_files(root: Path) -> str:
    """Everything the install left on disk that a person could read (the outbox database aside)."""
    files = [path for path in root.rglob("*") if path.is_file() and path.suffix != ".sqlite3"]
    return "".join(path.read_text(errors="ignore") for path in files if path.stat().st_size < 10**6)


def report_figures(installer: Installer, first_read_s: float) -> None:
    """For bench/agent_install.py: the time to the first read, and the service's memory once it idles."""
    path = os.environ.get("MB_AGENT_INSTALL_REPORT")
    if not path:
        return
    time.sleep(10)  # the discovery result is posted; the agent is now waiting for its next poll
    samples = []
    for _ in range(10):
        samples.append(tree_rss_kb(installer.service_pid()))
        time.sleep(1)
    pyz = installer.path("opt/meterbridge-agent/meterbridge-agent.pyz")
    figures = {
        "install_to_first_read_s": round(first_read_s, 1),
        "idle_rss_mb": round(max(samples) / 1024, 1),
        "pyz_mb": round(pyz.stat().st_size / 1024 / 1024, 2),
    }
    Path(path).write_text(json.dumps(figures))


def tree_rss_kb(pid: int | None) -> int:
    """VmRSS of the service's main process and all its descendants (what systemd's cgroup would hold)."""
    assert pid is not None
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        status = Path(f"/proc/{current}/status").read_text()
        total += int(next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), "0"))
    return total


def test_get_license_key_path_registers_a_new_site_and_a_rerun_keeps_the_enrolment(committed, portal_server, installer):
    acme = committed["acme"]
    customer = f"Install Walk-in {uuid.uuid4().hex[:6]}"
    script = served_script(acme, portal_server)
    password = "enrol-" + PASSWORD

    first = installer.run(
        "--dealer",
        acme.dealer.code,
        "--enrollment-password",
        password,
        "--customer",
        customer,
        "--site",
        "Back office",
        "--report-email",
        "it@walkin.example",
        script=script,
    )

    assert first.returncode == 0, first.stdout + first.stderr
    assert password not in first.stdout + first.stderr and password not in text_of_files(installer.root)
    config = installer.path(f"{STATE}/agent.toml")
    enrolled = config.read_text()
    with tenant_context(acme.dealer):
        site = Site.objects.get(customer__name=customer, name="Back office")
        assert site.needs_confirmation
        wait_until(lambda: site.agents.filter(last_seen_at__isnull=False).exists())  # the service runs

    again = installer.run(script=script)

    assert again.returncode == 0, again.stdout + again.stderr
    assert "Keeping the existing enrolment" in again.stdout
    assert config.read_text() == enrolled
    assert "restart meterbridge-agent" in installer.systemctl_calls()  # the upgraded file is what runs now
    with tenant_context(acme.dealer):
        assert site.agents.count() == 1


@pytest.fixture
def download_host(tmp_path):
    """A web server for the downloads alone: a test puts the agent file and a checksum of its choosing there."""
    served = tmp_path / "served"
    (served / "downloads").mkdir(parents=True)
    handler = lambda *args: http.server.SimpleHTTPRequestHandler(*args, directory=str(served))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield served / "downloads", f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def serve_agent(downloads: Path, content: bytes, checksum_of: bytes) -> None:
    (downloads / "meterbridge-agent.pyz").write_bytes(content)
    digest = hashlib.sha256(checksum_of).hexdigest()
    (downloads / "meterbridge-agent.pyz.sha256").write_text(f"{digest}  meterbridge-agent.pyz\n")


def test_a_download_that_does_not_match_its_checksum_installs_nothing(installer, download_host):
    downloads, url = download_host
    serve_agent(downloads, b"a truncated or altered agent", checksum_of=b"the agent the portal built")

    result = installer.run("--key", "mbl_acme_x", "--portal", "http://127.0.0.1:9", "--download", url)

    assert result.returncode != 0
    assert "does not match its checksum" in result.stderr and "Nothing was installed" in result.stderr
    assert sorted(p.name for p in installer.root.iterdir()) == []
    assert installer.systemctl_calls() == []


def test_a_missing_service_user_is_created_as_a_system_user_without_a_login_shell(installer, download_host):
    downloads, url = download_host
    serve_agent(downloads, b"agent", checksum_of=b"agent")
    installer.env["MB_SERVICE_USER"] = f"mb-no-such-{uuid.uuid4().hex[:6]}"

    result = installer.run("--key", "mbl_acme_x", "--portal", "http://127.0.0.1:9", "--download", url)

    assert result.returncode != 0 and "could not create the user" in result.stderr  # the recording useradd fails
    [call] = installer.path("useradd.log").read_text().splitlines()
    assert call.split()[:2] == ["--system", "--user-group"] and re.search(r"--shell \S*(nologin|false)", call)
    assert call.endswith(installer.env["MB_SERVICE_USER"])


def test_unit_the_script_installs_is_the_repositorys_unit():
    embedded = SCRIPT.read_text().split("unit_text() {\n    cat <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
    assert embedded + "\n" == "[Unit]\n" + UNIT.read_text().split("\n[Unit]\n", 1)[1]


def test_script_passes_shellcheck():
    shellcheck = subprocess.run(["sh", "-c", "command -v shellcheck"], capture_output=True, text=True).stdout.strip()
    if not shellcheck:
        pytest.skip("shellcheck is not installed (deploy/bin/apt-ensure shellcheck)")
    result = subprocess.run([shellcheck, "-s", "sh", str(SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


HOSTILE_SITE = """O'Brien "HQ" $(touch pwned) `touch pwned2`; rm -rf ~"""


def test_site_page_command_keeps_a_hostile_site_name_one_argument(acme, tmp_path):
    site = make_site(site_name=HOSTILE_SITE)
    client = client_for(acme, acme.admin)
    client.post(f"/sites/{site.public_id}/keys/", {"label": "reception PC"})
    page = client.get(f"/sites/{site.public_id}/").content.decode()
    command = html.unescape(re.search(r'<pre id="install-linux">(.*?)</pre>', page, re.S).group(1))
    assert command.startswith("curl -fsSL http://") and "/downloads/install-linux.sh | sudo sh -s -- " in command
    assert subprocess.run(["sh", "-n", "-c", command]).returncode == 0

    arguments = command.split(" | sudo sh -s -- ", 1)[1]
    # What `sh -s -- ARGS` receives, as the site PC's shell would expand it.
    parsed = subprocess.run(
        ["sh", "-c", f"set -- {arguments}; printf '%s\\0' \"$@\""],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")[:-1]
    hostname = subprocess.run(["hostname"], capture_output=True, text=True, check=True).stdout.strip()
    assert parsed[0] == "--key" and parsed[2:] == ["--name", f"{hostname} @ {HOSTILE_SITE}"]
    assert list(tmp_path.iterdir()) == []  # nothing in the name ran
    assert shlex.split(arguments)[3].endswith(f" @ {HOSTILE_SITE}")


def test_uninstall_removes_the_agent_and_its_secrets(installer):
    for relative in (
        f"{STATE}/agent.toml",
        "opt/meterbridge-agent/meterbridge-agent.pyz",
        "etc/systemd/system/meterbridge-agent.service",
        "usr/local/bin/meterbridge-agent",
    ):
        installer.path(relative).parent.mkdir(parents=True, exist_ok=True)
        installer.path(relative).write_text("installed")

    result = installer.run("--uninstall")

    assert result.returncode == 0, result.stderr
    assert [p for p in installer.root.rglob("*") if p.is_file() and p.name != "systemctl.log"] == []
    assert "disable --now meterbridge-agent" in installer.systemctl_calls()


def test_no_python_3_11_stops_with_how_to_get_it(installer, tmp_path):
    old_python = write_executable(tmp_path / "python3", "#!/bin/sh\necho 'Python 3.9.2'\nexit 1\n")
    installer.env["PYTHON"] = str(old_python)

    result = installer.run("--key", "mbl_acme_x", "--portal", "http://127.0.0.1:9")

    assert result.returncode != 0
    assert "Python 3.11 or newer is needed" in result.stderr and "apt install python3" in result.stderr
    assert list(installer.root.iterdir()) == []


def test_without_a_key_or_a_terminal_it_says_what_to_add_before_installing_anything(installer):
    result = installer.run("--portal", "http://127.0.0.1:9")

    assert result.returncode != 0
    assert "not enrolled yet: add --key KEY" in result.stderr
    assert list(installer.root.iterdir()) == []
