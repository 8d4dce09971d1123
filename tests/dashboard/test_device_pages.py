"""The devices list and the device page, through the Django test client on the dealer's host."""

import re

from meters.models import MeterFlag
from tests.dashboard.fleet_support import (
    black_toner,
    discover_as,
    fleet_of,
    read_as,
    recording_serial,
    toner_at,
)
from tests.meters.ingest_support import LIFE_COUNT, new_agent, set_value
from tests.support.factories import make_site
from tests.support.personas import client_for


def test_device_page_shows_identity_meters_supplies_and_where_it_is(acme):
    agent = new_agent()
    (device,) = fleet_of(agent, 1, prefix="31.1")
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    assert device.serial in page and agent.site.name in page and agent.site.customer.name in page
    assert f"{device.latest_total:,}" in page  # the meter, as a person reads it
    assert black_toner(device).description in page and 'role="meter"' in page
    assert "<svg" not in page.split('id="meters-now"')[1].split("</section>")[0]  # one read: no chart yet


def test_toner_forecast_from_the_level_history(acme):
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.31.2.1", original, "FORECAST1")
    read_as(agent, device, original, days_ago=21)
    toner = black_toner(device)
    for percent, days_ago in ((80, 20), (60, 10), (40, 0.1)):
        read_as(agent, device, original, days_ago=days_ago, edits=(toner_at(toner, percent),))
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    days = int(re.search(r"empty in about (\d+) day", page).group(1))
    assert 18 <= days <= 22  # 2 % a day from 40 %
    assert "<svg" in page  # four reads over three weeks: a history chart


def test_times_are_relative_with_the_exact_time_in_the_site_zone_on_hover(acme):
    agent = new_agent(site=make_site(site_name="Tokyo office"))
    agent.site.time_zone = "Asia/Tokyo"
    agent.site.save()
    (device,) = fleet_of(agent, 1, prefix="31.3")
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    stamp = re.search(r'<time datetime="[^"]+" title="([^"]+)">([^<]+)</time>', page)
    assert "JST (Asia/Tokyo)" in stamp.group(1) and stamp.group(2).endswith("ago")


def test_a_reset_is_flagged_on_the_device_page_and_the_offset_can_be_accepted(acme):
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.31.4.1", original, "RESET1")
    read_as(agent, device, original, days_ago=2, edits=(set_value(LIFE_COUNT, 50_000),))
    read_as(agent, device, original, days_ago=1, edits=(set_value(LIFE_COUNT, 120),))
    client = client_for(acme, acme.technician)
    page = client.get(f"/devices/{device.public_id}/").content.decode()
    assert "Accept offset" in page and "50,000" in page
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    response = client.post(f"/flags/{flag.public_id}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    flag.refresh_from_db()
    device.refresh_from_db()
    assert flag.state == "accepted" and device.latest_total == 50_120
    assert "Accept offset" not in client.get(f"/devices/{device.public_id}/").content.decode()


def test_raw_data_of_the_last_read_for_support(acme):
    agent = new_agent()
    (device,) = fleet_of(agent, 1, prefix="31.5")
    raw = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/raw/").content.decode()
    assert LIFE_COUNT in raw and "<html" not in raw


def test_devices_list_filters_sorts_and_answers_htmx_with_the_table_only(acme):
    agent = new_agent()
    devices = fleet_of(agent, 3, prefix="31.6")
    client = client_for(acme, acme.viewer)
    site = agent.site.public_id
    full = client.get(f"/devices/?site={site}&sort=-last_read").content.decode()
    assert "<html" in full and 'id="device-filters"' in full
    order = [full.index(d.serial) for d in devices]
    assert order == sorted(order)  # newest read first: fleet_of reads the first device last
    partial = client.get(f"/devices/?site={site}&q={devices[1].serial}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and devices[1].serial in partial and devices[0].serial not in partial
    assert "1 device matches" in partial


def test_toner_below_filter_on_the_list(acme):
    agent = new_agent()
    low, full = fleet_of(agent, 2, prefix="31.7")
    original = recording_serial()
    read_as(agent, low, original, edits=(toner_at(black_toner(low), 3),))
    read_as(agent, full, original, edits=(toner_at(black_toner(full), 95),))
    page = client_for(acme, acme.viewer).get(f"/devices/?site={agent.site.public_id}&toner_below=5").content.decode()
    assert low.serial in page and full.serial not in page


def test_monitored_toggle(acme):
    (device,) = fleet_of(new_agent(), 1, prefix="31.8")
    client = client_for(acme, acme.technician)
    assert client.post(f"/devices/{device.public_id}/monitored/", {"monitored": "0"}).status_code == 302
    device.refresh_from_db()
    assert not device.is_monitored
    assert "Monitor again" in client.get(f"/devices/{device.public_id}/").content.decode()
