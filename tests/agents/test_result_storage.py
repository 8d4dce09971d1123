"""An acknowledged upload is stored as the agent sent it (the stored JSON is the canonical text the body's digest was
made from, not a second serialisation): text in any script, numbers of every kind, nulls and nesting survive, and a
retry of it is still recognised as the same body."""

import uuid

from agents.models import DirectiveResult
from agents.services.directives import directive_request
from tests.agents.test_agent_api import get_directives, post_json
from tests.support.factories import make_agent

BODY = {
    "kind": "read",
    "finished_at": None,
    "devices": [
        {
            "device_id": str(uuid.uuid4()),
            "ok": True,
            "location": "Büro 2 — Empfang ✓ 受付",
            "rate": 0.25,
            "varbinds": [
                ["1.3.6.1.2.1.1.5.0", "str", 'Drucker "Nord" \\ 1'],
                ["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter64", 18446744073709551615],
                ["1.3.6.1.2.1.25.3.2.1.5.1", "int", -2],
            ],
        },
        {"device_id": str(uuid.uuid4()), "ok": False, "error": {"code": "timeout", "detail": [1, [2, [3, {}]]]}},
    ],
}


def test_an_upload_is_stored_exactly_as_sent_and_its_retry_is_the_same_body(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    key, url = str(uuid.uuid4()), f"/agent/v1/directives/{directive.public_id}/result"

    first = post_json(client, url, BODY, token=token, gzip_body=True, HTTP_IDEMPOTENCY_KEY=key)
    retry = post_json(client, url, BODY, token=token, gzip_body=True, HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == 200 and retry.status_code == 200 and retry.json()["duplicate"] is True
    stored = DirectiveResult.objects.get(public_id=first.json()["result_id"])
    assert stored.payload == BODY
