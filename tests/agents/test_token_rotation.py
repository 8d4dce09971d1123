"""Agent tokens are rotated: the portal asks, the agent takes a new one, the old one works for a grace period."""

import logging
import stat
import tomllib
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.choices import DirectiveStatus
from agents.models import Agent
from agents.services.enrolment import agent_heartbeat, agent_revoke
from agents.services.keys import license_key_generate
from agents.services.tokens import token_rotation_request
from tests.e2e.agent_process import agent_cli
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for


def heartbeat(client, token):
    return client.post("/agent/v1/heartbeat", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def take_new_token(client, token) -> str:
    response = client.post("/agent/v1/token", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def asked_to_rotate(client, token) -> bool:
    response = heartbeat(client, token)
    assert response.status_code == 200, response.content
    return response.json()["rotate_token"]


def grace_ends(agent) -> None:
    """AGENT_TOKEN_GRACE_HOURS later."""
    Agent.objects.filter(pk=agent.pk).update(previous_token_expires_at=timezone.now() - timedelta(seconds=1))


def test_enrolment_records_when_the_token_was_issued(acme):
    before = timezone.now()
    agent, _token = make_agent()
    assert agent.token_issued_at >= before


def test_dealer_rotates_a_token_and_the_old_one_works_until_the_grace_period_ends(acme, client, caplog):
    caplog.set_level(logging.DEBUG)
    agent, old = make_agent(hostname="reception-pc")
    assert not asked_to_rotate(client, old)

    page = client_for(acme, acme.admin)
    response = page.post(f"/agents/{agent.public_id}/rotate-token/", {"next": "/agents/"})
    assert response.status_code == 302 and response["Location"] == "/agents/"
    assert "new token requested" in page.get("/agents/").content.decode()
    assert asked_to_rotate(client, old)

    new = take_new_token(client, old)
    assert new != old and new.startswith("mbt_acme_")
    agent.refresh_from_db()
    assert new.split("_")[-1] not in agent.token_hash and agent.token_rotation_requested_at is None
    assert not asked_to_rotate(client, new)
    assert heartbeat(client, old).status_code == 200  # in grace: an agent that missed the answer still gets in
    assert agent.previous_token_expires_at - timezone.now() > timedelta(hours=23)

    grace_ends(agent)
    refused = heartbeat(client, old)
    assert refused.status_code == 401 and refused.json()["code"] == "token_expired"
    assert "Enrol the agent again" in refused.json()["detail"]
    assert heartbeat(client, new).status_code == 200
    assert old not in caplog.text and new not in caplog.text


def test_a_token_older_than_the_maximum_age_is_rotated_without_anyone_asking(acme, client, settings):
    settings.AGENT_TOKEN_MAX_AGE_DAYS = 90
    agent, token = make_agent()
    Agent.objects.filter(pk=agent.pk).update(token_issued_at=timezone.now() - timedelta(days=89))
    assert not asked_to_rotate(client, token)

    Agent.objects.filter(pk=agent.pk).update(token_issued_at=timezone.now() - timedelta(days=91))
    assert asked_to_rotate(client, token)
    polled = client.get("/agent/v1/directives", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert polled.json()["rotate_token"] is True

    new = take_new_token(client, token)
    assert not asked_to_rotate(client, new)


def test_a_lost_answer_does_not_lock_the_agent_out_nor_extend_the_grace(acme, client):
    agent, old = make_agent()
    token_rotation_request(agent=agent)
    never_received = take_new_token(client, old)  # the answer is lost on the way: the agent still has `old`
    agent.refresh_from_db()
    grace_until = agent.previous_token_expires_at

    assert asked_to_rotate(client, old)  # it is asked again, and asks again with the token it has
    new = take_new_token(client, old)
    agent.refresh_from_db()
    assert agent.previous_token_expires_at == grace_until
    assert heartbeat(client, never_received).json()["code"] == "token_invalid"
    assert not asked_to_rotate(client, new)


def test_revoking_an_agent_stops_its_new_and_its_previous_token(acme, client):
    agent, old = make_agent()
    new = take_new_token(client, old)
    agent_revoke(agent=agent)
    for token in (old, new):
        response = heartbeat(client, token)
        assert response.status_code == 401 and response.json()["code"] == "revoked"
    assert client.post("/agent/v1/token", HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401


def test_a_heartbeat_saving_at_the_same_moment_does_not_undo_the_request(acme):
    agent, _token = make_agent()
    in_flight = Agent.objects.get(pk=agent.pk)  # the heartbeat's copy, read before the dealer clicked
    token_rotation_request(agent=agent)
    agent_heartbeat(agent=in_flight, report={"outbox_depth": 3})
    agent.refresh_from_db()
    assert agent.token_rotation_requested_at is not None and agent.outbox_depth == 3


def test_dealer_api_asks_for_rotation_and_says_so(acme, beta):
    agent, _token = make_agent()
    api = api_client_for(acme, acme.admin)
    response = api.post(f"/api/v1/agents/{agent.public_id}/rotate-token/")
    assert response.status_code == 200, response.content
    assert response.json()["token_rotation_requested_at"] and response.json()["token_issued_at"]
    agent.refresh_from_db()
    assert agent.token_rotation_requested_at is not None

    viewer = api_client_for(acme, acme.viewer).post(f"/api/v1/agents/{agent.public_id}/rotate-token/")
    assert viewer.status_code == 403
    outsider = api_client_for(beta, beta.admin).post(f"/api/v1/agents/{agent.public_id}/rotate-token/")
    assert outsider.status_code == 404


@pytest.mark.parametrize("via", ["api", "page"])
def test_a_switched_off_agent_has_no_token_to_rotate(acme, via):
    agent, _token = make_agent()
    agent_revoke(agent=agent)
    if via == "api":
        response = api_client_for(acme, acme.admin).post(f"/api/v1/agents/{agent.public_id}/rotate-token/")
        assert response.status_code == 400 and "switched off" in response.json()["detail"]
    else:
        page = client_for(acme, acme.admin)
        response = page.post(f"/agents/{agent.public_id}/rotate-token/", follow=True)
        assert "switched off" in response.content.decode()
    agent.refresh_from_db()
    assert agent.token_rotation_requested_at is None


def test_the_real_agent_takes_its_new_token_from_the_live_portal(committed, portal_server, tmp_path):
    dealer = committed["acme"].dealer
    with tenant_context(dealer):
        site = make_site(customer_name="Rotating Customer")
        _key, key_text = license_key_generate(site=site)
    path = tmp_path / "agent.toml"
    agent_cli(path, "enroll", "--portal", portal_server, "--key", key_text)
    old = token_in(path)
    with tenant_context(dealer):
        site.directives.update(status=DirectiveStatus.CANCELLED)  # the enrolment's scan is not this test's subject
        token_rotation_request(agent=Agent.objects.get(site=site))

    run = agent_cli(path, "run", "--once")  # heartbeat says rotate_token: the agent swaps and saves
    new = token_in(path)
    assert new != old and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert old not in run.stdout + run.stderr and new not in run.stdout + run.stderr
    assert live_heartbeat(portal_server, old) == 200  # in grace
    with tenant_context(dealer):
        agent = Agent.objects.get(site=site)
        assert new.split("_")[2] == agent.token_prefix and old.split("_")[2] == agent.previous_token_prefix
        grace_ends(agent)
    assert live_heartbeat(portal_server, old) == 401
    agent_cli(path, "run", "--once")  # exits non-zero on a 401: the saved token is the one that works


def token_in(path) -> str:
    return tomllib.loads(path.read_text())["token"]


def live_heartbeat(base_url: str, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(f"{base_url}/agent/v1/heartbeat", b"{}", headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the suite's own server
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
