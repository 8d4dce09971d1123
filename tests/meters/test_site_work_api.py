"""Asking a site's agent to work now, from the site page and the dealer API, and following the directive."""

import pytest

from agents.models import Directive
from agents.services.customers import site_archive
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_site
from tests.support.personas import api_client_for, client_for

RECORDING = "konica_c250i"


def test_technician_checks_status_from_the_site_page(acme):
    agent = new_agent()
    discover(agent, RECORDING, "10.12.40.1")
    page = f"/sites/{agent.site.public_id}/"
    assert "Check status now" in client_for(acme, acme.technician).get(page).content.decode()
    assert "Check status now" not in client_for(acme, acme.viewer).get(page).content.decode()

    client_for(acme, acme.technician).post(f"{page}scan/", {"kind": "status"})

    queued = Directive.objects.get(site=agent.site, kind="status", status="pending")
    assert queued.requested_by == acme.technician.email
    assert queued.params["devices"][0]["ip"] == "10.12.40.1"


@pytest.mark.parametrize(("action", "kind"), [("scan", "discover"), ("status", "status"), ("read", "read")])
def test_each_api_action_queues_its_directive_and_the_list_shows_it_pending(acme, action, kind):
    agent = new_agent()
    discover(agent, RECORDING, "10.12.41.1")
    site = agent.site.public_id
    api = api_client_for(acme, acme.technician)

    answer = api.post(f"/api/v1/sites/{site}/{action}/")

    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["kind"], body["status"], body["site"]) == (kind, "pending", str(site))
    listed = api.get(f"/api/v1/directives/?site={site}&kind={kind}&status=pending").json()["results"]
    assert [d["id"] for d in listed] == [body["id"]]
    assert listed[0]["requested_by"] == acme.technician.email and listed[0]["result"] is None


def test_directive_list_shows_a_done_discovery_with_its_result_newest_first(acme):
    agent = new_agent()
    discover(agent, RECORDING, "10.12.42.1")
    api = api_client_for(acme, acme.viewer)
    api_client_for(acme, acme.technician).post(f"/api/v1/sites/{agent.site.public_id}/read/")

    listed = api.get(f"/api/v1/directives/?site={agent.site.public_id}").json()["results"]

    assert [(d["kind"], d["status"]) for d in listed] == [("read", "pending"), ("discover", "done")]
    assert listed[1]["result"]["status"] == "interpreted"


def test_read_and_status_answer_409_without_monitored_devices_or_when_archived(acme):
    api = api_client_for(acme, acme.technician)
    empty = make_site()
    for action in ("read", "status"):
        answer = api.post(f"/api/v1/sites/{empty.public_id}/{action}/")
        assert (answer.status_code, answer.json()["code"]) == (409, "no_devices")
    site_archive(site=empty)
    answer = api.post(f"/api/v1/sites/{empty.public_id}/scan/")
    assert (answer.status_code, answer.json()["code"]) == (409, "archived")
    assert not Directive.objects.filter(site=empty).exists()


def test_a_viewer_cannot_ask_for_work(acme):
    site = make_site()
    assert api_client_for(acme, acme.viewer).post(f"/api/v1/sites/{site.public_id}/scan/").status_code == 403
    assert not Directive.objects.filter(site=site).exists()


@pytest.mark.parametrize(
    "url", ["/api/v1/directives/?site=not-a-uuid", "/api/v1/directives/?kind=reboot", "/api/v1/directives/?status=x"]
)
def test_bad_directive_filters_answer_400(acme, url):
    answer = api_client_for(acme, acme.viewer).get(url)
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"


def test_another_dealers_staff_see_no_directives_and_cannot_scan(acme, beta):
    agent = new_agent()
    discover(agent, RECORDING, "10.12.43.1")
    site = agent.site.public_id
    outsider = api_client_for(beta, beta.admin)
    assert outsider.post(f"/api/v1/sites/{site}/scan/").status_code == 404
    assert outsider.get(f"/api/v1/directives/?site={site}").json()["results"] == []
    assert api_client_for(acme, acme.admin).post("/api/v1/sites/not-a-uuid/scan/").status_code == 404


def _closed_window_now(site):
    """A one-hour scan window that opened three hours ago in the site's time zone: closed now."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    local = timezone.now().astimezone(ZoneInfo(site.time_zone))
    site.scan_window_start = (local.replace(minute=0) - timezone.timedelta(hours=3)).time()
    site.scan_window_end = (local.replace(minute=0) - timezone.timedelta(hours=2)).time()
    site.save(update_fields=["scan_window_start", "scan_window_end"])


def test_an_api_scan_outside_the_window_waits_for_it_unless_asked_to_scan_anyway(acme):
    agent = new_agent()
    _closed_window_now(agent.site)
    api = api_client_for(acme, acme.technician)
    url = f"/api/v1/sites/{agent.site.public_id}/scan/"

    waiting = api.post(url)

    assert waiting.status_code == 202 and waiting.json()["code"] == "waiting_for_window"
    assert waiting.json()["runs_at"] and not Directive.objects.filter(site=agent.site, kind="discover").exists()
    anyway = api.post(f"{url}?outside_window=true")
    assert anyway.status_code == 202 and anyway.json()["kind"] == "discover"
    assert Directive.objects.get(site=agent.site, kind="discover").requested_by.endswith("(outside the scan window)")


def test_the_site_pages_work_buttons_queue_no_credential_test(acme):
    agent = new_agent()
    discover(agent, RECORDING, "10.12.44.1")
    client_for(acme, acme.technician).post(f"/sites/{agent.site.public_id}/scan/", {"kind": "test"})
    assert not Directive.objects.filter(site=agent.site, kind="test").exists()
