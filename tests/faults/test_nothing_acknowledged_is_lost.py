"""The fault suite: once the portal answers 200, the result reaches the dealer whatever dies, exactly once.

Each fault is done for real to this suite's own parts (tests/faults/stack.py): its private Redis stopped or
restarted empty, its worker killed with -9, its database connections terminated, the portal down while an
agent collects. Each ends with the same count: every acknowledged result interpreted once, every printer found
once, the new-device email sent once. With MB_FAULTS_REPORT=<path> the counts are written there
(`make bench` writes bench/results/faults.json).
"""

import json
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import DirectiveResult
from agents.services.directives import directive_request
from agents.services.keys import license_key_generate
from agents.services.results import results_sweep
from meters.models import Device
from reports.services.emails import emails_requeue_stuck
from reports.services.notifications import new_devices_catch_up
from tests.e2e.agent_process import agent_cli
from tests.faults.stack import (
    WORKER_APP_NAME,
    FaultWorker,
    PortalProcess,
    agent_process,
    fleet_discovery,
    outcome,
    terminate_worker_connections,
    unique,
)
from tests.support.factories import make_agent, make_site
from tests.support.redis_server import celery_broker
from tests.support.waiting import wait_until

REPORT: dict[str, dict] = {}
BIG_DISCOVERY = 300  # long enough to interpret that a fault lands in the middle of it


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, live_env, _private_redis, tmp_path_factory):
    """The private broker and a worker on it; the dealer's notification address set for the suite."""
    redis = _private_redis
    redis.start()
    mail_dir = tmp_path_factory.mktemp("fault-mail")
    env = {
        **live_env,
        "MB_CELERY_QUEUE": f"faults-{uuid.uuid4().hex[:8]}",
        "CELERY_BROKER_URL": redis.url(0),
        "CELERY_RESULT_BACKEND": redis.url(0),
        "EMAIL_FILE_PATH": str(mail_dir),
        "PGAPPNAME": WORKER_APP_NAME,
    }
    acme = django_db_setup["acme"]
    worker = FaultWorker(env, tmp_path_factory.mktemp("fault-worker"))
    with django_db_blocker.unblock(), celery_broker(redis.url(0), env["MB_CELERY_QUEUE"]):
        before = acme.dealer.notification_emails
        type(acme.dealer).objects.filter(pk=acme.dealer.pk).update(notification_emails=["service@acme.example"])
        acme.dealer.refresh_from_db()
        worker.start()
        try:
            yield {"redis": redis, "worker": worker, "mail": mail_dir, "acme": acme, "env": env}
        finally:
            worker.stop()
            type(acme.dealer).objects.filter(pk=acme.dealer.pk).update(notification_emails=before)
    _write_report()


def _write_report() -> None:
    path = os.environ.get("MB_FAULTS_REPORT")
    if path and REPORT:
        body = {
            "target": "nothing lost, nothing doubled",
            "met": all(f["met"] for f in REPORT.values()),
            "faults": REPORT,
        }
        Path(path).write_text(json.dumps(body, indent=2) + "\n")


def _upload(agent_token: str, directive, payload: dict) -> tuple[int, dict]:
    """The agent's POST, through the portal's real view (in this process, on the suite's broker)."""
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {agent_token}"}
    assert client.get("/agent/v1/directives", **auth).status_code == 200  # leased, as the agent does first
    body = json.dumps(payload)
    response = client.post(
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        **auth,
    )
    return response.status_code, response.json()


def _named(prefix: str):
    return Device.objects.filter(serial__startswith=prefix)


def _site_with_agent(customer: str):
    site = make_site(customer_name=customer)
    agent, token = make_agent(site=site)
    return site, agent, token


def _discovery(site, token, count: int, prefix: str, network: str) -> str:
    directive = directive_request(site=site, kind="discover", requested_by="fault suite")
    status, body = _upload(token, directive, fleet_discovery(count, prefix, network))
    assert status == 200, body
    return body["result_id"]


def _wait_started(result_id: str) -> None:
    """The worker has taken the result and counted its try: from here on a fault lands mid-task."""
    wait_until(lambda: DirectiveResult.objects.get(public_id=result_id).attempts >= 1, interval=0.01)


def _settle(settings) -> None:
    """What beat does every two minutes, at once: queue what waits, catch up what was not emailed, send mail."""
    settings.RESULT_QUEUE_GRACE_SECONDS = settings.RESULT_REQUEUE_SECONDS = 0
    results_sweep()
    future = timezone.now() + timedelta(minutes=5)
    new_devices_catch_up(now=future)
    emails_requeue_stuck(now=future)


def _count_and_check(name: str, stack, results: list[str], devices, customer: str, expected: int, settings):
    def settled():
        _settle(settings)
        done = DirectiveResult.objects.filter(public_id__in=results, status="interpreted").count() == len(results)
        return done and outcome(results, devices, expected, stack["mail"], customer).emails_sent >= 1

    wait_until(settled, timeout=90, interval=1.0)
    counted = outcome(results, devices, expected, stack["mail"], customer)
    REPORT[name] = counted.as_dict()
    assert counted.lost == 0 and counted.duplicates == 0, counted.as_dict()
    return counted


def test_redis_down_during_the_upload_and_back_empty(stack, settings):
    customer, prefix = unique("Fault Redis Down "), unique("RD")
    with tenant_context(stack["acme"].dealer):
        site, _agent, token = _site_with_agent(customer)
        with stack["redis"].down():
            result_id = _discovery(site, token, 20, prefix, "10.61")  # 200 although the broker is gone
            assert DirectiveResult.objects.get(public_id=result_id).queued_at is None
        stack["redis"].restart(empty=True)  # back with nothing in it
        _count_and_check("redis_down_at_upload", stack, [result_id], _named(prefix), customer, 20, settings)


def test_redis_restarted_empty_with_the_task_still_queued(stack, settings):
    customer, prefix = unique("Fault Redis Empty "), unique("RE")
    with tenant_context(stack["acme"].dealer):
        site, _agent, token = _site_with_agent(customer)
        stack["worker"].stop()  # nobody takes the task: it waits in Redis
        result_id = _discovery(site, token, 20, prefix, "10.62")
        assert DirectiveResult.objects.get(public_id=result_id).queued_at is not None
        stack["redis"].restart(empty=True)  # and is lost with it
        stack["worker"].start()
        _count_and_check("redis_restarted_empty", stack, [result_id], _named(prefix), customer, 20, settings)


def test_redis_stopped_while_the_worker_interprets_and_back_empty(stack, settings):
    """The interpretation commits with the broker gone: its new-device email cannot be queued then, and its
    task cannot be acknowledged. The sweep emails what the discovery found; nothing is interpreted twice."""
    customer, prefix = unique("Fault Redis Mid Task "), unique("RM")
    with tenant_context(stack["acme"].dealer):
        site, _agent, token = _site_with_agent(customer)
        result_id = _discovery(site, token, BIG_DISCOVERY, prefix, "10.65")
        _wait_started(result_id)
        stack["redis"].stop()
        wait_until(lambda: DirectiveResult.objects.get(public_id=result_id).status != "received", interval=0.1)
        stack["redis"].start(empty=True)
        counted = _count_and_check(
            "redis_stopped_mid_task", stack, [result_id], _named(prefix), customer, BIG_DISCOVERY, settings
        )
    assert counted.new_device_events == BIG_DISCOVERY


def test_the_worker_killed_with_minus_nine_in_the_middle_of_a_discovery(stack, settings):
    customer, prefix = unique("Fault Worker Killed "), unique("WK")
    with tenant_context(stack["acme"].dealer):
        site, _agent, token = _site_with_agent(customer)
        result_id = _discovery(site, token, BIG_DISCOVERY, prefix, "10.63")
        _wait_started(result_id)
        stack["worker"].kill()
        assert DirectiveResult.objects.get(public_id=result_id).status == "received", "killed before it finished"
        stack["worker"].start()
        counted = _count_and_check(
            "worker_killed", stack, [result_id], _named(prefix), customer, BIG_DISCOVERY, settings
        )
    assert counted.new_device_events == BIG_DISCOVERY  # every printer is new once, not only those after the kill


def test_database_connections_terminated_in_the_middle_of_a_discovery(stack, settings):
    customer, prefix = unique("Fault DB Terminated "), unique("DT")
    with tenant_context(stack["acme"].dealer):
        site, _agent, token = _site_with_agent(customer)
        result_id = _discovery(site, token, BIG_DISCOVERY, prefix, "10.64")
        _wait_started(result_id)
        assert terminate_worker_connections() >= 1
        _count_and_check(
            "db_connections_terminated", stack, [result_id], _named(prefix), customer, BIG_DISCOVERY, settings
        )


def test_the_portal_down_while_an_agent_collects(stack, snmpsim_fleet, tmp_path, settings):
    """A real agent leases the discovery, the portal goes down while it reads the printers, its upload waits in
    the outbox; with the portal back, the next run delivers it once."""
    customer = unique("Fault Portal Down ")
    portal = PortalProcess(stack["env"], tmp_path)
    portal.start()
    try:
        with tenant_context(stack["acme"].dealer):
            site = make_site(
                customer_name=customer, scan_targets=str(snmpsim_fleet.network), snmp_port=snmpsim_fleet.port
            )
            _key, key_text = license_key_generate(site=site)
        config = tmp_path / "agent.toml"
        agent_cli(config, "enroll", "--portal", portal.url, "--key", key_text)
        collecting = agent_process(config, "run", "--once")
        with tenant_context(stack["acme"].dealer):
            wait_until(lambda: site.directives.filter(kind="discover", status="leased").exists(), interval=0.02)
        portal.stop()  # while the agent sweeps the network
        output, _ = collecting.communicate(timeout=120)
        with tenant_context(stack["acme"].dealer):
            assert not DirectiveResult.objects.filter(directive__site=site).exists(), output
        portal.start()
        agent_cli(config, "run", "--once")
        with tenant_context(stack["acme"].dealer):
            results = wait_until(
                lambda: [
                    str(r)
                    for r in DirectiveResult.objects.filter(
                        directive__site=site, directive__kind="discover"
                    ).values_list("public_id", flat=True)
                ]
            )
            found = Device.objects.filter(site=site)
            assert wait_until(lambda: found.count() >= len(snmpsim_fleet.printers) - 1)
            counted = _count_and_check(
                "portal_down_while_agent_collects", stack, results, found, customer, found.count(), settings
            )
    finally:
        portal.stop()
    assert counted.acknowledged == 1 and counted.new_device_events == counted.devices_found
