"""Scan-now benchmark (issue 14, "Benchmark"): writes bench/results/scan_now.json.

    .venv/bin/python bench/scan_now.py        (DATABASE_URL: any database on the server; a throw-away one is made)

The time from a dealer's `POST /api/v1/sites/<id>/scan/` to the devices and their meters in the dealer API
(`GET /api/v1/devices/?site=<id>`: every simulated printer listed with its total), with everything real: the
portal under gunicorn with its production config (deploy/portal/gunicorn.conf.py), a Celery worker, the agent
(`meterbridge-agent run`) on its production settings (poll interval 300 s, long polls on), and a simulated segment
(snmpsim serving RECORDINGS on loopback addresses). Each run starts from a site without devices, its agent idle
between heartbeats. Target: 30 s (Printerpoint: 10-15 minutes).

Then long polls off (the portal holds no poll): measured at a 30 s poll interval (300 s would take minutes a
run), and the figures for 300 s computed from it, labelled as such: the agent hears of the scan at its next
poll, at a uniformly random point of its interval (+-10 % jitter).
"""

from __future__ import annotations

import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from portal.queues import queues_arg  # noqa: E402

RESULT = ROOT / "bench" / "results" / "scan_now.json"
BIN = Path(sys.executable).parent
DB_NAME = f"bench_scan_now_{os.getpid()}"
# Printers whose recordings count pages, so "its meters in the API" is a total on each.
RECORDINGS = [
    "konica_c250i",
    "brother_hl5370dw",
    "jetdirect_m130nw",
    "printmaster_kyocera_p2040dw",
    "printmaster_epson_cw-c6500au",
]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
PLAIN_RUNS = int(os.environ.get("BENCH_PLAIN_RUNS", "3"))
PRODUCTION_POLL = 300
SHORT_POLL = 30
TARGET_S = 30.0
GIVE_UP_S = 120.0


def admin_url() -> str:
    import dj_database_url

    parsed = dj_database_url.parse(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return f"postgres://{parsed['USER']}@{parsed['HOST']}:{parsed['PORT']}"


def setup_django() -> dict[str, str]:
    """A throw-away database, migrated; returns the environment the portal's processes run with."""
    import psycopg

    with psycopg.connect(f"{admin_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    env = {
        "DATABASE_URL": f"{admin_url()}/{DB_NAME}",
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DJANGO_DEBUG": "false",
        "MB_CELERY_QUEUE": f"bench-{os.getpid()}",
        "MB_VAR_DIR": tempfile.mkdtemp(),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", "--shared", verbosity=0)
    return {**os.environ, **env}


def drop_database() -> None:
    import psycopg
    import redis
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{admin_url()}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*queues_arg(settings.CELERY_QUEUE_PREFIX).split(","))


class Stack:
    """The portal's processes and the agent, each with its log in `logs`."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        from tests.support.live import free_tcp_port

        self.env, self.logs, self.port = env, logs, free_tcp_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("ab") as out:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def web(self, **settings: str) -> None:
        from tests.support.live import wait_for_port

        env = {**self.env, "PORTAL_CENTRAL_URL": self.url, "WEB_BIND": f"127.0.0.1:{self.port}", **settings}
        web = self.start(
            "web", [str(BIN / "gunicorn"), "--config", "deploy/portal/gunicorn.conf.py", "portal.wsgi"], env
        )
        wait_for_port(self.port, web, self.logs / "web.log")

    def worker(self) -> None:
        command = [str(BIN / "celery"), "-A", "portal", "worker", "-Q", queues_arg(self.env["MB_CELERY_QUEUE"])]
        command += ["--pool", "solo", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.start("worker", command, self.env)

    def agent(self, config: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "MB_", "DATABASE"))}
        self.start("agent", [str(BIN / "meterbridge-agent"), "--config", str(config), "run"], env)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


class DealerApi:
    """The dealer API as an ERP calls it: the dealer's host, a personal token."""

    def __init__(self, url: str, host: str, token: str) -> None:
        self.url, self.host, self.token = url, host, token

    def call(self, method: str, path: str) -> tuple[int, Any]:
        headers = {"Host": self.host, "Authorization": f"Token {self.token}", "Accept": "application/json"}
        request = urllib.request.Request(f"{self.url}/api/v1{path}", method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - the bench's own server
            return answer.status, json.loads(answer.read() or b"null")


def prepare(fleet) -> tuple[Any, Any, str, str]:
    """The dealer, a site whose target is the simulated /24 (its printers answer, every other address is silent
    and costs the sweep its timeouts, as on a real segment), a license key and an API token."""
    from django_tenants.utils import tenant_context

    from agents.services.keys import license_key_generate
    from portal.accounts.models import User
    from portal.accounts.services import api_token_create
    from portal.dealers.services import dealer_create
    from tests.support.factories import make_site

    dealer = dealer_create(code="bench", name="Bench", admin_email="a@bench.example", admin_password="bench password 1")
    with tenant_context(dealer):
        site = make_site(customer_name="Bench", scan_targets=str(fleet.network), snmp_port=fleet.port)
        _key, key_text = license_key_generate(site=site)
        _token, token_text = api_token_create(user=User.objects.get(email="a@bench.example"), name="bench")
    return dealer, site, key_text, token_text


def enroll(stack: Stack, key: str, workdir: Path) -> Path:
    config = workdir / "agent.toml"
    command = [str(BIN / "meterbridge-agent"), "--config", str(config), "enroll", "--portal", stack.url, "--key", key]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return config


def wait_until(check, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    return None


def forget(dealer, site) -> None:
    """The site as before its first scan: no devices, no directives (an agent with nothing to do)."""
    from django_tenants.utils import tenant_context

    from meters.models import Device

    with tenant_context(dealer):
        Device.objects.filter(site=site).delete()
        site.directives.all().delete()


def listening(dealer, site, since) -> bool:
    """The agent has polled since it started, and has nothing to do: idle between heartbeats."""
    from django_tenants.utils import tenant_context

    with tenant_context(dealer):
        agent = site.agents.first()
        polled = bool(agent and agent.last_seen_at and agent.last_seen_at > since)
        return polled and not site.directives.exclude(status="done").exists()


def one_scan(api: DealerApi, dealer, site, since, phase: float) -> dict[str, Any]:
    """POST …/scan/, then the dealer API until every printer is listed with its meters. `phase`: the longest
    random pause first, so that the scan lands at a random point of the agent's wait or sleep."""
    forget(dealer, site)
    assert wait_until(lambda: listening(dealer, site, since), timeout=60), "the agent never polled"
    time.sleep(1.0 + random.uniform(0, phase))
    started = time.monotonic()
    status, directive = api.call("POST", f"/sites/{site.public_id}/scan/")
    assert status == 202, directive

    def complete():
        _status, page = api.call("GET", f"/devices/?site={site.public_id}&limit=100")
        with_meters = [d for d in page["results"] if d.get("latest_total") is not None]
        return page["results"] if len(with_meters) >= len(RECORDINGS) else None

    devices = wait_until(complete, timeout=GIVE_UP_S, interval=0.2)
    seconds = time.monotonic() - started
    return {"seconds": round(seconds, 2), "complete": devices is not None, **stages(dealer, directive["id"])}


def stages(dealer, directive_id: str) -> dict[str, Any]:
    """Where the time went, from the portal's own timestamps (one clock: the database host's)."""
    from django_tenants.utils import tenant_context

    from agents.models import Directive, DirectiveResult

    with tenant_context(dealer):
        directive = Directive.objects.get(public_id=directive_id)
        result = DirectiveResult.objects.filter(directive=directive).first()
        reads_queued = Directive.objects.filter(site=directive.site, kind="read").count()
    created = directive.created_at

    def since(moment) -> float | None:
        return round((moment - created).total_seconds(), 2) if moment else None

    return {
        "leased_after_s": since(directive.leased_at),
        "result_received_after_s": since(result and result.received_at),
        "interpreted_after_s": since(result and result.interpreted_at),
        "reads_queued_after": reads_queued,
    }


def scenario(
    stack: Stack, api: DealerApi, dealer, site, config: Path, runs: int, phase: float, **web_settings: str
) -> list[dict]:
    from django.utils import timezone

    stack.web(**web_settings)
    forget(dealer, site)
    since = timezone.now()
    stack.agent(config)
    try:
        return [one_scan(api, dealer, site, since, phase) for _ in range(runs)]
    finally:
        stack.stop("agent")
        stack.stop("web")


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = [run["seconds"] for run in runs if run["complete"]]
    median = round(statistics.median(seconds), 2) if seconds else None
    return {
        "runs": runs,
        "median_s": median,
        "max_s": max(seconds) if seconds else None,
        "all_complete": all(run["complete"] for run in runs),
    }


def computed_plain(work_s: float, poll: int) -> dict[str, Any]:
    """Plain polling at `poll` seconds: the scan waits for the next poll, at a uniformly random point of an
    interval the agent jitters by +-10 %; then the same work as with a long poll."""
    return {
        "computed, not measured": True,
        "poll_interval_s": poll,
        "mean_s": round(work_s + poll / 2, 1),
        "worst_s": round(work_s + poll * 1.1, 1),
        "before_issue_14_mean_s": round(work_s + poll / 2 + poll, 1),
        "note": "work_s is the long-poll median; before issue 14 a discovery queued a read the agent took at "
        "its following poll: two polls to meters",
    }


def main() -> int:
    from tests.support.paths import SNMPREC_DIR
    from tests.support.snmpsim import start_simulator

    env = setup_django()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        fleet = start_simulator(workdir / "sim", RECORDINGS, SNMPREC_DIR)
        stack = Stack(env, workdir)
        try:
            dealer, site, key, token = prepare(fleet)
            api = DealerApi(stack.url, f"bench.localhost:{stack.port}", token)
            stack.worker()
            stack.web(AGENT_POLL_INTERVAL_SECONDS=str(PRODUCTION_POLL))
            config = enroll(stack, key, workdir)
            stack.stop("web")
            long_poll = scenario(
                stack, api, dealer, site, config, RUNS, 5.0, AGENT_POLL_INTERVAL_SECONDS=str(PRODUCTION_POLL)
            )
            plain = scenario(
                stack,
                api,
                dealer,
                site,
                config,
                PLAIN_RUNS,
                SHORT_POLL,
                AGENT_POLL_INTERVAL_SECONDS=str(SHORT_POLL),
                AGENT_LONG_POLL_MAX_WAIT="0",
            )
        finally:
            stack.stop_all()
            fleet.stop()
            drop_database()
    write(summary(long_poll), summary(plain), len(fleet.printers))
    return 0


def write(long_poll: dict[str, Any], plain: dict[str, Any], printers: int) -> None:
    met = bool(long_poll["all_complete"] and long_poll["max_s"] is not None and long_poll["max_s"] <= TARGET_S)
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"machine": platform.machine(), "cpus": os.cpu_count() or 0, "python": platform.python_version()},
        "what": "POST /api/v1/sites/<id>/scan/ until GET /api/v1/devices/?site=<id> lists every printer with its "
        "total; real gunicorn (deploy config), Celery worker, agent process, snmpsim",
        "segment": {
            "printers": printers,
            "recordings": RECORDINGS,
            "network": "a loopback /24: the printers answer, the other addresses are silent",
        },
        "long_poll_on": {"poll_interval_s": PRODUCTION_POLL, **long_poll},
        "long_poll_off": {
            "measured": {"poll_interval_s": SHORT_POLL, **plain},
            f"at_{PRODUCTION_POLL}_s": computed_plain(long_poll["median_s"] or 0.0, PRODUCTION_POLL),
        },
        "target_s": TARGET_S,
        "met": met,
        "run_id": uuid.uuid4().hex[:8],
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
