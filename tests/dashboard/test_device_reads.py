"""The device page's meter chart, table of past reads and supply forecasts, as a dealer reads them."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tests.dashboard.fleet_support import black_toner, discover_as, read_as, recording_serial, toner_at
from tests.meters.ingest_support import LIFE_COUNT, new_agent, set_value
from tests.support.factories import make_site
from tests.support.personas import client_for


def section(page: str, name: str) -> str:
    return page.split(f'id="{name}"')[1].split("</section>")[0]


def rows(page: str) -> list[str]:
    return re.findall(r"<tr[^>]*>(.*?)</tr>", section(page, "reads").split("<tbody>")[1], flags=re.S)


def device_with_reads(ip: str, serial: str, days_ago: list[float], *, zone: str = "UTC", first_total: int = 50_000):
    """A device read at each of `days_ago` (oldest first), its total rising by 100 pages a read."""
    site = make_site(site_name=f"Office {serial}")
    site.time_zone = zone
    site.save()
    agent = new_agent(site=site)
    original = recording_serial()
    device = discover_as(agent, ip, original, serial)
    for index, days in enumerate(days_ago):
        read_as(agent, device, original, days_ago=days, edits=(set_value(LIFE_COUNT, first_total + 100 * index),))
    return agent, original, device


def test_a_device_read_several_times_today_has_a_chart(acme):
    _agent, _original, device = device_with_reads("10.32.1.1", "CHARTDAY1", [0.3, 0.2, 0.1, 0.01])
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    chart = section(page, "meters-now")
    assert "<polyline" in chart and "Not enough reads" not in chart
    assert chart.count("<circle") >= 4  # every read is a point


def test_past_reads_newest_first_in_the_site_zone_with_each_meter(acme):
    _agent, _original, device = device_with_reads("10.32.2.1", "TABLE1", [3, 2, 1], zone="Asia/Tokyo")
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    newest = device.reads.order_by("-read_at").first()
    local = timezone.localtime(newest.read_at, ZoneInfo("Asia/Tokyo"))
    table = rows(page)
    assert len(table) == 3 and f"{local:%d/%m/%Y %H:%M}" in table[0]  # the dealer locale's short date (en-gb)
    assert "50,200" in table[0] and "50,000" in table[2]  # total, newest first
    assert "Asia/Tokyo" in section(page, "reads") and ">Total<" in section(page, "reads")


def test_reads_are_paged_and_a_date_jumps_to_that_days_meter(acme):
    days = [float(d) + 0.5 for d in range(25, 0, -1)]  # one read a day for 25 days, oldest first
    _agent, _original, device = device_with_reads("10.32.3.1", "PAGED1", days)
    client = client_for(acme, acme.viewer)
    page = client.get(f"/devices/{device.public_id}/").content.decode()
    assert len(rows(page)) == 20 and "Older →" in page
    older = re.search(r'href="([^"]*reads_before=[^"#]*)', section(page, "reads")).group(1).replace("&amp;", "&")
    second = client.get(older).content.decode()
    assert len(rows(second)) == 5 and "50,000" in rows(second)[-1] and "Newer" in second

    ten_days_ago = device.reads.order_by("read_at")[15]  # read 10.5 days ago: total 50,000 + 1,500
    day = timezone.localtime(ten_days_ago.read_at, ZoneInfo("UTC")).date()
    jumped = client.get(f"/devices/{device.public_id}/reads/", {"reads_on": day.isoformat()}, HTTP_HX_REQUEST="true")
    top = rows(jumped.content.decode())[0]
    assert "51,500" in top and f"{day:%Y-%m-%d}" in top and "<html" not in jumped.content.decode()


def test_a_day_without_reads_shows_the_last_ones_before_it(acme):
    _agent, _original, device = device_with_reads("10.32.4.1", "GAPDAY1", [20.5, 5.5])
    day = (timezone.now() - timedelta(days=10)).date()
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/", {"reads_on": day.isoformat()})
    text = page.content.decode()
    assert "none that day" in text and "50,000" in rows(text)[0] and len(rows(text)) == 1


def test_a_date_that_is_not_one_is_said_and_the_newest_reads_are_shown(acme):
    _agent, _original, device = device_with_reads("10.32.5.1", "BADDATE1", [1, 0.5])
    for asked in ("the 1st", "9999-12-31"):  # the last day of the calendar has no end of day to read up to
        response = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/", {"reads_on": asked})
        assert response.status_code == 200
        text = response.content.decode()
        assert "That is not a date" in text and "50,100" in rows(text)[0]


def test_a_counter_that_went_backwards_is_noted_on_its_read(acme):
    agent, original, device = device_with_reads("10.32.6.1", "BACKWARDS1", [2])
    read_as(agent, device, original, days_ago=1, edits=(set_value(LIFE_COUNT, 120),))
    page = client_for(acme, acme.viewer).get(f"/devices/{device.public_id}/").content.decode()
    assert "total went backwards: held back" in rows(page)[0]


def gauge(page: str, description: str) -> str:
    return next(g for g in section(page, "supplies").split('<div class="gauge">') if description in g)


def test_a_forecast_appears_once_two_reads_hours_apart_show_a_fall(acme):
    agent, original, device = device_with_reads("10.32.7.1", "FALL1", [0.6])
    toner = black_toner(device)
    client = client_for(acme, acme.viewer)
    for days_ago, percent in ((0.5, 20), (0.4, 60), (0.3, 60)):  # a new cartridge at 60 %, read twice since
        read_as(agent, device, original, days_ago=days_ago, edits=(toner_at(toner, percent),))
    black = gauge(client.get(f"/devices/{device.public_id}/").content.decode(), toner.description)
    assert "no forecast yet" in black and "empty in about" not in black
    read_as(agent, device, original, days_ago=0.01, edits=(toner_at(toner, 58),))
    black = gauge(client.get(f"/devices/{device.public_id}/").content.decode(), toner.description)
    days = int(re.search(r"empty in about (\d+) day", black).group(1))
    assert 3 <= days <= 15 and "early estimate" in black  # 2 % in under seven hours, 58 % left
