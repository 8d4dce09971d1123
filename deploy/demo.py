"""`make demo`: migrate, create the demo dealer, start web, worker, beat, a simulated fleet and a real agent.

Every process started here gets a pid file under var/demo/; `deploy/demo.py stop` (make demo-stop) stops
exactly those. Logs go beside them.
"""

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from portal.queues import queues_arg  # noqa: E402 - the repository root is on the path only now

STATE = ROOT / "var" / "demo"
BIN = Path(sys.executable).parent
DEALER = "demo"
ADMIN_EMAIL = "admin@demo.example"
WEB_PORT = int(os.environ.get("PORTAL_PORT", "8000"))
FLEET_PORT = int(os.environ.get("MB_DEMO_SNMP_PORT", "1161"))
FLEET_SIZE = int(os.environ.get("MB_DEMO_FLEET_SIZE", "24"))
FLEET_BASE = os.environ.get("MB_DEMO_FLEET_BASE", "127.0.1.0")
PORTAL_CLI = "deploy.demo.portal_cli"


def demo_env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "PORTAL_CENTRAL_URL": f"http://127.0.0.1:{WEB_PORT}",
        "PORTAL_PORT": str(WEB_PORT),
        # The demo should fill up within a minute, not at production's five-minute polls.
        "AGENT_POLL_INTERVAL_SECONDS": os.environ.get("AGENT_POLL_INTERVAL_SECONDS", "15"),
        "PYTHONUNBUFFERED": "1",
    }


def manage(*args: str, capture: bool = False) -> str:
    return _run([sys.executable, "manage.py", *args], capture)


def demo_step(*args: str, capture: bool = False) -> str:
    """The demo's own steps inside the portal (deploy/demo/portal_cli.py): demo-only, so not manage.py commands."""
    return _run([sys.executable, "-m", PORTAL_CLI, *args], capture)


def _run(command: list[str], capture: bool) -> str:
    result = subprocess.run(command, cwd=ROOT, env=demo_env(), check=True, capture_output=capture, text=True)
    return result.stdout if capture else ""


def start(name: str, command: list[str], env: dict[str, str] | None = None) -> None:
    pid_file = STATE / f"{name}.pid"
    if pid_file.exists() and _alive(int(pid_file.read_text())):
        print(f"  {name}: already running (pid {pid_file.read_text().strip()})")
        return
    log = (STATE / f"{name}.log").open("ab")
    process = subprocess.Popen(
        command, cwd=ROOT, env=env or demo_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    pid_file.write_text(str(process.pid))
    print(f"  {name}: started (pid {process.pid}, log var/demo/{name}.log)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop_all() -> None:
    for pid_file in sorted(STATE.glob("*.pid")):
        pid = int(pid_file.read_text() or 0)
        if pid and _alive(pid):
            _signal(pid, signal.SIGTERM)
            _wait_gone(pid)
            print(f"stopped {pid_file.stem} (pid {pid})")
        pid_file.unlink()


def _signal(pid: int, sig: int) -> None:
    """The whole process group where we started one (web, worker, beat, agent), else the process (fleet)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig) if os.getpgid(pid) == pid else os.kill(pid, sig)


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        _signal(pid, signal.SIGKILL)


def admin_password() -> str:
    path = STATE / "admin-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def prepare_database() -> None:
    print("Migrating the database…")
    manage("migrate_schemas", "--shared", "-v", "0")
    manage("migrate_schemas", "-v", "0")
    manage("sync_schedules")
    manage("collectstatic", "--noinput", "-v", "0")
    try:
        manage(
            "create_dealer",
            DEALER,
            "--name",
            "Demo Copiers",
            "--admin-email",
            ADMIN_EMAIL,
            "--password",
            admin_password(),
            "--enrollment-password",
            "demo-enrol",
            capture=True,
        )
        print("Created the demo dealer.")
    except subprocess.CalledProcessError as exc:
        if "already exists" not in (exc.stderr or ""):
            raise


def start_portal() -> None:
    print("Starting the portal…")
    # The production config (threaded workers: agents long-poll, so "Scan now" answers in seconds), smaller.
    start(
        "web",
        [
            str(BIN / "gunicorn"),
            "--config",
            "deploy/portal/gunicorn.conf.py",
            "portal.wsgi",
            "-b",
            f"127.0.0.1:{WEB_PORT}",
            "-w",
            "2",
        ],
    )
    # One worker for every queue (portal/queues.py); production runs one unit per queue (meterbridge-worker@).
    everything = queues_arg(os.environ.get("MB_CELERY_QUEUE", "meterbridge"))
    start(
        "worker",
        [str(BIN / "celery"), "-A", "portal", "worker", "-Q", everything, "--loglevel", "INFO", "--concurrency", "2"],
    )
    start("beat", [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel", "INFO"])
    subprocess.run(
        [str(ROOT / "deploy/bin/wait-for"), "--timeout", "60", f"127.0.0.1:{WEB_PORT}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_fleet() -> None:
    """Simulated printers, one per loopback address, from recordings our own generator writes."""
    fleet_dir = STATE / "fleet"
    fleet = [sys.executable, str(ROOT / "deploy/demo/fleet.py")]
    if not (fleet_dir / "fleet.json").exists():
        subprocess.run(
            [*fleet, "generate", "--out", str(fleet_dir), "--count", str(FLEET_SIZE), "--base-address", FLEET_BASE],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    pid_file = STATE / "fleet.pid"
    if pid_file.exists() and _alive(int(pid_file.read_text() or 0)):
        print("  fleet: already running")
        return
    subprocess.run(
        [
            *fleet,
            "serve",
            "--data",
            str(fleet_dir),
            "--port",
            str(FLEET_PORT),
            "--count",
            str(FLEET_SIZE),
            "--pid-file",
            str(pid_file),
            "--log-file",
            str(STATE / "fleet.log"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  fleet: {FLEET_SIZE} simulated printers from {FLEET_BASE} on UDP port {FLEET_PORT}")


def start_agent() -> None:
    """A real agent, enrolled with a fresh key for the demo site the first time."""
    config = STATE / "agent.toml"
    agent = [str(BIN / "meterbridge-agent"), "--config", str(config)]
    agent_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    if not config.exists():
        network = f"{FLEET_BASE.rsplit('.', 1)[0]}.0/{32 - (FLEET_SIZE + 2).bit_length()}"
        key = demo_step("site", "--targets", network, "--port", str(FLEET_PORT), capture=True).strip()
        subprocess.run(
            [*agent, "enroll", "--portal", f"http://127.0.0.1:{WEB_PORT}", "--key", "-"],
            input=key,
            text=True,
            check=True,
            env=agent_env,
            stdout=subprocess.DEVNULL,
        )
    start("agent", [*agent, "run"], env=agent_env)
    # Real dealers read a few times a day; the demo reads every two minutes so its charts move while watched.
    start("reads", [sys.executable, "-m", PORTAL_CLI, "reads", "--every", "120"])


def print_sign_in() -> None:
    print()
    print("Meterbridge demo is running.")
    print(f"  Sign in:   http://{DEALER}.localhost:{WEB_PORT}/   as {ADMIN_EMAIL} / {admin_password()}")
    print(f"  Operators: http://localhost:{WEB_PORT}/admin/  (python manage.py createsuperuser)")
    print(f"  Agent API: http://127.0.0.1:{WEB_PORT}/agent/v1/  (docs at /api/docs/)")
    print(f"  Fleet:     {FLEET_SIZE} simulated printers; an agent reads them (devices appear within a minute)")
    print("  Emails:    var/mail/   Logs: var/demo/")
    print("  Stop:      make demo-stop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["start", "stop"])
    args = parser.parse_args()
    STATE.mkdir(parents=True, exist_ok=True)
    if args.action == "stop":
        stop_all()
        return
    prepare_database()
    start_portal()
    print("Starting the simulated fleet and the agent…")
    start_fleet()
    start_agent()
    print_sign_in()


if __name__ == "__main__":
    main()
