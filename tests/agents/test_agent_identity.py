"""Two agents of one key told apart: a name given at install (or "<hostname> @ <site>"), renamed by the dealer on
the agents page or the API, and the agents page showing what a technician needs."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import Agent
from agents.services.enrolment import agent_heartbeat
from agents.services.keys import license_key_generate
from tests.agents.test_agent_api import post_json
from tests.e2e.agent_process import agent_cli
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for


def enroll(client, site, **extra):
    _key, text = license_key_generate(site=site)
    return post_json(client, "/agent/v1/enroll", {"license_key": text, "hostname": "vm", **extra})


def test_two_agents_of_one_key_get_names_that_tell_them_apart(acme, client):
    site = make_site(site_name="Head office")
    named = enroll(client, site, name="  Reception PC ")
    unnamed = enroll(client, site)  # an agent from before names: still enrols
    assert named.status_code == unnamed.status_code == 201
    assert Agent.objects.get(public_id=named.json()["agent_id"]).name == "Reception PC"
    assert Agent.objects.get(public_id=unnamed.json()["agent_id"]).name == "vm @ Head office"


@pytest.mark.parametrize("name", ["x" * 101, "Reception\nPC", "tab\there"])
def test_a_bad_name_is_refused_with_a_reason(acme, client, name):
    response = enroll(client, make_site(), name=name)
    assert response.status_code == 400 and "name" in response.json()["fields"], response.content


def test_a_heartbeat_never_undoes_a_rename(acme):
    agent, _ = make_agent(hostname="vm")
    Agent.objects.filter(pk=agent.pk).update(name="Back office PC")  # the dealer renamed it meanwhile
    agent_heartbeat(agent=agent, report={"hostname": "vm"})  # the heartbeat's copy still has the old name
    agent.refresh_from_db()
    assert agent.name == "Back office PC"


def test_a_technician_renames_an_agent_through_the_api(acme):
    agent, _ = make_agent(hostname="vm")
    api = api_client_for(acme, acme.technician)
    url = f"/api/v1/agents/{agent.public_id}/"
    response = api.patch(url, {"name": "Reception PC", "hostname": "evil"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["name"] == "Reception PC"
    assert response.json()["hostname"] == "vm"  # the agent's own report is not the dealer's to change
    assert api.get(url).json()["name"] == "Reception PC"
    assert api.patch(url, {"name": "x" * 101}, content_type="application/json").status_code == 400
    assert api.patch(url, {}, content_type="application/json").status_code == 400
    assert api.patch(url, "712", content_type="application/json").status_code == 400  # not an object
    assert api.put(url, {"name": "y"}, content_type="application/json").status_code == 405
    assert api.patch(url, {"name": ""}, content_type="application/json").json()["name"] == f"vm @ {agent.site.name}"
    viewer = api_client_for(acme, acme.viewer).patch(url, {"name": "Nope"}, content_type="application/json")
    assert viewer.status_code == 403


def test_a_technician_renames_an_agent_on_the_agents_page(acme):
    agent, _ = make_agent(hostname="vm")
    page = client_for(acme, acme.technician)
    response = page.post(f"/agents/{agent.public_id}/rename/", {"name": "Reception PC"}, follow=True)
    assert "Reception PC" in response.content.decode()
    agent.refresh_from_db()
    assert agent.name == "Reception PC"
    refused = page.post(f"/agents/{agent.public_id}/rename/", {"name": "a\nb"}, follow=True)
    assert "The name was not changed" in refused.content.decode()
    viewer = client_for(acme, acme.viewer).post(f"/agents/{agent.public_id}/rename/", {"name": "Nope"})
    assert viewer.status_code == 403
    agent.refresh_from_db()
    assert agent.name == "Reception PC"


def test_the_agents_page_shows_what_a_technician_needs(acme):
    site = make_site(customer_name="Page Dental", site_name="Upstairs")
    agent, _ = make_agent(site=site, hostname="vm-upstairs")
    report = {"agent_version": "0.9.1", "outbox_depth": 7, "networks": ["10.20.0.0/24"], "last_error": "SNMP timeout"}
    agent_heartbeat(agent=agent, report=report)
    quiet, _ = make_agent(site=site, hostname="vm-quiet")
    Agent.objects.filter(pk=quiet.pk).update(last_seen_at=timezone.now() - timedelta(days=3, hours=1))
    html = client_for(acme, acme.technician).get("/agents/").content.decode()
    for shown in (
        "vm-upstairs @ Upstairs",
        "vm-upstairs",
        "Page Dental",
        "Linux",
        "v0.9.1",
        "10.20.0.0/24",
        "SNMP timeout",
        "silent for 3 days",
        f"/agents/{agent.public_id}/rename/",
    ):
        assert shown in html, shown
    assert html.count("silent for") == 1  # the agent heard from just now is not
    site_page = client_for(acme, acme.technician).get(f"/sites/{site.public_id}/").content.decode()
    assert "vm-quiet @ Upstairs" in site_page


def test_the_real_agent_enrols_with_its_name_against_the_live_portal(committed, portal_server, tmp_path):
    dealer = committed["acme"].dealer
    with tenant_context(dealer):
        site = make_site(customer_name="Named Customer", site_name="Shop")
        keys = [license_key_generate(site=site)[1] for _ in range(2)]
    agent_cli(tmp_path / "a.toml", "enroll", "--portal", portal_server, "--key", keys[0], "--name", "Reception PC")
    agent_cli(tmp_path / "b.toml", "enroll", "--portal", portal_server, "--key", keys[1])
    with tenant_context(dealer):
        names = sorted(Agent.objects.filter(site=site).values_list("name", flat=True))
        site.directives.all().delete()  # the enrolments' scans are not this test's subject
    assert names == sorted(["Reception PC", f"{socket.gethostname()} @ Shop"])
