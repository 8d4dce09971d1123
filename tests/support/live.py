"""Real processes for tests whose behaviour depends on them: a Celery worker and a gunicorn web server.

Started once per session against the suite's own database; each gets its own Celery queue so parallel
runs on one Redis never take each other's tasks.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.queues import queues_arg, route_to
from tests.support.paths import REPO_ROOT

BIN = Path(sys.executable).parent


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_env(django_db_setup, tmp_path_factory) -> dict[str, str]:
    """Environment for a child process that must use this session's test database and queue."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "MB_TEST_DB_READY": "1",
        "MB_TEST_DB_NAME": connection.settings_dict["NAME"],
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "MB_CELERY_QUEUE": f"test-{uuid.uuid4().hex[:10]}",
        "MB_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        # Workers write what they send as files: tests read them like a person opening the mail.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path_factory.mktemp("mail")),
        "PYTHONUNBUFFERED": "1",
    }


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def celery_worker(live_env, tmp_path_factory):
    """A real worker on this session's queue; yields the Celery app configured to send to it."""
    from portal.celery import app

    log = tmp_path_factory.mktemp("worker") / "worker.log"
    prefix = live_env["MB_CELERY_QUEUE"]
    command = [str(BIN / "celery"), "-A", "portal", "worker", "-Q", queues_arg(prefix), "--pool", "solo"]
    command += ["--loglevel", "INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=live_env, stdout=out, stderr=subprocess.STDOUT)
    route_to(app, prefix)
    _wait_for_worker(app, process, log)
    yield app
    _stop(process)


def _wait_for_worker(app, process, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"celery worker exited:\n{log.read_text()[-3000:]}")
        if b"ready." in log.read_bytes():
            return
        time.sleep(0.3)
    pytest.fail(f"celery worker did not start within {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def portal_server(live_env, tmp_path_factory) -> str:
    """The real portal under gunicorn; returns its base URL (the central host, http://127.0.0.1:<port>)."""
    port = free_tcp_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    command = [str(BIN / "gunicorn"), "portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2", "--access-logfile", "-"]
    env = {**live_env, "PORTAL_CENTRAL_URL": f"http://127.0.0.1:{port}"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for_port(port, process, log)
    yield f"http://127.0.0.1:{port}"
    _stop(process)


def wait_for_port(port: int, process, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"web server exited:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"web server did not listen within {timeout}s:\n{log.read_text()[-3000:]}")
