"""SNMP credentials per customer and per site: set in the pages and the dealer API, encrypted, never shown or logged
again, tried in the dealer's order, and sent to agents only where a site needs them."""

import json
import logging

import pytest
from django.utils import timezone

from agents.choices import DirectiveKind
from agents.models import Directive, SnmpCredential
from agents.services.credentials import credential_create, site_credentials
from agents.services.customers import customer_create, site_create
from agents.services.directives import directive_payload
from meters.models import Device
from meters.services.credential_tests import credential_test_ingest, credential_test_request, device_test_request
from meters.services.plans import discover_directive_request, read_directive_request
from tests.support.factories import make_agent, make_site, unique
from tests.support.personas import TenantClient, api_client_for, client_for

COMMUNITY = "s3cret-community-71"
AUTH_KEY = "auth-key-never-shown-42"
PRIV_KEY = "priv-key-never-shown-43"
SECRETS = (COMMUNITY, AUTH_KEY, PRIV_KEY)
V3 = {
    "version": "3",
    "user": "mb-authpriv",
    "auth_protocol": "SHA256",
    "auth_key": AUTH_KEY,
    "priv_protocol": "AES256",
    "priv_key": PRIV_KEY,
}


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"secret shown: {leaked}"


def device_at(site, ip: str, credential=None) -> Device:
    now = timezone.now()
    return Device.objects.create(
        site=site,
        identity_key=unique("serial:T"),
        serial="T1",
        ip=ip,
        port=161,
        credential=credential,
        first_seen_at=now,
        last_seen_at=now,
    )


def test_a_v3_user_added_on_the_site_page_is_encrypted_and_never_shown_again(acme, every_log):
    site = make_site()
    client = client_for(acme, acme.technician)
    response = client.post(f"/sites/{site.public_id}/credentials/new/", {"label": "IT's monitor user", **V3})
    assert response.status_code == 302 and response.url.endswith("#snmp-credentials")

    stored = SnmpCredential.objects.get(site=site, v3_user="mb-authpriv")
    assert stored.position == 2  # after the two "public" defaults of a new site
    assert stored.auth_key_encrypted and stored.priv_key_encrypted and not stored.community_encrypted
    assert_no_secret(stored.auth_key_encrypted + stored.priv_key_encrypted)
    page = client.get(f"/sites/{site.public_id}/", follow=True).content.decode()
    assert "user mb-authpriv" in page and "SHA-256 / AES-256" in page and "community ••••" in page
    assert_no_secret(page)
    form = client.get(f"/credentials/{stored.public_id}/edit/").content.decode()
    assert "mb-authpriv" in form and "Stored. Leave blank to keep it" in form
    assert_no_secret(form)
    assert_no_secret(every_log.text)


def test_an_edit_with_blank_secrets_keeps_them_and_a_typed_one_replaces_it(acme):
    credential = credential_create(site=make_site(), label="old", **V3)
    client = client_for(acme, acme.technician)
    edit = f"/credentials/{credential.public_id}/edit/"
    form = {**V3, "label": "renamed", "auth_key": "", "priv_key": ""}
    assert client.post(edit, form).status_code == 302
    kept = SnmpCredential.objects.get(pk=credential.pk).as_directive_credential()
    assert (kept["auth_key"], kept["priv_key"]) == (AUTH_KEY, PRIV_KEY)
    client.post(edit, {**form, "priv_key": "a-new-privacy-key"})
    assert SnmpCredential.objects.get(pk=credential.pk).as_directive_credential()["priv_key"] == "a-new-privacy-key"
    client.post(edit, {"version": "2c", "community": COMMUNITY, "label": "now a community"})
    now = SnmpCredential.objects.get(pk=credential.pk)
    assert now.as_directive_credential() == {"id": f"c{now.pk}", "version": "2c", "community": COMMUNITY}
    assert not (now.auth_key_encrypted or now.priv_key_encrypted or now.v3_user)


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({**V3, "auth_key": "short"}, "auth_key", "at least 8 characters"),
        ({**V3, "priv_key": "7-chars"}, "priv_key", "at least 8 characters"),
        ({**V3, "auth_protocol": "", "auth_key": ""}, "priv_protocol", "Privacy needs authentication"),
        ({**V3, "user": ""}, "user", "needs a user name"),
        ({"version": "2c", "community": ""}, "community", "community string is required"),
    ],
    ids=["short-auth-key", "short-priv-key", "priv-without-auth", "no-user", "no-community"],
)
def test_bad_credentials_are_refused_with_the_reason_in_the_page_and_the_api(acme, fields, field, reason):
    site = make_site()
    page = client_for(acme, acme.technician).post(f"/sites/{site.public_id}/credentials/new/", fields)
    assert page.status_code == 200 and reason in page.content.decode()
    api = api_client_for(acme, acme.technician)
    response = api.post(
        "/api/v1/snmp-credentials/", {"site": str(site.public_id), **fields}, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()["fields"][field])
    assert site.snmp_credentials.count() == 2  # the defaults only


def test_the_dealer_reorders_and_removes_credentials_and_the_agent_tries_them_in_that_order(acme):
    site = make_site()
    v3 = credential_create(site=site, label="v3", **V3)
    client = client_for(acme, acme.technician)
    client.post(f"/credentials/{v3.public_id}/move/", {"direction": "up"})
    client.post(f"/credentials/{v3.public_id}/move/", {"direction": "up"})
    assert [c.version for c in site_credentials(site)] == ["3", "2c", "1"]
    v1 = site.snmp_credentials.get(version="1")
    client.post(f"/credentials/{v1.public_id}/remove/")
    assert [(c.version, c.position) for c in site_credentials(site)] == [("3", 0), ("2c", 1)]
    payload = directive_payload(directive=discover_directive_request(site=site))
    assert [c["version"] for c in payload["credentials"]] == ["3", "2c"]


def test_customer_credentials_apply_to_its_sites_after_their_own(acme):
    customer = customer_create(name=unique("Northwind"))
    first = credential_create(customer=customer, version="2c", community=COMMUNITY, label="corporate")
    second = credential_create(customer=customer, label="monitoring", **V3)
    site = site_create(customer=customer, name="Plant 2")
    assert site.snmp_credentials.count() == 0  # no "public" defaults where the customer has its own
    own = credential_create(site=site, version="2c", community="plant-2-only")
    assert site_credentials(site) == [own, first, second]
    payload = directive_payload(directive=discover_directive_request(site=site))
    assert [c["id"] for c in payload["credentials"]] == [f"c{own.pk}", f"c{first.pk}", f"c{second.pk}"]

    api = api_client_for(acme, acme.viewer)
    listed = api.get(f"/api/v1/snmp-credentials/?site={site.public_id}&effective=true").json()["results"]
    assert [c["id"] for c in listed] == [str(own.public_id), str(first.public_id), str(second.public_id)]
    page = client_for(acme, acme.viewer).get(f"/sites/{site.public_id}/").content.decode()
    assert page.index("corporate") < page.index("monitoring") and "plant-2-only" not in page
    assert "Add SNMP credential" not in page  # a viewer sees the list only
    assert_no_secret(page)


def test_a_site_of_a_customer_without_credentials_keeps_public(acme):
    site = make_site()
    assert [(c.version, c.as_directive_credential()["community"]) for c in site_credentials(site)] == [
        ("2c", "public"),
        ("1", "public"),
    ]


def test_the_api_creates_updates_and_deletes_credentials_and_never_returns_a_secret(acme, every_log):
    site = make_site()
    api = api_client_for(acme, acme.technician)
    created = api.post(
        "/api/v1/snmp-credentials/",
        {"site": str(site.public_id), "label": "api", "position": 0, **V3},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["user"] == "mb-authpriv" and body["has_auth_key"] and body["has_priv_key"] and body["position"] == 0
    assert not {"auth_key", "priv_key", "community"} & body.keys()
    url = f"/api/v1/snmp-credentials/{body['id']}/"
    patched = api.patch(url, {"label": "renamed", "auth_key": ""}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["label"] == "renamed"
    assert SnmpCredential.objects.get(public_id=body["id"]).as_directive_credential()["auth_key"] == AUTH_KEY
    listed = api.get(f"/api/v1/snmp-credentials/?site={site.public_id}")
    assert [c["position"] for c in listed.json()["results"]] == [0, 1, 2]
    for text in (created.content, patched.content, listed.content, api.get(url).content):
        assert_no_secret(text.decode())
    assert api.delete(url).status_code == 204
    assert not SnmpCredential.objects.filter(public_id=body["id"]).exists()
    assert_no_secret(every_log.text)


def test_credentials_are_the_dealers_own(acme, beta):
    credential = credential_create(site=make_site(), version="2c", community=COMMUNITY)
    outsider = client_for(beta, beta.admin)
    assert outsider.get(f"/credentials/{credential.public_id}/edit/").status_code == 404
    assert api_client_for(beta, beta.admin).get(f"/api/v1/snmp-credentials/{credential.public_id}/").status_code == 404
    viewer = client_for(acme, acme.viewer)
    assert viewer.post(f"/credentials/{credential.public_id}/remove/").status_code == 403
    assert SnmpCredential.objects.filter(pk=credential.pk).exists()


def test_a_read_carries_only_the_credential_each_device_answered_to(acme):
    site = make_site()
    v3 = credential_create(site=site, **V3)
    device_at(site, "10.61.0.5", credential=v3)
    payload = directive_payload(directive=read_directive_request(site=site))
    assert "credentials" not in payload
    assert [d["credential"]["id"] for d in payload["devices"]] == [f"c{v3.pk}"]
    assert "public" not in json.dumps(payload)

    SnmpCredential.objects.filter(pk=v3.pk).delete()  # removed: read with the site's first until a test finds one
    payload = directive_payload(directive=read_directive_request(site=site))
    first = site_credentials(site)[0]
    assert [d["credential"]["id"] for d in payload["devices"]] == [f"c{first.pk}"]


def test_a_directive_never_carries_another_sites_credential(acme):
    site, other = make_site(), make_site(customer_name="Other")
    foreign = credential_create(site=other, version="2c", community=COMMUNITY)
    directive = Directive.objects.create(
        site=site, kind=DirectiveKind.TEST, params={"targets": [], "credential_refs": [foreign.pk]}
    )
    assert directive_payload(directive=directive)["credentials"] == []


def test_a_second_test_click_adds_to_the_pending_test(acme):
    site = make_site()
    device = device_at(site, "10.61.0.9")
    community = site_credentials(site)[0]
    device_test_request(device=device, requested_by="t")
    credential_test_request(credential=community, requested_by="t", address="10.61.0.77")
    directive = Directive.objects.get(site=site, kind=DirectiveKind.TEST)
    assert [t["ip"] for t in directive.params["targets"]] == ["10.61.0.9", "10.61.0.77"]
    assert directive.params["credential_refs"] == [c.pk for c in site_credentials(site)]


def test_test_outcomes_are_recorded_on_the_device_and_the_credential(acme):
    agent, _token = make_agent()
    site = agent.site
    community, _v1 = site_credentials(site)
    v3 = credential_create(site=site, **V3)
    printer, silent = device_at(site, "10.62.0.5", credential=community), device_at(site, "10.62.0.6")
    directive = device_test_request(device=printer, requested_by="t")
    device_test_request(device=silent, requested_by="t")

    def tried(ip, device, statuses):
        refs = directive.params["credential_refs"]
        results = [
            {"credential_id": f"c{pk}", "status": status, "message": status, "sys_descr": "RICOH MP C3002"}
            for pk, status in zip(refs, statuses, strict=True)
        ]
        return {"ip": ip, "port": 161, "device_id": str(device.public_id), "results": results}

    payload = {
        "kind": "test",
        "targets": [
            tried("10.62.0.5", printer, ["wrong_community", "timeout", "ok"]),
            tried("10.62.0.6", silent, ["timeout", "timeout", "timeout"]),
        ],
    }
    result = directive.results.create(agent=agent, idempotency_key="k-test", payload=payload)
    Directive.objects.filter(pk=directive.pk).update(status="done")  # as the upload leaves it
    assert credential_test_ingest(result, payload) == []
    printer.refresh_from_db()
    assert printer.last_test["status"] == "ok" and printer.last_test["credential"] == "SNMPv3 mb-authpriv"
    assert printer.credential == v3  # what answered now is what reads use
    silent.refresh_from_db()
    assert silent.last_test["status"] == "timeout" and silent.credential is None
    community.refresh_from_db()
    assert community.last_test["status"] == "wrong_community"
    assert [t["status"] for t in community.last_test["targets"]] == ["wrong_community", "timeout"]
    v3.refresh_from_db()
    assert (v3.last_test["status"], v3.last_test["answered"], v3.last_test["tried"]) == ("partial", 1, 2)
    page = client_for(acme, acme.technician).get(f"/devices/{printer.public_id}/").content.decode()
    assert "ok · SNMPv3 mb-authpriv" in page
    assert "wrong community" in client_for(acme, acme.technician).get(f"/sites/{site.public_id}/").content.decode()


def test_an_agent_too_old_to_test_gets_a_clear_outcome_not_a_wait(acme):
    agent, _token = make_agent()
    device = device_at(agent.site, "10.63.0.5")
    directive = device_test_request(device=device, requested_by="t")
    payload = {"kind": "test", "errors": [{"target": "", "code": "unsupported", "message": "unknown kind 'test'"}]}
    result = directive.results.create(agent=agent, idempotency_key="k-old", payload=payload)
    credential_test_ingest(result, payload)
    device.refresh_from_db()
    assert device.last_test["status"] == "error" and "too old" in device.last_test["detail"]


def test_the_test_buttons_in_the_api(acme):
    site = make_site()
    device = device_at(site, "10.64.0.5")
    api = api_client_for(acme, acme.technician)
    queued = api.post(f"/api/v1/devices/{device.public_id}/test/")
    assert queued.status_code == 202 and queued.json()["kind"] == "test"
    credential = site_credentials(site)[0]
    bad = api.post(
        f"/api/v1/snmp-credentials/{credential.public_id}/test/",
        {"address": "printer 7"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "bad_address"
    every = api.post(f"/api/v1/snmp-credentials/{credential.public_id}/test/", {}, content_type="application/json")
    assert every.status_code == 202 and len(every.json()) == 1
    viewer = api_client_for(acme, acme.viewer)
    assert viewer.post(f"/api/v1/devices/{device.public_id}/test/").status_code == 403


def test_operators_set_credentials_in_the_admin_with_write_only_secrets(acme, every_log):
    from django_tenants.utils import schema_context

    from portal.accounts.models import User

    site = make_site()
    with schema_context("public"):
        operator = User.objects.create_superuser(email="credentials-operator@meterbridge.example", password="x" * 20)
        admin = TenantClient(HTTP_HOST="localhost")  # the central host: the operators' admin
        admin.force_login(operator)
    assert "Acme Copiers" in admin.get("/admin/agents/snmpcredential/").content.decode()  # whose? first
    listed = admin.get("/admin/agents/snmpcredential/?dealer=acme").content.decode()
    assert "SNMPv2c" in listed and str(site) in listed

    form = {
        "site": site.pk,
        "label": "from the admin",
        "v3_user": "mb-authpriv",
        "version": "3",
        "auth_protocol": "SHA",
        "auth_key": AUTH_KEY,
        "priv_protocol": "AES",
        "priv_key": "short",
    }
    refused = admin.post("/admin/agents/snmpcredential/add/", form).content.decode()
    assert "at least 8 characters" in refused and AUTH_KEY not in refused
    assert admin.post("/admin/agents/snmpcredential/add/", {**form, "priv_key": PRIV_KEY}).status_code == 302
    credential = SnmpCredential.objects.get(site=site, label="from the admin")
    page = admin.get(f"/admin/agents/snmpcredential/{credential.pk}/change/").content.decode()
    assert "mb-authpriv" in page
    assert_no_secret(page)
    changed = {**form, "label": "renamed", "auth_key": "", "priv_key": ""}
    assert admin.post(f"/admin/agents/snmpcredential/{credential.pk}/change/", changed).status_code == 302
    kept = SnmpCredential.objects.get(pk=credential.pk)
    assert kept.label == "renamed" and kept.as_directive_credential()["priv_key"] == PRIV_KEY
    assert_no_secret(every_log.text)
