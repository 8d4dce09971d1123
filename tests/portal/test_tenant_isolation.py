"""Dealer B, with its own valid credentials, asks for every dealer-A URL: it gets 404 or 401, never A's data."""

import gzip
import json
import re
import uuid
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import tenant_context

from agents.models import DirectiveResult
from agents.services.directives import directive_request
from agents.services.keys import license_key_generate
from meters.services.reading_requests import reading_request_create
from portal.accounts.services import api_token_create
from reports.models import ReportSchedule
from reports.services.runs import report_run_request
from reports.services.schedules import schedule_save
from tests.meters.ingest_support import LIFE_COUNT, discover, hours_ago, read, set_value
from tests.support.factories import make_agent, make_site
from tests.support.personas import client_for


def dealer_url_patterns(resolver=None, prefix=""):
    """Every (route, name) of the dealer host's URLconf, with their converters still in place."""
    resolver = resolver or get_resolver("portal.urls_dealer")
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from dealer_url_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name or ""


@pytest.fixture
def acme_objects(acme):
    """One of everything in dealer A, and the secret credentials A's own people hold."""
    agent, agent_token = make_agent(site=make_site(customer_name="Acme Secret Customer"))
    key, _ = license_key_generate(site=agent.site)
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    device = discover(agent, "konica_c250i", "10.9.9.9")
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(LIFE_COUNT, 5_000))
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=set_value(LIFE_COUNT, 5))
    schedule = schedule_save(schedule=ReportSchedule(customer=agent.site.customer))
    run = report_run_request(customer=agent.site.customer, requested_by="test")
    reading_request, reading_token = reading_request_create(device=device, recipients=["it@a.example"], by="test")
    return {
        "agent": agent,
        "site": agent.site,
        "customer": agent.site.customer,
        "key": key,
        "user": acme.admin,
        "schedule": schedule,
        "report": run,
        "directive": directive,
        "agent_token": agent_token,
        "device": device,
        "flag": device.flags.get(),
        "reading_request": reading_request,
        "result": DirectiveResult.objects.filter(directive__site=agent.site).first(),
        "credential": agent.site.snmp_credentials.first(),
        "reading_link": SimpleNamespace(public_id=reading_token),
    }


def object_for(route: str, name: str, objects) -> object | None:
    if "<" not in route or "format" in route:
        return None
    words = (
        ("credential", "credential"),
        ("report", "report"),
        ("schedule", "customer"),
        ("meter-flag", "flag"),
        ("flag", "flag"),
        ("device", "device"),
        ("customer", "customer"),
        ("site", "site"),
        ("key", "key"),
        ("reading-link", "reading_link"),  # the customer's emailed link: its token
        ("reading", "reading_request"),
        ("directive", "directive"),
        ("result", "result"),
    )
    words += ("agent", "agent"), ("user", "user"), ("password-reset", "user")  # a reset link naming A's user
    for word, obj in words:
        if word in name or word in route:
            return objects[obj]
    raise AssertionError(f"no dealer-A object to fill {route} ({name}): extend object_for")


NAMED = {"site_id": "site", "customer_id": "customer", "schedule_id": "schedule", "directive_id": "directive"}


def concrete(route: str, obj, objects) -> str:
    """`customers/<uuid:public_id>/` -> `/customers/<A's uuid>/` (regex routes from DRF's router too)."""

    def fill(match) -> str:
        name = match.group("name")
        return str((objects[NAMED[name]] if name in NAMED else obj).public_id)

    text = re.sub(r"\(\?P<(?P<name>[^>]+)>[^)]+\)", fill, route)
    text = re.sub(r"<(?:[^:>]+:)?(?P<name>[^>]+)>", fill, text)
    return "/" + text.replace("^", "").replace("$", "")


def test_dealer_b_staff_get_404_for_every_dealer_a_object_url(acme_objects, beta):
    client = client_for(beta, beta.admin)
    checked = 0
    for route, name in dealer_url_patterns():
        obj = object_for(route, name, acme_objects)
        if obj is None:
            continue
        url = concrete(route, obj, acme_objects)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), f"{method.upper()} {url} gave {response.status_code}"
            assert "Acme Secret Customer" not in response.content.decode(errors="replace")
            checked += 1
    assert checked >= 20


def test_dealer_b_lists_never_show_dealer_a_rows(acme_objects, beta):
    client = client_for(beta, beta.admin)
    for url in (
        "/",
        "/customers/?show=all",
        "/agents/",
        "/api/v1/customers/",
        "/api/v1/sites/",
        "/api/v1/agents/",
        "/api/v1/license-keys/",
        "/api/v1/devices/",
        "/api/v1/meter-flags/?state=all",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "Acme Secret Customer" not in body and str(acme_objects["site"].public_id) not in body, url
        assert acme_objects["device"].serial not in body, url


def test_dealer_b_session_cookie_is_worth_nothing_at_dealer_a_host(acme_objects, acme, beta):
    b_client = client_for(beta, beta.admin)
    at_a = client_for(acme, host=acme.host)
    at_a.cookies = b_client.cookies
    page = at_a.get(f"/customers/{acme_objects['customer'].public_id}/")
    assert page.status_code == 302 and page.url.startswith("/accounts/sign-in/")
    assert at_a.get("/api/v1/customers/").status_code in (401, 403)


def test_dealer_b_api_token_gets_401_at_dealer_a(acme_objects, acme, beta):
    with tenant_context(beta.dealer):
        _token, text = api_token_create(user=beta.admin, name="erp")
    at_a = client_for(acme, host=acme.host)
    for url in ("/api/v1/customers/", f"/api/v1/customers/{acme_objects['customer'].public_id}/", "/api/v1/agents/"):
        assert at_a.get(url, HTTP_AUTHORIZATION=f"Token {text}").status_code == 401, url
    at_b = client_for(beta, host=beta.host)
    url = f"/api/v1/customers/{acme_objects['customer'].public_id}/"
    assert at_b.get(url, HTTP_AUTHORIZATION=f"Token {text}").status_code == 404


def test_dealer_b_agent_cannot_touch_dealer_a_directives(acme_objects, beta, client):
    with tenant_context(beta.dealer):
        _agent, b_token = make_agent()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {b_token}"}
    assert client.get("/agent/v1/directives", **auth).json()["directives"] == []
    directive_id = acme_objects["directive"].public_id
    response = client.post(
        f"/agent/v1/directives/{directive_id}/result",
        gzip.compress(json.dumps({"kind": "read"}).encode()),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        **auth,
    )
    assert response.status_code == 404


def test_a_token_with_dealer_a_prefix_but_dealer_b_secret_gets_401(acme_objects, beta, client):
    with tenant_context(beta.dealer):
        _agent, b_token = make_agent()
    forged = b_token.replace("mbt_beta_", "mbt_acme_")
    assert client.get("/agent/v1/directives", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_dealer_b_license_key_cannot_enroll_at_dealer_a(acme_objects, beta, client):
    with tenant_context(beta.dealer):
        _key, b_key = license_key_generate(site=make_site())
    forged = b_key.replace("mbl_beta_", "mbl_acme_")
    response = client.post(
        "/agent/v1/enroll", {"license_key": forged, "hostname": "x"}, content_type="application/json"
    )
    assert response.status_code == 401
