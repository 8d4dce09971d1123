"""Each kind of work waits in its own queue (portal/queues.py), so a worker host for agents' uploads keeps meters
flowing while reports wait for theirs, as deploy/portal/meterbridge-worker@.service runs them in production."""

import json
import uuid

from django.test import Client
from django_tenants.utils import tenant_context

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from agents.services.directives import directive_request
from meters.models import Device
from portal.queues import EMAIL, REPORTS, RESULTS, queue_name
from reports.choices import RunStatus
from reports.models import ReportRun
from tests.meters.ingest_support import discover
from tests.support.factories import make_agent, make_site, unique
from tests.support.personas import client_for
from tests.support.redis_server import celery_worker_on
from tests.support.waiting import wait_until


def upload_read(token: str, directive) -> int:
    agent_api = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert agent_api.get("/agent/v1/directives", **auth).status_code == 200  # leased
    response = agent_api.post(
        f"/agent/v1/directives/{directive.public_id}/result",
        json.dumps({"kind": "read", "devices": []}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        **auth,
    )
    return response.status_code


def test_a_results_worker_interprets_uploads_while_a_report_waits_for_a_reports_worker(
    committed, redis_broker, live_env, tmp_path
):
    acme = committed["acme"]
    with tenant_context(acme.dealer):
        agent, token = make_agent(site=make_site(customer_name=unique("Queues Customer")))
        device = discover(agent, "konica_c250i", "10.9.0.1")  # a report of no devices is not built to be emailed
        directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    try:
        _results_then_reports(acme, agent, token, directive, redis_broker, live_env, tmp_path)
    finally:  # committed data outlives this test
        with tenant_context(acme.dealer):
            Device.objects.filter(pk=device.pk).delete()


def _results_then_reports(acme, agent, token, directive, redis_broker, live_env, tmp_path) -> None:
    customer = agent.site.customer
    clicked = client_for(acme, acme.technician).post(f"/customers/{customer.public_id}/email-report/", follow=True)
    assert clicked.status_code == 200
    assert upload_read(token, directive) == 200

    prefix, broker = live_env["MB_CELERY_QUEUE"], redis_broker.client(0)
    waiting = {kind: broker.llen(queue_name(prefix, kind)) for kind in (RESULTS, REPORTS)}
    assert waiting == {RESULTS: 1, REPORTS: 1}

    with tenant_context(acme.dealer):
        result = DirectiveResult.objects.get(directive=directive)
        (run,) = ReportRun.objects.filter(customer=customer)
        with celery_worker_on(live_env, redis_broker.url(0), tmp_path / "results.log", kinds=(RESULTS,)):
            wait_until(lambda: DirectiveResult.objects.get(pk=result.pk).status == ResultStatus.INTERPRETED)
            assert ReportRun.objects.get(pk=run.pk).status != RunStatus.SENT
            assert broker.llen(queue_name(prefix, REPORTS)) == 1  # untouched by the results worker

        with celery_worker_on(live_env, redis_broker.url(0), tmp_path / "reports.log", kinds=(REPORTS, EMAIL)):
            wait_until(lambda: ReportRun.objects.get(pk=run.pk).status == RunStatus.SENT)
