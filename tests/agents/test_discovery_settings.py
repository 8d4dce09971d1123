"""Discovery the customer's IT agrees to, as the portal applies it: broadcast only when asked for and no targets are
listed, the never-scan list in every directive and out of read plans, scans only inside the local time window,
the settings on the site page, in the form and in the dealer API, and the agent's progress on the page."""

import uuid
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agents.models import Directive
from meters.services.plans import read_directive_request
from meters.services.schedules import discovery_request, site_schedule_reset, sites_dispatch_due
from portal.lib.due import window_is_open, window_next_open
from tests.agents.test_agent_api import get_directives, post_json
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for

BERLIN = "Europe/Berlin"
NIGHT = (time(18), time(8))  # "outside 08:00-18:00 local": the window runs over midnight


def leased_discovery(client, agent, token) -> dict:
    """A "Scan now", as the agent leases it."""
    discovery_request(site=agent.site, requested_by="test")
    directives = get_directives(client, token).json()["directives"]
    return next(d for d in directives if d["kind"] == "discover")


# Broadcast


def test_a_site_with_scan_targets_never_broadcasts(acme, client):
    agent, token = make_agent(site=make_site(scan_targets="10.7.0.0/24", scan_broadcast=True))
    params = leased_discovery(client, agent, token)["params"]
    assert params["broadcast"] is False and params["targets"] == ["10.7.0.0/24"]
    page = client_for(acme, acme.technician).get(f"/sites/{agent.site.public_id}/").content.decode()
    assert "The site lists its scan targets" in page


def test_broadcast_is_the_sites_choice_when_it_lists_no_targets(acme, client):
    agent, token = make_agent(site=make_site(scan_broadcast=False))
    assert leased_discovery(client, agent, token)["params"]["broadcast"] is False
    agent, token = make_agent(site=make_site(scan_broadcast=True))
    assert leased_discovery(client, agent, token)["params"]["broadcast"] is True


# The never-scan list


def test_never_scan_addresses_go_with_every_directive_and_stay_out_of_read_plans(acme, client):
    site = make_site(scan_exclusions="10.4.9.2\n10.4.8.0/24", scan_rate_limit=40)
    agent, token = make_agent(site=site)
    discover(agent, "konica_c250i", "10.4.9.1")
    discover(agent, "ricoh_mpc3002", "10.4.9.2")
    discover(agent, "epson", "10.4.8.255")  # a network's broadcast address is inside it too
    Directive.objects.filter(site=site).delete()
    read = read_directive_request(site=site)
    assert [d["ip"] for d in read.params["devices"]] == ["10.4.9.1"]
    assert read.params["exclude"] == ["10.4.9.2", "10.4.8.0/24"] and read.params["rate_limit"] == 40
    status = read_directive_request(site=site, kind="status")
    assert [d["ip"] for d in status.params["devices"]] == ["10.4.9.1"] and status.params["exclude"]
    discovery_request(site=site, requested_by="test")
    leased = {d["kind"]: d["params"] for d in get_directives(client, token).json()["directives"]}
    assert leased["discover"]["exclude"] == ["10.4.9.2", "10.4.8.0/24"]
    assert leased["read"]["exclude"] == ["10.4.9.2", "10.4.8.0/24"]


# The scan window: pure rules


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        (time(17, 59), False),
        (time(18), True),
        (time(23, 30), True),
        (time(2), True),
        (time(7, 59), True),
        (time(8), False),
        (time(12), False),
    ],
)
def test_a_night_window_runs_over_midnight(local, open_):
    day = datetime(2026, 11, 23, tzinfo=ZoneInfo(BERLIN))  # a Monday
    now = datetime.combine(day.date(), local, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)
    assert window_is_open(now, BERLIN, *NIGHT) is open_


def test_the_window_is_the_sites_local_time():
    now = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)  # 19:30 in Berlin, 12:30 in Chicago
    assert window_is_open(now, BERLIN, *NIGHT)
    assert not window_is_open(now, "America/Chicago", *NIGHT)
    assert window_next_open(now, "America/Chicago", *NIGHT) == datetime(2026, 11, 24, 0, tzinfo=UTC)  # 18:00 CST


def test_a_window_that_opens_in_the_spring_forward_gap_opens_as_every_schedule_does():
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET; at 02:00 the clocks jump to 03:00 CEST
    opens = window_next_open(before, BERLIN, time(2, 30), time(5))
    assert opens == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 taken as CET (03:30 CEST), as portal.lib.due
    assert window_next_open(opens, BERLIN, time(2, 30), time(5)) == opens  # open then: nothing to wait for


# The scan window: scheduled and asked-for discoveries


def test_a_scheduled_discovery_outside_the_window_waits_for_it(acme):
    site = make_site(scan_window_start=NIGHT[0], scan_window_end=NIGHT[1])  # Berlin; dealer default: Mon 14:00
    new_agent(site=site)
    Directive.objects.filter(site=site).delete()
    site_schedule_reset(site=site, now=datetime(2026, 11, 21, 12, tzinfo=UTC))
    assert site.next_discovery_at == datetime(2026, 11, 23, 13, tzinfo=UTC)  # Monday 14:00, outside the window
    sites_dispatch_due(now=datetime(2026, 11, 23, 13, 1, tzinfo=UTC))
    site.refresh_from_db()
    assert not site.directives.filter(kind="discover").exists()
    assert site.next_discovery_at == datetime(2026, 11, 23, 17, tzinfo=UTC)  # 18:00 in Berlin
    sites_dispatch_due(now=datetime(2026, 11, 23, 17, 2, tzinfo=UTC))
    queued = site.directives.get(kind="discover")
    assert queued.params["window"] == {"start": "18:00", "end": "08:00", "time_zone": BERLIN}
    site.refresh_from_db()
    assert site.next_discovery_at == datetime(2026, 11, 26, 13, tzinfo=UTC)  # the next slot, Thursday


# The settings in the form, on the page and in the API


def site_form(site, **changes) -> dict:
    form = {"name": site.name, "time_zone": site.time_zone, "scan_rate_limit": 0, "snmp_port": 161}
    return {**form, **changes}


def test_the_site_form_sets_what_the_customers_it_agreed_to_and_the_page_shows_it(acme):
    site = make_site()
    client = client_for(acme, acme.technician)
    form = site_form(
        site,
        scan_targets="192.168.5.0/24",
        scan_exclusions="192.168.5.1\n192.168.5.200-220",
        scan_rate_limit=25,
        scan_window_start="18:00",
        scan_window_end="08:00",
    )
    assert client.post(f"/sites/{site.public_id}/edit/", form).status_code == 302
    site.refresh_from_db()
    assert (site.scan_window_start, site.scan_window_end, site.scan_rate_limit) == (*NIGHT, 25)
    assert site.scan_broadcast is False  # an unticked box
    page = client.get(f"/sites/{site.public_id}/").content.decode()
    for shown in ("192.168.5.0/24", "192.168.5.200-220", "18:00\u201308:00 site time (Europe/Berlin)", "25"):
        assert shown in page, shown
    assert "Broadcast" in page and "The site lists its scan targets" in page


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"scan_targets": "10.0.0.0/8"}, "scan_targets", "more than 65536 addresses"),
        ({"scan_exclusions": "10.0.0.300"}, "scan_exclusions", "not an IPv4 address"),
        ({"scan_exclusions": "10.0.0.9-3"}, "scan_exclusions", "ends before it starts"),
        ({"scan_window_start": "18:00"}, "scan_window_end", "both the start and the end"),
        ({"scan_window_start": "18:00", "scan_window_end": "18:10"}, "scan_window_end", "at least 30 minutes"),
    ],
)
def test_the_form_refuses_settings_the_agent_could_not_keep(acme, changes, field, says):
    site = make_site()
    response = client_for(acme, acme.technician).post(f"/sites/{site.public_id}/edit/", site_form(site, **changes))
    assert response.status_code == 200
    assert says in str(response.context["form"].errors[field])


def test_the_dealer_api_reads_and_writes_the_discovery_settings(acme):
    site = make_site(scan_targets="10.9.0.0/24")
    api = api_client_for(acme, acme.technician)
    body = {
        "scan_exclusions": "10.9.0.1",
        "scan_window_start": "18:00",
        "scan_window_end": "08:00",
        "scan_rate_limit": 50,
    }
    response = api.patch(f"/api/v1/sites/{site.public_id}/", body, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["scan_window_start"], data["scan_window_end"], data["scan_rate_limit"]) == ("18:00", "08:00", 50)
    assert data["broadcast_effective"] == {"on": False, "reason": "the site lists its scan targets"}
    bad = api.patch(
        f"/api/v1/sites/{site.public_id}/", {"scan_exclusions": "printer one"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "not an IPv4 address" in bad.content.decode()
    half = api.patch(f"/api/v1/sites/{site.public_id}/", {"scan_window_end": None}, content_type="application/json")
    assert half.status_code == 400 and "both the start and the end" in half.content.decode()


# Progress


def progress(client, token, directive_id, **numbers):
    return post_json(client, f"/agent/v1/directives/{directive_id}/progress", numbers, token=token)


def test_progress_the_agent_reports_shows_on_the_site_page_and_in_the_api(acme, client):
    agent, token = make_agent(site=make_site(scan_targets="10.8.0.0/24"))
    directive_id = leased_discovery(client, agent, token)["id"]
    assert progress(client, token, directive_id, probed=120, total=254, found=3).status_code == 200
    page_client = client_for(acme, acme.viewer)
    page = page_client.get(f"/sites/{agent.site.public_id}/").content.decode()
    assert "Scanning: 120 of 254 addresses, 3 printers found" in page
    partial = page_client.get(f"/sites/{agent.site.public_id}/scan-progress/", HTTP_HX_REQUEST="true")
    assert "Scanning: 120 of 254" in partial.content.decode() and 'hx-trigger="every 2s"' in partial.content.decode()
    listed = api_client_for(acme, acme.viewer).get(f"/api/v1/directives/?site={agent.site.public_id}").json()
    reported = next(d for d in listed["results"] if d["id"] == directive_id)["progress"]
    assert {k: reported[k] for k in ("probed", "total", "found")} == {"probed": 120, "total": 254, "found": 3}


def test_progress_after_the_result_or_for_another_sites_directive_is_refused(acme, client):
    agent, token = make_agent(site=make_site(scan_targets="10.8.1.0/24"))
    directive_id = leased_discovery(client, agent, token)["id"]
    assert progress(client, token, str(uuid.uuid4()), probed=1, total=2, found=0).status_code == 404
    bad = progress(client, token, directive_id, probed=-1, total="many", found=0)
    assert bad.status_code == 400 and bad.json()["detail"]
    _other, other_token = make_agent(site=make_site())
    assert progress(client, other_token, directive_id, probed=1, total=2, found=0).status_code == 404
    result = {"kind": "discover", "devices": [], "addresses_scanned": 254}
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    assert post_json(client, f"/agent/v1/directives/{directive_id}/result", result, token, **headers).status_code == 200
    late = progress(client, token, directive_id, probed=254, total=254, found=0)
    assert late.status_code == 409 and late.json()["code"] == "directive_done"
    page = client_for(acme, acme.viewer).get(f"/sites/{agent.site.public_id}/").content.decode()
    assert "Scanning:" not in page and "Last discovery finished" in page
    assert "254 addresses, 0 printers found" in page  # the result's own numbers, whatever the last report said
