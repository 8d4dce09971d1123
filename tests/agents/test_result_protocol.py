"""Who may answer a directive, and how often (docs/agent-protocol.md, "Results")."""

import uuid

from agents.choices import DirectiveStatus
from agents.models import DirectiveResult
from agents.services.directives import directive_request
from tests.agents.test_agent_api import get_directives, post_json
from tests.support.factories import make_agent

READ = {"kind": "read", "devices": []}


def _post(client, token, directive, body, key=None):
    return post_json(
        client,
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        token=token,
        gzip_body=True,
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def test_a_result_for_a_directive_leased_to_another_agent_is_409(acme, client):
    holder, holder_token = make_agent()
    _other, other_token = make_agent(site=holder.site)
    directive = directive_request(site=holder.site, kind="read", params={"devices": []})
    assert get_directives(client, holder_token).json()["directives"]

    response = _post(client, other_token, directive, READ)

    assert response.status_code == 409 and response.json()["code"] == "leased_elsewhere"
    assert not DirectiveResult.objects.filter(directive=directive).exists()
    assert _post(client, holder_token, directive, READ).status_code == 200


def test_a_second_answer_to_a_done_directive_is_409_and_a_retry_of_the_first_is_200(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    key = str(uuid.uuid4())
    assert _post(client, token, directive, READ, key).status_code == 200

    second = _post(client, token, directive, {**READ, "finished_at": "2026-11-28T10:00:00Z"})
    retry = _post(client, token, directive, READ, key)

    assert second.status_code == 409 and second.json()["code"] == "directive_done"
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    assert DirectiveResult.objects.filter(directive=directive).count() == 1


def test_a_result_for_a_cancelled_directive_is_409(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    directive.status = DirectiveStatus.CANCELLED
    directive.save(update_fields=["status"])

    response = _post(client, token, directive, READ)

    assert response.status_code == 409 and response.json()["code"] == "directive_cancelled"
    assert "cancelled" in response.json()["detail"]


def test_a_reused_idempotency_key_with_another_body_is_409_not_the_first_result(acme, client):
    agent, token = make_agent()
    first_directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    key = str(uuid.uuid4())
    assert _post(client, token, first_directive, READ, key).status_code == 200
    second_directive = directive_request(site=agent.site, kind="status", params={"devices": []})
    get_directives(client, token)

    response = _post(client, token, second_directive, {"kind": "status", "devices": []}, key)

    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_reused"
    second_directive.refresh_from_db()
    assert second_directive.status == DirectiveStatus.LEASED, "still waiting for its own answer"


def test_a_late_answer_after_the_lease_went_back_to_pending_is_accepted(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    Directive = type(directive)
    Directive.objects.filter(pk=directive.pk).update(status=DirectiveStatus.PENDING, leased_by=None)

    response = _post(client, token, directive, READ)

    assert response.status_code == 200
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.DONE
