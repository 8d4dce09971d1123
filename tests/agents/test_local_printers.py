"""The printers an agent's own host prints to (the Windows spooler's, CUPS queues), sent in its discovery result,
shown on the agents page and in the API; a hostile entry costs that entry, never the upload."""

import uuid
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from agent_client.discovery.windows_spooler import parse_instances, printer_records
from agents.models import Agent, DirectiveResult
from agents.services.directives import directive_request
from agents.services.results import MAX_LOCAL_PRINTERS, agent_local_printers_record
from meters.services.ingest import result_interpret
from tests.agents.test_agent_api import get_directives, post_json
from tests.support.factories import make_agent
from tests.support.personas import api_client_for, client_for

RECORDINGS = Path(__file__).parents[1] / "agent_client" / "recordings" / "windows"


def spooler_printers() -> list[dict]:
    """What the agent sends from the recorded Windows spooler (tests/agent_client/recordings/windows)."""
    printers = parse_instances((RECORDINGS / "printers.json").read_text(encoding="utf-8")).instances
    ports = parse_instances((RECORDINGS / "ports.json").read_text(encoding="utf-8")).instances
    return printer_records(printers, ports)


def upload_discovery(client, agent, token, local_printers) -> DirectiveResult:
    """A discovery leased and answered through the agent API, then interpreted as the worker does."""
    directive = directive_request(site=agent.site, kind="discover", params={"targets": [], "local_printers": True})
    assert get_directives(client, token).status_code == 200
    body = {
        "kind": "discover",
        "started_at": timezone.now().isoformat(),
        "finished_at": timezone.now().isoformat(),
        "networks": [],
        "addresses_scanned": 0,
        "responders": 0,
        "devices": [],
        "errors": [],
        "local_printers": local_printers,
    }
    response = post_json(
        client,
        f"/agent/v1/directives/{directive.public_id}/result",
        body,
        token=token,
        gzip_body=True,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 200, response.content
    result = DirectiveResult.objects.get(directive=directive)
    result_interpret(result=result)
    return result


def test_the_pcs_printers_show_on_the_agents_page_and_in_the_api(acme, client):
    agent, token = make_agent(hostname="reception-pc")
    upload_discovery(client, agent, token, spooler_printers())

    page = client_for(acme, acme.technician).get("/agents/").content.decode()
    for shown in (
        "HP LaserJet M404 Front Desk",
        "HP LaserJet Pro M404-M405 PCL-6 (V4)",
        "usb",
        "idle",
        "Ricoh MP C3002 Copy Room",
        "tcp 10.20.0.15",
        "Epson WF-3720 Back Office",
        "offline",
    ):
        assert shown in page, shown
    assert "Microsoft Print to PDF" not in page  # the agent leaves virtual printers out

    [listed] = api_client_for(acme, acme.viewer).get("/api/v1/agents/").json()["results"]
    front = next(p for p in listed["local_printers"] if p["name"] == "HP LaserJet M404 Front Desk")
    assert (front["connection"], front["driver"], front["state"], front["offline"]) == (
        "usb",
        "HP LaserJet Pro M404-M405 PCL-6 (V4)",
        "idle",
        False,
    )
    assert listed["local_printers_seen_at"] is not None


def test_a_hostile_entry_costs_that_entry_only(acme, client):
    agent, token = make_agent()
    good = {
        "name": "Front_Desk",
        "uri": "usb://HP/LaserJet?serial=X1",
        "make_model": "HP LaserJet M404",
        "state": "idle",
        "markers": [{"name": "Black", "type": "toner", "color": "#000000", "level": 80}],
    }
    hostile = [
        {"name": "A" * 100_000, "driver": "B" * 100_000, "address": "C" * 5000},  # kept, cut short
        {"name": 12, "connection": "usb"},
        {"name": "Wrong types", "state": ["idle"]},
        {"name": "Offline as text", "offline": "yes"},
        "a bare string",
        None,
        {"name": "With a stranger", "password": "s3cret", "markers": "lots"},
    ]
    result = upload_discovery(client, agent, token, [good, *hostile])

    agent.refresh_from_db()
    result.refresh_from_db()
    assert result.status == "interpreted"
    names = [p["name"] for p in agent.local_printers]
    assert names == ["Front_Desk", "A" * 200, "With a stranger"]
    front, long_one, stranger = agent.local_printers
    assert front["connection"] == "usb" and front["markers"][0]["level"] == 80  # CUPS's URI says USB
    assert len(long_one["driver"]) == 200 and len(long_one["address"]) == 255
    assert "password" not in stranger and stranger["markers"] == []
    assert "s3cret" not in client_for(acme, acme.admin).get("/agents/").content.decode()


def test_at_most_a_hundred_printers_are_kept(acme):
    agent, _ = make_agent()
    many = [{"name": f"Queue {n}", "state": "idle"} for n in range(MAX_LOCAL_PRINTERS + 50)]
    assert agent_local_printers_record(agent=agent, payload={"local_printers": many}, seen_at=timezone.now())
    agent.refresh_from_db()
    assert len(agent.local_printers) == MAX_LOCAL_PRINTERS


def test_a_refused_or_older_discovery_does_not_wipe_the_list(acme):
    agent, _ = make_agent()
    now = timezone.now()
    agent_local_printers_record(agent=agent, payload={"local_printers": [{"name": "Front_Desk"}]}, seen_at=now)
    refused = {"local_printers": [], "errors": [{"target": "", "code": "outside_window", "message": "closed"}]}
    older = {"local_printers": [], "errors": []}
    from_an_old_agent = {"devices": []}  # sends no local_printers at all

    assert not agent_local_printers_record(agent=agent, payload=refused, seen_at=now + timedelta(minutes=1))
    assert not agent_local_printers_record(agent=agent, payload=older, seen_at=now - timedelta(days=1))
    assert not agent_local_printers_record(agent=agent, payload=from_an_old_agent, seen_at=now)
    agent.refresh_from_db()
    assert [p["name"] for p in agent.local_printers] == ["Front_Desk"]
    assert Agent.objects.get(pk=agent.pk).local_printers_seen_at == now
