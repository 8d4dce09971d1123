"""The portal takes steady-state reads in the compact form the agent sends, and in the long form older agents send."""

import sqlite3
import uuid

from agent_client.delta import DeltaEncoder
from agents.models import DirectiveResult
from agents.services.deltas import whole_varbinds
from agents.services.directives import directive_request
from tests.agents.test_agent_api import upload
from tests.support.factories import make_agent

LIFE_COUNT, SUPPLY, NAME = "1.3.6.1.2.1.43.10.2.1.4.1.1", "1.3.6.1.2.1.43.11.1.1.9.1.1", "1.3.6.1.2.1.1.5.0"
VENDOR = "1.3.6.1.4.1.2385.1.1.19.2.1.3.1.4.60"
FIRST = [[NAME, "str", "printer"], [LIFE_COUNT, "counter32", 1000], [VENDOR, "counter32", 700], [SUPPLY, "int", 80]]
LATER = [
    [LIFE_COUNT, "counter32", 1250],
    [VENDOR, "counter32", 900],
    [SUPPLY, "int", 64],
    ["1.3.6.1.2.1.1.6.0", "str", "2nd floor"],
]


def _read(client, token, agent, devices: list[dict], encoder: DeltaEncoder):
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    full = {"kind": "read", "devices": devices}
    response = upload(client, token, directive, encoder.encode("read", full))
    assert response.status_code == 200, response.content
    encoder.remember("read", full, response.json()["result_id"])
    return DirectiveResult.objects.get(public_id=response.json()["result_id"])


def test_a_compact_read_is_stored_in_the_long_form_and_stands_for_the_whole_read(acme, client):
    agent, token = make_agent()
    encoder = DeltaEncoder(sqlite3.connect(":memory:"))
    ids = [str(uuid.uuid4()) for _ in range(3)]
    first = _read(client, token, agent, [{"device_id": i, "ok": True, "varbinds": FIRST} for i in ids], encoder)
    later = _read(client, token, agent, [{"device_id": ids[1], "ok": True, "varbinds": LATER}], encoder)

    (stored,) = later.payload["devices"]
    assert stored["device_id"] == ids[1] and stored["base"] == str(first.public_id)
    assert [LIFE_COUNT, "+", 250] in stored["changed"] and stored["removed"] == [NAME]
    assert sorted(whole_varbinds({ids[1]: stored})[ids[1]]) == sorted(LATER)

    again = _read(client, token, agent, [{"device_id": ids[1], "ok": True, "varbinds": LATER}], encoder)
    assert whole_varbinds({ids[1]: again.payload["devices"][0]}) == {ids[1]: whole_varbinds({ids[1]: stored})[ids[1]]}


def test_a_compact_read_naming_no_device_of_its_base_is_409_base_unknown(acme, client):
    agent, token = make_agent()
    encoder = DeltaEncoder(sqlite3.connect(":memory:"))
    base = _read(client, token, agent, [{"device_id": "d1", "ok": True, "varbinds": FIRST}], encoder)
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    for entry in ({"i": 5, "b": base.public_id.hex[:12]}, {"i": 0, "b": uuid.uuid4().hex[:12]}):
        response = upload(client, token, directive, {"kind": "read", "devices": [entry]})
        assert response.status_code == 409 and response.json()["code"] == "base_unknown"
    response = upload(client, token, directive, {"kind": "read", "devices": [{"i": 0, "b": "not hex"}]})
    assert response.status_code == 400 and response.json()["code"] == "malformed_result"
    assert not DirectiveResult.objects.filter(directive=directive).exists()


def test_another_sites_result_is_no_base(acme, client):
    agent, token = make_agent()
    other, other_token = make_agent()
    encoder = DeltaEncoder(sqlite3.connect(":memory:"))
    _read(client, other_token, other, [{"device_id": "d1", "ok": True, "varbinds": FIRST}], encoder)
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    sent = encoder.encode("read", {"kind": "read", "devices": [{"device_id": "d1", "ok": True, "varbinds": LATER}]})
    response = upload(client, token, directive, sent)
    assert response.status_code == 409 and response.json()["code"] == "base_unknown"


def test_relative_oids_that_grow_past_snmps_128_arcs_are_a_malformed_upload(acme, client):
    """Each "^0.1" is one arc longer than the OID before it: a few KB could otherwise expand into megabytes."""
    agent, token = make_agent()
    encoder = DeltaEncoder(sqlite3.connect(":memory:"))
    base = _read(client, token, agent, [{"device_id": "d1", "ok": True, "varbinds": FIRST}], encoder)
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    growing = [["^0.1", "int", 1] for _ in range(5000)]
    entry = {"i": 0, "b": base.public_id.hex[:12], "c": growing}
    response = upload(client, token, directive, {"kind": "read", "devices": [entry]})
    assert response.status_code == 400 and response.json()["code"] == "malformed_result"
    assert "128 arcs" in response.json()["detail"]
    assert not DirectiveResult.objects.filter(directive=directive).exists()
