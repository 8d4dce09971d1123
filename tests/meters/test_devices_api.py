"""The fleet through the dealer API: devices with latest meters and supplies, history, flags, filters."""

from meters.models import MeterFlag
from tests.meters.ingest_support import LIFE_COUNT, discover, hours_ago, new_agent, read, set_value
from tests.support.personas import api_client_for


def test_devices_with_latest_meters_supplies_and_history(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.2.0.1")
    read(agent, device, "konica_c250i", at=hours_ago(3))
    client = api_client_for(acme, acme.viewer)
    listed = client.get(f"/api/v1/devices/?site={agent.site.public_id}").json()["results"]
    assert [d["serial"] for d in listed] == [device.serial]
    entry = listed[0]
    assert entry["latest_total"] == device.latest_total and entry["latest_meters"]["total"] == device.latest_total
    assert any(s["kind"] == "toner" for s in entry["supplies"])
    history = client.get(f"/api/v1/devices/{device.public_id}/meters/").json()["results"]
    assert [h["total"] for h in history] == [device.latest_total]


def test_filters_search_and_toner_below(acme):
    agent = new_agent()
    konica = discover(agent, "konica_c250i", "10.2.0.2")
    read(agent, konica, "konica_c250i")
    ricoh = discover(agent, "ricoh_mpc3002", "10.2.0.3")
    client = api_client_for(acme, acme.viewer)
    site = agent.site.public_id
    found = client.get(f"/api/v1/devices/?site={site}&q=konica").json()["results"]
    assert [d["id"] for d in found] == [str(konica.public_id)]
    lowest = konica.lowest_supply_percent
    assert lowest is not None
    below = client.get(f"/api/v1/devices/?site={site}&toner_below={lowest + 1}").json()["results"]
    assert str(konica.public_id) in [d["id"] for d in below] and str(ricoh.public_id) not in [d["id"] for d in below]


def test_a_viewer_cannot_change_monitoring_but_a_technician_can(acme):
    device = discover(new_agent(), "konica_c250i", "10.2.0.4")
    url = f"/api/v1/devices/{device.public_id}/"
    assert (
        api_client_for(acme, acme.viewer)
        .patch(url, {"is_monitored": False}, content_type="application/json")
        .status_code
        == 403
    )
    response = api_client_for(acme, acme.technician).patch(
        url, {"is_monitored": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_monitored"] is False


def test_flag_accept_through_the_api(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.2.0.5")
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(LIFE_COUNT, 10_000))
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=set_value(LIFE_COUNT, 10))
    client = api_client_for(acme, acme.technician)
    flags = client.get("/api/v1/meter-flags/").json()["results"]
    flag = next(f for f in flags if f["device"] == str(device.public_id))
    accepted = client.post(f"/api/v1/meter-flags/{flag['id']}/accept/").json()
    assert accepted["state"] == "accepted" and accepted["resolved_by"] == "tech@acme.example"
    device.refresh_from_db()
    assert device.latest_total == 10_010  # the 10 pages since the reset are billed too
    assert MeterFlag.objects.get(public_id=flag["id"]).state == "accepted"
    again = client.post(f"/api/v1/meter-flags/{flag['id']}/dismiss/")  # a second decision: told, nothing changes
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]
    device.refresh_from_db()
    assert device.latest_total == 10_010
