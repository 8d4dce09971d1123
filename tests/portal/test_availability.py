"""Redis down, as an unlucky operator meets it: pages and uploads still work, and /readyz says what is wrong.

The Redis that is stopped is the suite's private one (tests.support.redis_server), never the machine's.
"""

import json
import logging
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.agent_api.views import EnrolmentThrottle
from agents.models import DirectiveResult
from agents.services.directives import directive_request
from agents.services.keys import license_key_generate
from portal.lib.cache import outages_clear
from portal.models import Heartbeat
from tests.support.factories import make_agent, make_site
from tests.support.paths import REPO_ROOT
from tests.support.personas import client_for
from tests.support.redis_server import celery_worker_on
from tests.support.waiting import wait_until


@pytest.fixture
def cache_on_private_redis(redis_server, settings):
    """The cache on the private Redis's database 1 (next to a broker on 0, as production's default)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.lib.cache.DegradingRedisCache",
            "LOCATION": redis_server.url(1),
            "KEY_PREFIX": f"availability-{uuid.uuid4().hex[:8]}",
        }
    }
    outages_clear()
    yield redis_server
    outages_clear()


def enrol(client, address: str):
    _key, text = license_key_generate(site=make_site())
    body = {"license_key": text, "hostname": "pc", "os": "Linux", "agent_version": "0.1.0"}
    return client.post("/agent/v1/enroll", json.dumps(body), content_type="application/json", REMOTE_ADDR=address)


def upload(client, token: str, directive):
    return client.post(
        f"/agent/v1/directives/{directive.public_id}/result",
        json.dumps({"kind": "read", "devices": []}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_overview_enrolment_and_uploads_answer_with_redis_stopped(
    acme, client, cache_on_private_redis, redis_broker, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    redis = cache_on_private_redis
    viewer = client_for(acme, acme.viewer)
    monkeypatch.setattr(EnrolmentThrottle, "THROTTLE_RATES", {"enrolment": "1/minute"})
    assert viewer.get("/").status_code == 200
    assert redis.client(1).keys("*fleet-volume*"), "the overview should cache its volume in this Redis"
    assert [enrol(client, "198.51.100.7").status_code for _ in range(2)] == [201, 429]  # the throttle counts here
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    client.get("/agent/v1/directives", HTTP_AUTHORIZATION=f"Bearer {token}")

    redis.stop()
    with caplog.at_level(logging.WARNING):
        overview = viewer.get("/")
        enrolled = [enrol(client, "198.51.100.7").status_code for _ in range(2)]
        with django_capture_on_commit_callbacks(execute=True):  # the upload's queueing meets the stopped broker
            uploaded = upload(client, token, directive)
    assert overview.status_code == 200 and 'id="tile-' in overview.content.decode()
    assert enrolled == [201, 201]  # throttles fail open while the cache is away
    assert uploaded.status_code == 200 and DirectiveResult.objects.filter(directive=directive).count() == 1
    warnings = [r.getMessage() for r in caplog.records if r.name == "portal.lib.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0] and "redis://" not in warnings[0]


def readyz(client, host: str):
    response = client.get("/readyz", HTTP_HOST=host)
    return response.status_code, response.json()


def test_readiness_names_the_broker_when_its_redis_is_down_and_is_ready_when_all_is_up(
    committed, client, redis_broker, live_env, tmp_path
):
    hosts = ["localhost", "acme.localhost", "10.1.2.3"]  # central, a dealer, a load balancer's probe by address
    started = timezone.now()
    with celery_worker_on(live_env, redis_broker.url(0), tmp_path / "worker.log") as worker:
        from portal.celery import app

        app.send_task("portal.tasks.heartbeat")  # as beat sends it; the worker on the private broker runs it
        wait_until(lambda: _alive(worker) and Heartbeat.objects.filter(name="celery", at__gte=started).exists())
        for host in hosts:
            status, body = readyz(client, host)
            assert (status, body["status"]) == (200, "ready"), body
            assert set(body["checks"]) == {"database", "broker", "worker", "beat"}
            assert all(check["ok"] for check in body["checks"].values())

        Heartbeat.objects.filter(name="celery").update(at=timezone.now() - timedelta(minutes=10))
        status, body = readyz(client, "localhost")
        assert (status, body["failed"]) == (503, ["beat"])
        Heartbeat.objects.filter(name="celery").update(at=timezone.now())

        redis_broker.stop()
        for host in hosts:
            status, body = readyz(client, host)
            assert status == 503 and "broker" in body["failed"] and body["checks"]["database"]["ok"], body
            assert client.get("/healthz", HTTP_HOST=host).status_code == 200  # liveness does not ask Redis


def _alive(worker) -> bool:
    assert worker.poll() is None, "the worker exited"
    return True


def deployment_settings(**deployment) -> dict:
    """CACHES and the database options a deployment with this environment gets (settings only, no connection)."""
    unset = ("CACHE_URL", "CACHE_KEY_PREFIX", "CELERY_BROKER_URL", "REDIS_URL", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset} | deployment
    script = (
        "import json; from portal.settings import local as s; "
        "print(json.dumps({**s.CACHES['default'], 'health': s.DATABASES['default']['CONN_HEALTH_CHECKS']}))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_two_deployments_on_one_redis_get_their_own_cache_database_and_prefix():
    first = deployment_settings(REDIS_URL="redis://cache.internal:6379/0", DATABASE_URL="postgres://u@db/first")
    second = deployment_settings(REDIS_URL="redis://:pw@cache.internal:6379/2", DATABASE_URL="postgres://u@db/second")
    assert (first["LOCATION"], first["KEY_PREFIX"]) == ("redis://cache.internal:6379/1", "mb:first")
    assert (second["LOCATION"], second["KEY_PREFIX"]) == ("redis://:pw@cache.internal:6379/3", "mb:second")
    assert first["health"] and second["health"]  # stale connections are checked before reuse
    chosen = deployment_settings(CACHE_URL="redis://elsewhere:6380/5", CACHE_KEY_PREFIX="blue")
    assert (chosen["LOCATION"], chosen["KEY_PREFIX"]) == ("redis://elsewhere:6380/5", "blue")
