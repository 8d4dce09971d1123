"""The parts a fault hits, run for real: a private Redis (broker of this suite only), a Celery worker that can
be killed, PostgreSQL connections that can be terminated, and mail written to files as the worker sends it.

What each fault must end with is checked the same way every time (`Outcome`): every acknowledged result
interpreted exactly once, every new device counted once, every email sent once.
"""

import email
import os
import signal
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from agents.models import DirectiveResult
from meters.choices import EventKind
from meters.interpret import DISCOVERY_OIDS, identify
from meters.interpret.identity import read_identity
from meters.interpret.varbinds import VarbindIndex
from meters.models import DeviceEvent, MeterRead
from portal.queues import queues_arg
from tests.e2e.agent_process import AGENT
from tests.support.live import BIN, _wait_for_worker, free_tcp_port, wait_for_port
from tests.support.paths import REPO_ROOT
from tests.support.snmprec import load_recording, read_with_plan

WORKER_APP_NAME = "mb-fault-worker"  # libpq's PGAPPNAME: only this worker's connections are terminated
RECORDINGS = ["konica_c250i", "sharp", "brother_hl5370dw", "jetdirect_m130nw", "printmaster_kyocera_p2040dw", "utax"]


class FaultWorker:
    """A real Celery worker on the private broker; started, killed with -9, started again."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir, self.process = env, log_dir, None
        self.starts = 0

    def start(self) -> None:
        from portal.celery import app

        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        queues = queues_arg(self.env["MB_CELERY_QUEUE"])
        command = [str(BIN / "celery"), "-A", "portal", "worker", "-Q", queues, "--pool", "solo"]
        command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        _wait_for_worker(app, self.process, log)

    def kill(self) -> None:
        """kill -9: no cleanup, no ack, the task's transaction cut off where it was."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


class PortalProcess:
    """The portal under gunicorn, on the suite's broker; stopped and started again while an agent works."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.port = free_tcp_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORTAL_CENTRAL_URL": self.url}
        self.log_dir, self.process, self.starts = log_dir, None, 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_dir / f"web-{self.starts}.log"
        command = [str(BIN / "gunicorn"), "portal.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", "1"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def agent_process(config: Path, *args: str) -> subprocess.Popen:
    """The installed `meterbridge-agent`, as a technician runs it, without the test's Django settings."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "MB_TEST"))}
    command = [str(AGENT), "--config", str(config), *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def terminate_worker_connections() -> int:
    """pg_terminate_backend on every connection of the fault worker (as an operator's restart would)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [WORKER_APP_NAME],
        )
        return cursor.fetchone()[0]


def fleet_discovery(count: int, serial_prefix: str, network: str) -> dict:
    """A discovery that finds `count` distinct printers (real recordings, each given its own serial and
    address), as an agent uploads it."""
    bases = [_discovery_varbinds(recording) for recording in RECORDINGS]
    devices = []
    for n in range(count):
        varbinds, serial = bases[n % len(bases)]
        own = f"{serial_prefix}{n:05d}"
        devices.append(
            {
                "ip": f"{network}.{n // 250}.{n % 250 + 1}",
                "port": 161,
                "credential_id": None,
                "is_printer": True,
                "varbinds": [
                    [oid, vtype, _renamed(value, serial, own)]
                    for oid, vtype, value in varbinds
                    if not _holds_in_hex(vtype, value, serial)
                ],
            }
        )
    return {"kind": "discover", "devices": devices}


def _renamed(value, serial: str, own: str):
    return value.replace(serial, own) if isinstance(value, str) else value  # padded serials too


def _holds_in_hex(vtype: str, value, serial: str) -> bool:
    """A vendor's binary copy of the serial (HP's), which the text rename cannot reach: left out."""
    return vtype == "hex" and serial.encode().hex() in str(value).lower()


def _discovery_varbinds(recording: str) -> tuple[list, str]:
    varbinds = read_with_plan(load_recording(recording), list(DISCOVERY_OIDS), [])
    index = VarbindIndex(varbinds)
    serial = read_identity(index, identify(index), []).serial
    assert serial, f"{recording} states its serial"
    return varbinds, serial


@dataclass
class Outcome:
    """What a dealer would count after the fault: nothing lost, nothing doubled."""

    acknowledged: int
    interpreted: int
    devices_expected: int
    devices_found: int
    new_device_events: int
    reads_doubled: int
    emails_sent: int
    emails_expected: int

    @property
    def duplicates(self) -> int:
        return (
            max(0, self.new_device_events - self.devices_found)
            + self.reads_doubled
            + max(0, self.emails_sent - self.emails_expected)
        )

    @property
    def lost(self) -> int:
        missing_emails = max(0, self.emails_expected - self.emails_sent)
        return (self.acknowledged - self.interpreted) + (self.devices_expected - self.devices_found) + missing_emails

    def as_dict(self) -> dict:
        return {
            "acknowledged_results": self.acknowledged,
            "results_interpreted": self.interpreted,
            "devices_expected": self.devices_expected,
            "devices_found": self.devices_found,
            "duplicates": self.duplicates,
            "emails_sent": self.emails_sent,
            "emails_expected": self.emails_expected,
            "lost": self.lost,
            "met": self.lost == 0 and self.duplicates == 0,
        }


def outcome(
    results: list[str],
    devices,
    devices_expected: int,
    mail_dir: Path,
    subject_has: str,
    emails_expected: int = 1,
) -> Outcome:
    """Counted in the dealer's schema (the caller's tenant context); `devices`: the printers the results found."""
    interpreted = DirectiveResult.objects.filter(public_id__in=results, status="interpreted").count()
    events = DeviceEvent.objects.filter(device__in=devices, kind=EventKind.NEW).count()
    doubled = sum(max(0, n - 1) for n in _reads_per_device(results))
    return Outcome(
        acknowledged=len(results),
        interpreted=interpreted,
        devices_expected=devices_expected,
        devices_found=devices.count(),
        new_device_events=events,
        reads_doubled=doubled,
        emails_sent=len(sent_mail(mail_dir, subject_has)),
        emails_expected=emails_expected,
    )


def _reads_per_device(results: list[str]) -> list[int]:
    reads = MeterRead.objects.filter(result__public_id__in=results).values_list("device_id", "read_at")
    counts: dict = {}
    for key in reads:
        counts[key] = counts.get(key, 0) + 1
    return list(counts.values())


def sent_mail(mail_dir: Path, subject_has: str) -> list[email.message.Message]:
    """The messages the worker handed to its mail backend (one file per connection, messages split by dashes)."""
    messages = []
    for path in sorted(mail_dir.glob("*.log")):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                if subject_has in str(message.get("Subject", "")):
                    messages.append(message)
    return messages


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"
