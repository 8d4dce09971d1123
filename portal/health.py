"""Liveness and readiness probes, on every host (central and dealers').

- /healthz, liveness: the web process answers. It asks no dependency: restarting the web process would not
  bring a dead database back, so a liveness probe must not fail because of one.
- /readyz, readiness: the portal can do its work. The database answers, the broker (Redis) answers, a worker
  answers a ping, and beat's heartbeat is recent. 200 {"status": "ready", "checks": {...}}, or 503 naming the
  checks that failed.

ProbeMiddleware answers both before the dealer is picked from the host: that lookup needs the database (which
/readyz must report as down with a 503, not fail with a 500), and load balancers probe with any Host header.
"""

from datetime import datetime

import redis
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import Heartbeat
from portal.schedules import SCHEDULES

HEARTBEAT = "celery"
STALE_AFTER = 3 * SCHEDULES["heartbeat"]["every_seconds"]
TIMEOUT = 1.0  # seconds for each of the broker's and the worker's answers


def heartbeat_record(*, now: datetime | None = None) -> None:
    Heartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"at": now or timezone.now()})


def _result(ok: bool, detail: str) -> dict[str, object]:
    return {"ok": ok, "detail": detail}


def check_database() -> dict[str, object]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return _result(False, f"not answering ({type(exc).__name__})")
    return _result(True, "answering")


def check_broker() -> dict[str, object]:
    """A PING to the Redis tasks are sent to (its URL, which may hold a password, is never shown)."""
    client = redis.Redis.from_url(celery_app.conf.broker_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        return _result(False, f"not answering ({type(exc).__name__})")
    finally:
        client.close()
    return _result(True, "answering")


def check_worker() -> dict[str, object]:
    """`celery inspect ping`: the first worker to answer within TIMEOUT is enough."""
    try:
        replies = celery_app.control.ping(timeout=TIMEOUT, limit=1)
    except Exception as exc:  # any failure to ask is a failed check, never a 500
        return _result(False, f"could not be asked ({type(exc).__name__})")
    return _result(True, "answering") if replies else _result(False, f"no worker answered within {TIMEOUT:g}s")


def check_beat(*, now: datetime | None = None) -> dict[str, object]:
    """The heartbeat task runs every minute (portal/schedules.py): older than three minutes, beat (or every
    worker) has stopped."""
    try:
        beat = Heartbeat.objects.filter(name=HEARTBEAT).first()
    except DatabaseError as exc:
        return _result(False, f"heartbeat unreadable ({type(exc).__name__})")
    if beat is None:
        return _result(False, "no heartbeat yet: is beat running, with `manage.py sync_schedules` applied?")
    age = ((now or timezone.now()) - beat.at).total_seconds()
    return _result(age <= STALE_AFTER, f"last heartbeat {age:.0f}s ago (stale after {STALE_AFTER}s)")


def readiness() -> dict[str, dict[str, object]]:
    checks = {"database": check_database(), "broker": check_broker()}
    broker_up = checks["broker"]["ok"]
    checks["worker"] = check_worker() if broker_up else _result(False, "not asked: the broker is not answering")
    checks["beat"] = check_beat() if checks["database"]["ok"] else _result(False, "not asked: no database")
    return checks


def healthz(request) -> JsonResponse:
    return _no_store(JsonResponse({"status": "ok"}))


def readyz(request) -> JsonResponse:
    checks = readiness()
    failed = [name for name, check in checks.items() if not check["ok"]]
    if failed:
        return _no_store(JsonResponse({"status": "not ready", "failed": failed, "checks": checks}, status=503))
    return _no_store(JsonResponse({"status": "ready", "checks": checks}))


def _no_store(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


PROBES = {"/healthz": healthz, "/readyz": readyz}


class ProbeMiddleware:
    """First in MIDDLEWARE: /healthz and /readyz on any host, before tenant routing (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        connection.set_schema_to_public()  # the heartbeat is in the public schema; no dealer is involved
        return probe(request)
