"""The site page's "Scan now" and a new agent's first scan, as meters asks for them within the scan window the
customer's IT agreed to: queued at once inside it (or with none), else when it opens, unless the user confirms
"Scan now anyway" (recorded with their name)."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from agents.models import Agent, Directive
from agents.services.keys import license_key_generate
from meters import receivers
from tests.agents.test_agent_api import post_json
from tests.meters.ingest_support import new_agent
from tests.support.factories import make_site
from tests.support.personas import client_for

BERLIN = "Europe/Berlin"  # make_site's time zone


def closed_window_now(site_zone: str = BERLIN) -> tuple[time, time]:
    """A one-hour window starting two hours from now, local time: closed now, whenever the test runs."""
    start = (timezone.now().astimezone(ZoneInfo(site_zone)) + timedelta(hours=2)).replace(second=0, microsecond=0)
    return start.time(), (start + timedelta(hours=1)).time()


def open_window_now(site_zone: str = BERLIN) -> tuple[time, time]:
    """From an hour ago to an hour from now, local time: open now, whenever the test runs (0:00-23:59 is not)."""
    now = timezone.now().astimezone(ZoneInfo(site_zone)).replace(second=0, microsecond=0)
    return (now - timedelta(hours=1)).time(), (now + timedelta(hours=1)).time()


def test_scan_now_outside_the_window_runs_when_it_opens_and_the_page_says_when(acme):
    start, end = closed_window_now()
    site = make_site(scan_window_start=start, scan_window_end=end)
    new_agent(site=site)
    Directive.objects.filter(site=site).delete()
    client = client_for(acme, acme.technician)
    response = client.post(f"/sites/{site.public_id}/scan/", {"kind": "discover"}, follow=True)
    page = response.content.decode()
    assert not site.directives.filter(kind="discover").exists()
    site.refresh_from_db()
    opens = site.next_discovery_at.astimezone(ZoneInfo(BERLIN))
    assert opens.time() == start and opens > timezone.now()
    assert f"the scan runs when it opens, {opens:%a} {opens.day} {opens:%b}, {start:%H:%M} site time" in page
    assert "closed now" in page and "Scan now anyway" in page


def test_scan_now_anyway_runs_at_once_and_records_who_chose_it(acme):
    start, end = closed_window_now()
    site = make_site(scan_window_start=start, scan_window_end=end)
    new_agent(site=site)
    Directive.objects.filter(site=site).delete()
    client = client_for(acme, acme.technician)
    client.post(f"/sites/{site.public_id}/scan/", {"kind": "discover", "outside_window": "1"})
    directive = site.directives.get(kind="discover", status="pending")
    assert directive.requested_by == "tech@acme.example (outside the scan window)"
    assert "window" not in directive.params  # the agent would refuse it otherwise


def test_scan_now_inside_the_window_is_queued_with_the_window_for_the_agent_to_check(acme):
    start, end = open_window_now()
    site = make_site(scan_window_start=start, scan_window_end=end)
    new_agent(site=site)
    Directive.objects.filter(site=site).delete()
    client_for(acme, acme.technician).post(f"/sites/{site.public_id}/scan/", {"kind": "discover"})
    assert site.directives.get(kind="discover").params["window"]["end"] == f"{end:%H:%M}"


# Enrolment: agents sends agent_enrolled after the enrolment commits; meters' receiver asks for the discovery.


def enrol(client, site) -> dict:
    _key, text = license_key_generate(site=site)
    body = {"license_key": text, "hostname": "night-pc", "os": "Linux", "agent_version": "0.1.0"}
    response = post_json(client, "/agent/v1/enroll", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_new_agent_scans_its_site_at_once(acme, client, django_capture_on_commit_callbacks):
    site = make_site()
    with django_capture_on_commit_callbacks(execute=True):
        enrolled = enrol(client, site)
    directive = site.directives.get(kind="discover")
    assert directive.status == "pending" and directive.requested_by == "enrolment"
    assert Agent.objects.get(public_id=enrolled["agent_id"]).site == site


def test_an_agent_enrolled_outside_the_window_scans_when_it_opens(acme, client, django_capture_on_commit_callbacks):
    start, end = closed_window_now()
    site = make_site(scan_window_start=start, scan_window_end=end)
    with django_capture_on_commit_callbacks(execute=True):
        enrol(client, site)
    site.refresh_from_db()
    assert not site.directives.filter(kind="discover").exists()
    assert site.next_discovery_at.astimezone(ZoneInfo(BERLIN)).time() == start
    assert site.next_read_at is not None  # the site's other schedules were set up too


def test_the_agent_keeps_its_token_when_asking_for_the_first_scan_fails(
    acme, client, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(**kwargs):
        raise RuntimeError("the schedule could not be written")

    monkeypatch.setattr(receivers, "discovery_request", broken)
    site = make_site()
    with django_capture_on_commit_callbacks(execute=True):
        enrolled = enrol(client, site)
    assert enrolled["token"] and Agent.objects.filter(public_id=enrolled["agent_id"], revoked_at=None).exists()
    assert not site.directives.exists()
    assert "the schedule could not be written" in caplog.text  # logged for the operator, not swallowed silently
