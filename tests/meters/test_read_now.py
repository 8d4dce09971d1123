""" "Read now" for one device, from the device page and the dealer API: a read of that device only."""

from agents.models import Directive
from agents.services.customers import site_archive
from meters.services.devices import device_set_monitored
from meters.services.plans import read_directive_request
from tests.meters.ingest_support import discover, new_agent
from tests.support.personas import api_client_for, client_for

RECORDING = "konica_c250i"


def two_devices(ip_prefix: str):
    agent = new_agent()
    first = discover(agent, RECORDING, f"{ip_prefix}.1")
    second = discover(agent, "brother_hl5370dw", f"{ip_prefix}.2")
    Directive.objects.filter(site=agent.site).exclude(kind="discover").delete()  # what the discoveries queued
    return agent.site, first, second


def test_the_api_queues_a_read_of_only_that_device(acme):
    site, first, _second = two_devices("10.50.0")

    answer = api_client_for(acme, acme.technician).post(f"/api/v1/devices/{first.public_id}/read/")

    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["kind"], body["status"], body["site"]) == ("read", "pending", str(site.public_id))
    queued = Directive.objects.get(public_id=body["id"])
    assert [entry["device_id"] for entry in queued.params["devices"]] == [str(first.public_id)]
    assert queued.params["devices"][0]["plan"]["walk"] and queued.requested_by == acme.technician.email


def test_a_read_of_the_site_already_waiting_keeps_its_devices_and_takes_this_one_once(acme):
    site, first, second = two_devices("10.51.0")
    api = api_client_for(acme, acme.technician)
    api.post(f"/api/v1/devices/{first.public_id}/read/")
    api.post(f"/api/v1/devices/{second.public_id}/read/")
    api.post(f"/api/v1/devices/{first.public_id}/read/")  # a double click

    queued = Directive.objects.get(site=site, kind="read", status="pending")
    assert [entry["device_id"] for entry in queued.params["devices"]] == [str(first.public_id), str(second.public_id)]
    read_directive_request(site=site, requested_by="schedule")  # the site's own read still reads them all
    queued.refresh_from_db()
    assert len(queued.params["devices"]) == 2


def test_a_device_that_cannot_be_read_gets_409_with_the_reason(acme):
    site, first, second = two_devices("10.52.0")
    api = api_client_for(acme, acme.technician)
    device_set_monitored(device=first, monitored=False)
    answer = api.post(f"/api/v1/devices/{first.public_id}/read/")
    assert (answer.status_code, answer.json()["code"]) == (409, "not_monitored")
    assert "monitor it again" in answer.json()["detail"]
    site_archive(site=site)
    answer = api.post(f"/api/v1/devices/{second.public_id}/read/")
    assert (answer.status_code, answer.json()["code"]) == (409, "archived")
    assert not Directive.objects.filter(site=site, kind="read").exists()


def test_viewers_cannot_and_other_dealers_do_not_see_the_device(acme, beta):
    site, first, _second = two_devices("10.53.0")
    assert api_client_for(acme, acme.viewer).post(f"/api/v1/devices/{first.public_id}/read/").status_code == 403
    assert api_client_for(beta, beta.admin).post(f"/api/v1/devices/{first.public_id}/read/").status_code == 404
    assert client_for(acme, acme.viewer).post(f"/devices/{first.public_id}/read/").status_code == 403
    assert not Directive.objects.filter(site=site, kind="read").exists()


def test_read_meters_now_on_the_device_page_reads_that_device(acme):
    site, _first, second = two_devices("10.54.0")
    browser = client_for(acme, acme.technician)
    page = browser.get(f"/devices/{second.public_id}/").content.decode()
    assert f'action="/devices/{second.public_id}/read/"' in page and "Read meters now" in page

    answer = browser.post(f"/devices/{second.public_id}/read/", follow=True)

    assert "queued" in answer.content.decode()
    queued = Directive.objects.get(site=site, kind="read", status="pending")
    assert [entry["device_id"] for entry in queued.params["devices"]] == [str(second.public_id)]
