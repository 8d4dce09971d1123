"""Abuse, as an attacker tries it: a forged X-Forwarded-For against the throttles, an open redirect through
`next`, technicians handing out access, and pages that would run script from anywhere (Content-Security-Policy)."""

import json

import pytest
from django.test import override_settings

from agents.models import Agent, Customer, LicenseKey
from agents.services.keys import license_key_generate
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for

BOGUS_KEY = "mbl_acme_aaaaaaaa_" + "a" * 32
JSON = "application/json"


def enroll(client, license_key: str = BOGUS_KEY, **headers):
    body = json.dumps({"license_key": license_key, "hostname": "pc-x", "os": "Linux", "agent_version": "1"})
    return client.post("/agent/v1/enroll", body, content_type=JSON, **headers)


@pytest.fixture
def production_rate(monkeypatch):
    from agents.agent_api.views import EnrolmentThrottle

    # The suite's own rate is high (it enrols many agents from one address); the counts are per run (cache prefix).
    monkeypatch.setattr(EnrolmentThrottle, "THROTTLE_RATES", {"enrolment": "10/minute"})


def proxy_hops(hops: int):
    from django.conf import settings

    return override_settings(TRUSTED_PROXY_HOPS=hops, REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": hops})


# --- trusted proxies -----------------------------------------------------------------------------------------------


def test_a_rotating_forwarded_for_does_not_dodge_the_enrolment_throttle(acme, client, production_rate):
    codes = [
        enroll(client, REMOTE_ADDR="203.0.113.61", HTTP_X_FORWARDED_FOR=f"10.9.8.{n}").status_code for n in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_behind_one_proxy_the_address_it_saw_counts_and_is_stored(acme, client, production_rate):
    with proxy_hops(1):
        # nginx appends the address it saw; whatever the client wrote before it is ignored.
        forged = [f"10.9.7.{n}, 198.51.100.62" for n in range(11)]
        codes = [enroll(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=xff).status_code for xff in forged]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        assert enroll(client, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.63").status_code == 401
        _key, text = license_key_generate(site=make_site())
        enrolled = enroll(client, text, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.64")
    assert enrolled.status_code == 201
    assert Agent.objects.get(public_id=enrolled.json()["agent_id"]).last_ip == "198.51.100.64"


def test_without_proxies_the_forwarded_for_is_not_stored_as_the_agents_address(acme, client):
    _key, text = license_key_generate(site=make_site())
    enrolled = enroll(client, text, REMOTE_ADDR="203.0.113.65", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert Agent.objects.get(public_id=enrolled.json()["agent_id"]).last_ip == "203.0.113.65"


# --- open redirect -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/", "/\\evil.example", "http://acme.localhost.evil.example/"],
)
def test_switching_an_agent_off_never_redirects_to_another_site(acme, target):
    agent, _token = make_agent()
    response = client_for(acme, acme.admin).post(f"/agents/{agent.public_id}/revoke/", {"next": target})
    assert response.status_code == 302 and response.url == "/agents/"


def test_switching_an_agent_off_returns_to_the_page_it_was_on(acme):
    agent, _token = make_agent()
    page = f"/sites/{agent.site.public_id}/"
    response = client_for(acme, acme.admin).post(f"/agents/{agent.public_id}/revoke/", {"next": page})
    assert response.url == page


# --- technicians and access --------------------------------------------------------------------------------------


@pytest.fixture
def technicians_allowed(acme):
    """Rolled back with the test's transaction, like every row it writes."""
    acme.dealer.technicians_manage_keys = True
    acme.dealer.save(update_fields=["technicians_manage_keys"])


def access_posts(site, agent, key) -> dict[str, str]:
    return {
        "generate a key": f"/sites/{site.public_id}/keys/",
        "revoke a key": f"/keys/{key.public_id}/revoke/",
        "switch an agent off": f"/agents/{agent.public_id}/revoke/",
        "archive the site": f"/sites/{site.public_id}/archive/",
        "archive the customer": f"/customers/{site.customer.public_id}/archive/",
    }


def test_a_technician_cannot_hand_out_or_take_back_access_by_default(acme):
    agent, _token = make_agent()
    site = agent.site
    key, _text = license_key_generate(site=site)
    tech = client_for(acme, acme.technician)
    page = tech.get(f"/sites/{site.public_id}/").content.decode()
    for button in ("Generate licence key", "Revoke", "Switch off", "Archive"):
        assert button not in page, button
    assert "Scan now" in page and "Edit" in page  # the rest of a technician's work stays
    assert "Archive" not in tech.get(f"/customers/{site.customer.public_id}/").content.decode()
    assert "Revoke" not in tech.get("/agents/").content.decode()
    for what, path in access_posts(site, agent, key).items():
        assert tech.post(path).status_code == 403, what
    for row in (key, agent, site, site.customer):
        row.refresh_from_db()
    assert key.revoked_at is None and agent.revoked_at is None
    assert site.archived_at is None and site.customer.archived_at is None
    assert site.license_keys.count() == 2  # make_agent's and this test's: no new one


def test_a_technician_cannot_do_it_through_the_api_either(acme):
    agent, _token = make_agent()
    site = agent.site
    key, _text = license_key_generate(site=site)
    api = api_client_for(acme, acme.technician)
    attempts = {
        "generate a key": api.post(
            "/api/v1/license-keys/", {"site": str(site.public_id)}, content_type="application/json"
        ),
        "revoke a key": api.post(f"/api/v1/license-keys/{key.public_id}/revoke/"),
        "switch an agent off": api.post(f"/api/v1/agents/{agent.public_id}/revoke/"),
        "archive the site": api.delete(f"/api/v1/sites/{site.public_id}/"),
        "archive the customer": api.delete(f"/api/v1/customers/{site.customer.public_id}/"),
    }
    for what, response in attempts.items():
        assert response.status_code == 403, what
        assert "Dealer settings" in response.json()["detail"], what
    assert LicenseKey.objects.filter(site=site, revoked_at__isnull=True).count() == 2  # make_agent's and `key`
    assert not Customer.objects.filter(pk=site.customer.pk, archived_at__isnull=False).exists()
    # Everything else a technician does through the API still works.
    assert api.get(f"/api/v1/license-keys/?site={site.public_id}").status_code == 200
    assert (
        api.patch(f"/api/v1/sites/{site.public_id}/", {"name": "Plant 9"}, content_type="application/json").status_code
        == 200
    )


def test_an_admin_lets_technicians_manage_keys_in_dealer_settings(acme):
    admin = client_for(acme, acme.admin)
    form = admin.get("/accounts/settings/").content.decode()
    assert 'name="technicians_manage_keys"' in form
    dealer_settings = {"name": acme.dealer.name, "toner_alert_percent": 15, "discovery_weekdays": [0]}
    dealer_settings |= {"discovery_hour": 14, "read_hours": [7], "status_interval_minutes": 60}
    assert admin.post("/accounts/settings/", {**dealer_settings, "technicians_manage_keys": "on"}).status_code == 302
    acme.dealer.refresh_from_db()
    assert acme.dealer.technicians_manage_keys
    site = make_site()
    tech = client_for(acme, acme.technician)
    assert "Generate licence key" in tech.get(f"/sites/{site.public_id}/").content.decode()
    tech.post(f"/sites/{site.public_id}/keys/", {"label": "reception"})
    assert site.license_keys.count() == 1
    assert api_client_for(acme, acme.technician).delete(f"/api/v1/sites/{site.public_id}/").status_code == 204
    admin.post("/accounts/settings/", dealer_settings)  # unticked: admins only again
    acme.dealer.refresh_from_db()
    assert not acme.dealer.technicians_manage_keys
    assert tech.post(f"/sites/{make_site().public_id}/keys/").status_code == 403


def test_a_viewer_never_manages_keys_even_when_technicians_may(acme, technicians_allowed):
    site = make_site()
    assert client_for(acme, acme.viewer).post(f"/sites/{site.public_id}/keys/").status_code == 403
    api = api_client_for(acme, acme.viewer)
    assert (
        api.post("/api/v1/license-keys/", {"site": str(site.public_id)}, content_type="application/json").status_code
        == 403
    )
    assert site.license_keys.count() == 0


# --- Content-Security-Policy -------------------------------------------------------------------------------------


def test_every_page_says_it_loads_nothing_from_other_hosts(acme):
    site = make_site()
    admin = client_for(acme, acme.admin)
    pages = [admin.get(path) for path in ("/", "/devices/", "/customers/", f"/sites/{site.public_id}/", "/api/docs/")]
    pages.append(client_for(acme).get("/accounts/sign-in/"))
    for page in pages:
        assert page.status_code == 200
        policy = page["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, page.request["PATH_INFO"]
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy, page.request["PATH_INFO"]
    assert "Content-Security-Policy" not in admin.get("/api/v1/customers/", HTTP_ACCEPT="application/json")


@pytest.mark.parametrize(
    ("forwarded_for", "hops", "client"),
    [
        ("6.6.6.6, 198.51.100.1", 1, "198.51.100.1"),  # nginx appended what it saw
        ("6.6.6.6, 198.51.100.1, 10.0.0.2", 2, "198.51.100.1"),  # a load balancer, then nginx
        ("198.51.100.1", 2, "198.51.100.1"),  # fewer entries than hops: the first, as DRF takes it
        ("not-an-address", 1, "127.0.0.1"),  # garbage never becomes the client's address
        ("6.6.6.6", 0, "127.0.0.1"),
    ],
)
def test_the_client_address_is_taken_from_the_trusted_hops_only(forwarded_for, hops, client):
    from portal.security import forwarded_client

    assert forwarded_client("127.0.0.1", forwarded_for, hops) == client
