"""Issue 13: a body PostgreSQL or Python cannot take is a 400 (or 413) with a reason, never a 500,
and the agent's next good upload still goes through."""

import gzip
import json
import uuid

import pytest

from agents.models import Agent, DirectiveResult
from agents.services.directives import directive_request
from agents.services.keys import license_key_generate
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for

MIB = 1024 * 1024
GOOD = {"kind": "read", "devices": [{"device_id": "d1", "ok": True, "varbinds": [["1.3.6.1.2.1.1.5.0", "str", "p"]]}]}


def nested(levels: int) -> bytes:
    return b'{"kind": "read", "devices": [], "x": ' + b"[" * levels + b"]" * levels + b"}"


def read_with(value: bytes) -> bytes:
    return (
        b'{"kind": "read", "devices": [{"device_id": "d1", "ok": true, "varbinds": [["1.3.6", "int", '
        + value
        + b"]]}]}"
    )


def post_result(client, token, directive, body: bytes, gzip_body: bool = True):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    if gzip_body:
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    url = f"/agent/v1/directives/{directive.public_id}/result"
    return client.post(url, body, content_type="application/json", **headers)


def assert_refused(response, status: int, code: str, words: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert words in response.json()["detail"], response.json()["detail"]


POISON_RESULTS = {
    "nan": (gzip.compress(read_with(b"NaN")), True, 400, "non_finite_number", "NaN"),
    "infinity": (gzip.compress(read_with(b"Infinity")), True, 400, "non_finite_number", "Infinity"),
    "minus-infinity": (gzip.compress(read_with(b"-Infinity")), True, 400, "non_finite_number", "-Infinity"),
    "1e999": (gzip.compress(read_with(b"1e999")), True, 400, "non_finite_number", "1e999"),
    "lone-surrogate": (
        gzip.compress(read_with(b'"pr\\ud800inter"')),
        True,
        400,
        "bad_string",
        "devices[0].varbinds[0][2]",
    ),
    "lone-surrogate-key": (
        gzip.compress(b'{"kind": "read", "devices": [], "\\udc00": 1}'),
        True,
        400,
        "bad_string",
        "surrogate",
    ),
    "5000-levels": (gzip.compress(nested(5000)), True, 400, "too_deep", "64 levels"),
    "65-levels": (gzip.compress(nested(64)), True, 400, "too_deep", "64 levels"),
    "trailing-gzip-member": (
        gzip.compress(json.dumps(GOOD).encode()) + gzip.compress(b"{}"),
        True,
        400,
        "bad_gzip",
        "trailing data after the gzip stream",
    ),
    "trailing-garbage": (gzip.compress(json.dumps(GOOD).encode()) + b"junk", True, 400, "bad_gzip", "trailing data"),
    "20-mib-uncompressed": (
        gzip.compress(b'{"kind": "read", "devices": [], "pad": "' + b"x" * (20 * MIB) + b'"}', compresslevel=1),
        True,
        413,
        "too_large",
        "uncompressed",
    ),
    "20-mib-plain": (
        b'{"kind": "read", "devices": [], "pad": "' + b"x" * (20 * MIB) + b'"}',
        False,
        413,
        "too_large",
        "larger",
    ),
}


@pytest.mark.parametrize(("body", "gzip_body", "status", "code", "words"), POISON_RESULTS.values(), ids=POISON_RESULTS)
def test_a_poison_result_is_refused_with_a_reason_and_the_next_upload_works(
    acme, client, body, gzip_body, status, code, words
):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    assert_refused(post_result(client, token, directive, body, gzip_body), status, code, words)
    assert not DirectiveResult.objects.filter(directive=directive).exists()
    good = post_result(client, token, directive, gzip.compress(json.dumps(GOOD).encode()))
    assert good.status_code == 200, good.content
    assert DirectiveResult.objects.get(directive=directive).payload == GOOD


def test_nesting_up_to_the_limit_is_accepted(acme, client):
    agent, token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    response = post_result(client, token, directive, gzip.compress(nested(63)))  # 63 lists in the body's object
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "body",
    [{"outbox_depth": 2**31}, {"outbox_dropped": 2**31}, {"outbox_depth": 2**64}, {"outbox_dropped": 10**30}],
    ids=["depth-2^31", "dropped-2^31", "depth-2^64", "dropped-10^30"],
)
def test_a_heartbeat_with_an_out_of_range_count_is_400_and_the_next_one_works(acme, client, body):
    agent, token = make_agent()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.post("/agent/v1/heartbeat", json.dumps(body), content_type="application/json", **auth)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid" and set(response.json()["fields"]) == set(body)
    good = {"outbox_depth": 2**31 - 1, "outbox_dropped": 3}
    assert (
        client.post("/agent/v1/heartbeat", json.dumps(good), content_type="application/json", **auth).status_code == 200
    )
    agent.refresh_from_db()
    assert (agent.outbox_depth, agent.outbox_dropped) == (2**31 - 1, 3)


def test_a_heartbeat_with_nan_is_400(acme, client):
    _agent, token = make_agent()
    response = client.post(
        "/agent/v1/heartbeat",
        b'{"outbox_depth": NaN}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert_refused(response, 400, "non_finite_number", "NaN")


@pytest.mark.parametrize(
    ("poison", "code"),
    [
        (b'{"license_key": "%s", "hostname": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too_deep"),
        (b'{"license_key": "%s", "hostname": "pc\\ud800"}', "bad_string"),
        (b'{"license_key": "%s", "hostname": "pc", "x": 1e999}', "non_finite_number"),
    ],
    ids=["5000-levels", "lone-surrogate", "1e999"],
)
def test_a_poison_enrolment_is_400_before_authentication_and_a_good_one_works(acme, client, poison, code):
    _key, text = license_key_generate(site=make_site())
    for body in (poison.replace(b"%s", b"nonsense"), poison.replace(b"%s", text.encode())):
        response = client.post("/agent/v1/enroll", body, content_type="application/json")
        assert response.status_code == 400, response.content
        assert response.json()["code"] == code and response.json()["detail"]
    good = {"license_key": text, "hostname": "pc-9"}
    response = client.post("/agent/v1/enroll", json.dumps(good), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Agent.objects.filter(public_id=response.json()["agent_id"]).exists()


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("limit=36893488147419103233", 2),
        ("limit=99999999999999999999999999999999999999", 2),
        ("limit=1", 1),
        ("limit=garbage", 2),
        ("limit=-5", 2),
        ("limit=0", 2),
        ("offset=36893488147419103233", 0),
        ("offset=garbage", 2),
        ("limit=1&offset=-1", 1),
    ],
)
def test_dealer_api_pagination_clamps_out_of_range_or_garbage_limits_instead_of_failing(acme, monkeypatch, query, page):
    from portal.lib.pagination import BoundedLimitOffsetPagination

    assert BoundedLimitOffsetPagination.max_limit == 1000
    monkeypatch.setattr(BoundedLimitOffsetPagination, "max_limit", 2)
    monkeypatch.setattr(BoundedLimitOffsetPagination, "default_limit", 2)
    for _ in range(3):
        make_site()
    client = api_client_for(acme, acme.viewer)
    response = client.get(f"/api/v1/customers/?{query}")
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == page
    assert response.json()["count"] >= 3
