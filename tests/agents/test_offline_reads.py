"""Issue 13, the portal's side: reads an agent took by itself while the portal was unreachable are stored at the
agent's read time, once; the poll tells the agent its read schedule; set-aside uploads show on the agents page."""

import gzip
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent, Directive, DirectiveResult
from agents.services.offline_reads import OFFLINE_REQUESTED_BY
from meters.models import MeterRead
from meters.services.ingest import result_interpret
from tests.meters.ingest_support import discover, read_payload
from tests.support.factories import make_agent
from tests.support.personas import client_for


def post_read(client, token, body, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": key or str(uuid.uuid4())}
    raw = gzip.compress(json.dumps(body).encode())
    return client.post("/agent/v1/reads", raw, content_type="application/json", HTTP_CONTENT_ENCODING="gzip", **headers)


def offline_read(device, taken_at):
    stamp = taken_at.isoformat().replace("+00:00", "Z")
    return {"kind": "read", "started_at": stamp, "finished_at": stamp, **read_payload(device, "konica_c250i")}


def test_an_offline_read_is_stored_with_the_agents_read_time(acme, client):
    agent, token = make_agent()
    device = discover(agent, "konica_c250i", "10.7.0.5")
    taken_at = (timezone.now() - timedelta(days=3)).replace(microsecond=0)  # the Internet was down for days
    response = post_read(client, token, offline_read(device, taken_at))
    assert response.status_code == 200, response.content
    assert response.json()["duplicate"] is False

    result = DirectiveResult.objects.get(public_id=response.json()["result_id"])
    directive = result.directive
    assert (directive.kind, directive.requested_by, directive.status) == ("read", OFFLINE_REQUESTED_BY, "done")
    assert directive.leased_by == agent and directive.site == agent.site
    result_interpret(result=result)
    [meter] = MeterRead.objects.filter(device=device)
    assert meter.read_at == taken_at and meter.total  # the agent's time, not the upload's
    device.refresh_from_db()
    assert device.last_read_at == taken_at


def test_the_same_offline_read_sent_twice_is_stored_once(acme, client):
    agent, token = make_agent()
    device = discover(agent, "konica_c250i", "10.7.0.6")
    body, key = offline_read(device, timezone.now() - timedelta(hours=2)), str(uuid.uuid4())
    first, again = post_read(client, token, body, key), post_read(client, token, body, key)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {**first.json(), "duplicate": True}
    assert Directive.objects.filter(requested_by=OFFLINE_REQUESTED_BY).count() == 1


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"finished_at": None}, "malformed_result", "when it was taken"),
        ({"finished_at": "2026-02-30T10:00:00Z"}, "malformed_result", "when it was taken"),
        ({"finished_at": "2026-11-21T10:00:00"}, "malformed_result", "with its zone"),
        ({"kind": "discover"}, "malformed_result", "read result"),
        ({"finished_at": "2020-01-01T10:00:00Z"}, "read_too_old", "35 days"),
    ],
)
def test_an_offline_read_that_cannot_be_dated_is_refused_with_a_reason(acme, client, change, code, words):
    _agent, token = make_agent()
    now = timezone.now().isoformat()
    body = {"kind": "read", "started_at": now, "finished_at": now, "devices": [], **change}
    response = post_read(client, token, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and words in response.json()["detail"]
    assert not Directive.objects.filter(requested_by=OFFLINE_REQUESTED_BY).exists()


def test_the_poll_tells_the_agent_the_sites_read_schedule(acme, client):
    _agent, token = make_agent()  # the factory's site is in Europe/Berlin; the dealer reads at 7, 12 and 17
    answer = client.get("/agent/v1/directives", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert answer["read_schedule"] == {"time_zone": "Europe/Berlin", "hours": [7, 12, 17]}


def heartbeat(client, token, body):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return client.post("/agent/v1/heartbeat", json.dumps(body), content_type="application/json", **auth)


def set_aside_entry(directive_id, status, reason, at=None):
    return {"directive_id": directive_id, "kind": "read", "status": status, "reason": reason, "at": at}


SET_ASIDE = [
    set_aside_entry(str(uuid.uuid4()), 400, "HTTP 400: bigint out of range", "2026-11-21T10:00:00Z"),
    set_aside_entry("self-scheduled", 500, "5 times: HTTP 500"),
]


def test_set_aside_uploads_reported_by_the_heartbeat_show_on_the_agents_page(acme, client):
    agent, token = make_agent(hostname="front-desk")
    response = heartbeat(client, token, {"outbox_set_aside": 2, "outbox_set_aside_detail": SET_ASIDE})
    assert response.status_code == 200, response.content
    agent.refresh_from_db()
    assert agent.outbox_set_aside == 2
    assert [e["reason"] for e in agent.outbox_set_aside_detail] == [e["reason"] for e in SET_ASIDE]
    page = client_for(acme, acme.admin).get("/agents/").content.decode()
    assert "2 uploads set aside" in page and "bigint out of range" in page and "retry-set-aside" in page

    assert heartbeat(client, token, {"outbox_set_aside": 0}).status_code == 200  # retried at the site
    assert "set aside" not in client_for(acme, acme.admin).get("/agents/").content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {"outbox_set_aside": 2**31},
        {"outbox_set_aside": -1},
        {"outbox_set_aside_detail": SET_ASIDE * 11},
        {"outbox_set_aside_detail": [{**SET_ASIDE[0], "reason": "x" * 301}]},
        {"outbox_set_aside_detail": [{**SET_ASIDE[0], "status": 10**12}]},
        {"outbox_set_aside_detail": [{**SET_ASIDE[0], "directive_id": "d" * 65}]},
        {"outbox_set_aside_detail": "everything"},
    ],
)
def test_a_poison_set_aside_report_is_400_and_stores_nothing(acme, client, body):
    agent, token = make_agent()
    response = heartbeat(client, token, body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert Agent.objects.get(pk=agent.pk).outbox_set_aside == 0
