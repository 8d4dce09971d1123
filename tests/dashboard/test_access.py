"""Viewers see the fleet but no edit controls (and their POSTs are refused); another dealer sees nothing."""

import pytest

from meters.models import MeterFlag
from tests.dashboard.fleet_support import discover_as, read_as, recording_serial
from tests.meters.ingest_support import LIFE_COUNT, new_agent, set_value
from tests.support.personas import client_for

EDIT_CONTROLS = ("Accept offset", "Stop monitoring", "Read meters now", "Dismiss")


@pytest.fixture
def flagged(acme):
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.32.1.1", original, "ACCESS1")
    read_as(agent, device, original, days_ago=2, edits=(set_value(LIFE_COUNT, 9_000),))
    read_as(agent, device, original, days_ago=1, edits=(set_value(LIFE_COUNT, 10),))
    return device, MeterFlag.objects.get(device=device)


def test_a_technician_sees_the_edit_controls(acme, flagged):
    device, _flag = flagged
    page = client_for(acme, acme.technician).get(f"/devices/{device.public_id}/").content.decode()
    assert all(control in page for control in EDIT_CONTROLS)


def test_a_viewer_sees_no_edit_controls_and_their_posts_get_403(acme, flagged):
    device, flag = flagged
    viewer = client_for(acme, acme.viewer)
    page = viewer.get(f"/devices/{device.public_id}/").content.decode()
    assert device.serial in page and not any(control in page for control in EDIT_CONTROLS)
    assert viewer.post(f"/flags/{flag.public_id}/decide/", {"decision": "accept"}).status_code == 403
    assert viewer.post(f"/devices/{device.public_id}/monitored/", {"monitored": "0"}).status_code == 403
    flag.refresh_from_db()
    device.refresh_from_db()
    assert flag.state == "open" and device.is_monitored


def test_a_user_of_another_dealer_gets_404_on_every_device_page(acme, beta, flagged):
    device, flag = flagged
    outsider = client_for(beta, beta.admin)
    for url in (f"/devices/{device.public_id}/", f"/devices/{device.public_id}/raw/"):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/flags/{flag.public_id}/decide/", {"decision": "accept"}).status_code == 404
    table = outsider.get(f"/devices/?q={device.serial}", HTTP_HX_REQUEST="true").content.decode()
    assert "0 devices match" in table and str(device.public_id) not in table
