"""The agent API as an agent sees it: one central host, the credential names the dealer."""

import gzip
import json
import uuid

import pytest

from agents.choices import DirectiveStatus
from agents.models import Agent, Customer, DirectiveResult
from agents.services.deltas import whole_varbinds
from agents.services.directives import directive_request
from agents.services.keys import license_key_generate
from tests.support.factories import make_agent, make_site


def post_json(client, path, body, token=None, gzip_body=False, **headers):
    raw = json.dumps(body).encode()
    if gzip_body:
        raw = gzip.compress(raw)
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(path, raw, content_type="application/json", **headers)


def get_directives(client, token):
    return client.get("/agent/v1/directives", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_enroll_with_a_license_key_returns_an_agent_token(acme, client):
    site = make_site()
    _key, text = license_key_generate(site=site)
    body = {"license_key": text, "hostname": "reception-pc", "os": "Windows 11", "agent_version": "0.1.0"}
    response = post_json(client, "/agent/v1/enroll", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["token"].startswith("mbt_acme_") and data["poll_interval"] > 0
    assert data["site"] == {"id": str(site.public_id), "name": site.name, "customer": site.customer.name}
    agent = Agent.objects.get(public_id=data["agent_id"])
    assert (agent.hostname, agent.os, agent.site) == ("reception-pc", "Windows 11", site)
    assert data["token"].split("_")[-1] not in agent.token_hash


@pytest.mark.parametrize(
    "key",
    [
        "",
        "nonsense",
        "mbl_acme_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "mbl_nobody_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ],
)
def test_unknown_key_gets_401_with_a_sentence(acme, client, key):
    response = post_json(client, "/agent/v1/enroll", {"license_key": key or "x", "hostname": "pc"})
    assert response.status_code == 401
    assert "key" in response.json()["detail"]


def test_get_license_key_with_dealer_id_and_enrollment_password(acme, client):
    body = {
        "dealer": "acme",
        "enrollment_password": "enrol-a long test password 42",
        "customer_name": "Walk-in Dental",
        "report_emails": ["office@dental.example"],
        "time_zone": "America/Chicago",
    }
    response = post_json(client, "/agent/v1/register", body)
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(name="Walk-in Dental")
    assert customer.needs_confirmation and customer.report_emails == ["office@dental.example"]
    site = customer.sites.get()
    assert site.needs_confirmation and site.time_zone == "America/Chicago"
    enrolled = post_json(client, "/agent/v1/enroll", {"license_key": response.json()["license_key"], "hostname": "pc"})
    assert enrolled.status_code == 201
    assert post_json(client, "/agent/v1/register", {**body, "enrollment_password": "wrong"}).status_code == 401


def test_heartbeat_records_contact_version_and_outbox(acme, client):
    agent, token = make_agent()
    body = {"agent_version": "0.2.0", "outbox_depth": 7, "outbox_dropped": 2, "networks": ["192.168.5.0/24"]}
    response = post_json(client, "/agent/v1/heartbeat", body, token=token)
    assert response.status_code == 200 and response.json()["poll_interval"] > 0
    agent.refresh_from_db()
    assert (agent.version, agent.outbox_depth, agent.outbox_dropped) == ("0.2.0", 7, 2)
    assert agent.networks == ["192.168.5.0/24"] and agent.last_seen_at is not None


def test_calls_without_a_valid_token_get_401(acme, client):
    assert client.get("/agent/v1/directives").status_code == 401
    assert get_directives(client, "mbt_acme_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status_code == 401
    agent, token = make_agent()
    agent.revoked_at = agent.enrolled_at
    agent.save()
    assert get_directives(client, token).status_code == 401


def test_directive_is_leased_with_decrypted_credentials_then_its_result_acknowledged(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="discover", requested_by="test")
    leased = get_directives(client, token).json()["directives"]
    assert [d["id"] for d in leased] == [str(directive.public_id)]
    assert leased[0]["params"]["credentials"][0] == {
        "id": leased[0]["params"]["credentials"][0]["id"],
        "version": "2c",
        "community": "public",
    }
    assert get_directives(client, token).json()["directives"] == []  # leased: not handed out twice
    result = {"kind": "discover", "devices": [{"ip": "10.0.0.5", "sys_descr": "HP LaserJet"}]}
    response = post_json(
        client,
        f"/agent/v1/directives/{directive.public_id}/result",
        result,
        token=token,
        gzip_body=True,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 200 and response.json()["duplicate"] is False
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.DONE
    assert DirectiveResult.objects.get(directive=directive).payload == result


def test_the_same_upload_twice_is_stored_once_and_acknowledged_twice(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    get_directives(client, token)
    key = str(uuid.uuid4())
    url = f"/agent/v1/directives/{directive.public_id}/result"
    first = post_json(
        client, url, {"kind": "read", "devices": []}, token=token, gzip_body=True, HTTP_IDEMPOTENCY_KEY=key
    )
    again = post_json(
        client, url, {"kind": "read", "devices": []}, token=token, gzip_body=True, HTTP_IDEMPOTENCY_KEY=key
    )
    assert first.status_code == again.status_code == 200
    assert first.json()["result_id"] == again.json()["result_id"]
    assert again.json()["duplicate"] is True
    assert DirectiveResult.objects.filter(directive=directive).count() == 1


@pytest.mark.parametrize(
    ("body", "encoding", "status", "code"),
    [
        (b"not gzip at all", "gzip", 400, "bad_gzip"),
        (gzip.compress(b"{not json"), "gzip", 400, "bad_json"),
        (gzip.compress(b"[1, 2]"), "gzip", 400, "malformed_result"),
        (gzip.compress(b'{"kind": "discover"}'), "gzip", 400, "wrong_kind"),
        (gzip.compress(b" " * (17 * 1024 * 1024)), "gzip", 413, "too_large"),
    ],
    ids=["not-gzip", "not-json", "not-an-object", "wrong-kind", "gzip-bomb"],
)
def test_a_malformed_upload_gets_a_clear_error_and_stores_nothing(acme, client, body, encoding, status, code):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    response = client.post(
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        content_type="application/json",
        HTTP_CONTENT_ENCODING=encoding,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not DirectiveResult.objects.filter(directive=directive).exists()


def test_upload_without_idempotency_key_is_refused(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    response = post_json(client, f"/agent/v1/directives/{directive.public_id}/result", {}, token=token)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]


def test_unknown_directive_is_404(acme, client):
    _agent, token = make_agent()
    response = post_json(
        client, f"/agent/v1/directives/{uuid.uuid4()}/result", {}, token=token, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert response.status_code == 404


def test_an_agent_that_was_away_gets_one_directive_per_kind_not_a_pile(acme, client):
    agent, token = make_agent()
    for _ in range(5):
        directive_request(site=agent.site, kind="discover")
        directive_request(site=agent.site, kind="read", params={"devices": []})
    kinds = sorted(d["kind"] for d in get_directives(client, token).json()["directives"])
    assert kinds == ["discover", "read"]


def test_openapi_schema_documents_the_agent_api(db, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert {"/agent/v1/enroll", "/agent/v1/heartbeat", "/agent/v1/directives"} <= set(schema["paths"])
    assert client.get("/api/docs/").status_code == 200


def test_nul_characters_in_an_upload_are_stored_replaced_not_lost(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    body = {"kind": "read", "devices": [{"device_id": "x", "varbinds": [["1.3.6.1.2.1.1.5.0", "str", "pr\x00inter"]]}]}
    response = post_json(
        client,
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        token=token,
        gzip_body=True,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 200, response.content
    stored = DirectiveResult.objects.get(directive=directive).payload
    assert stored["devices"][0]["varbinds"][0][2] == "pr\ufffdinter"


def upload(client, token, directive, body):
    return post_json(
        client,
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        token=token,
        gzip_body=True,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )


def test_a_changes_only_read_is_stored_as_sent_and_stands_for_the_whole_read(acme, client):
    agent, token = make_agent()
    full = [
        ["1.3.6.1.2.1.1.5.0", "str", "printer"],
        ["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter32", 1000],
        ["1.3.6.1.2.1.43.11.1.1.9.1.1", "int", 80],
    ]
    first = directive_request(site=agent.site, kind="read", params={"devices": []})
    base = upload(
        client, token, first, {"kind": "read", "devices": [{"device_id": "d1", "ok": True, "varbinds": full}]}
    )
    second = directive_request(site=agent.site, kind="read", params={"devices": []})
    changed = [["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter32", 1250]]
    delta = {
        "device_id": "d1",
        "ok": True,
        "base": base.json()["result_id"],
        "changed": changed,
        "removed": ["1.3.6.1.2.1.1.5.0"],
    }
    response = upload(client, token, second, {"kind": "read", "devices": [delta]})
    assert response.status_code == 200, response.content
    stored = DirectiveResult.objects.get(public_id=response.json()["result_id"]).payload["devices"][0]
    assert stored == delta
    assert whole_varbinds({"d1": stored}) == {
        "d1": [
            ["1.3.6.1.2.1.43.10.2.1.4.1.1", "counter32", 1250],
            ["1.3.6.1.2.1.43.11.1.1.9.1.1", "int", 80],
        ]
    }


def test_a_changes_only_read_with_malformed_changes_is_400(acme, client):
    agent, token = make_agent()
    first = directive_request(site=agent.site, kind="read", params={"devices": []})
    base = upload(client, token, first, {"kind": "read", "devices": [{"device_id": "d1", "ok": True, "varbinds": []}]})
    second = directive_request(site=agent.site, kind="read", params={"devices": []})
    delta = {"device_id": "d1", "ok": True, "base": base.json()["result_id"], "changed": [["1.3.6", 5]]}
    response = upload(client, token, second, {"kind": "read", "devices": [delta]})
    assert response.status_code == 400 and response.json()["code"] == "malformed_result"
    assert not DirectiveResult.objects.filter(directive=second).exists()


def test_a_changes_only_read_against_an_unknown_base_is_409_and_stores_nothing(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    delta = {"device_id": "d1", "ok": True, "base": str(uuid.uuid4()), "changed": [], "removed": []}
    response = upload(client, token, directive, {"kind": "read", "devices": [delta]})
    assert response.status_code == 409 and response.json()["code"] == "base_unknown"
    assert not DirectiveResult.objects.filter(directive=directive).exists()


def test_guessing_the_enrolment_password_is_slowed_down(acme, client, monkeypatch):
    from agents.agent_api.views import EnrolmentThrottle

    # Production's default rate; the counts live under this run's own cache prefix, so they start at zero.
    monkeypatch.setattr(EnrolmentThrottle, "THROTTLE_RATES", {"enrolment": "10/minute"})
    body = {"dealer": "acme", "enrollment_password": "guess", "customer_name": "X"}
    codes = [post_json(client, "/agent/v1/register", body, REMOTE_ADDR="203.0.113.9").status_code for _ in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    assert post_json(client, "/agent/v1/register", body, REMOTE_ADDR="203.0.113.10").status_code == 401  # others
