"""The device page in a real browser, on a desktop and a phone: a chart from reads taken the same day, the table of
past reads with its paging and date jump, and a toner forecast."""

import uuid

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, Portal, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="module")
def acme_committed(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        yield django_db_setup["acme"]
        connection.set_schema_to_public()


def device_read(days_ago: list[float], *, toner_from: float | None = None) -> str:
    """A colour MFP read at each of `days_ago` (oldest first), its total rising 150 pages a read and, from
    `toner_from`, its black toner falling 2 % a read. Returns its public id."""
    from tests.dashboard.fleet_support import black_toner, discover_as, read_as, recording_serial, toner_at
    from tests.meters.ingest_support import LIFE_COUNT, new_agent, set_value

    agent, original = new_agent(), recording_serial()
    device = discover_as(agent, f"10.79.{uuid.uuid4().int % 250}.1", original, f"DP{uuid.uuid4().hex[:8].upper()}")
    toner = None
    for index, days in enumerate(days_ago):
        edits = [set_value(LIFE_COUNT, 80_000 + 150 * index)]
        if toner is not None:
            edits.append(toner_at(toner, toner_from - 2 * index))
        read_as(agent, device, original, days_ago=days, edits=tuple(edits))
        toner = black_toner(device) if toner_from is not None else None
    return str(device.public_id)


def serial_of(device_id: str) -> str:
    from meters.models import Device

    return Device.objects.get(public_id=device_id).serial


def forget(device_id: str) -> None:
    from meters.models import Device

    Device.objects.filter(public_id=device_id).delete()


def part(page, selector: str, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(selector).screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways at phone width ({width}px)"


def test_a_device_read_several_times_today_has_a_chart(acme_committed, static_collected, portal_server, browser):
    base = Portal(portal_server).dealer("acme")
    device_id = in_acme(acme_committed, lambda: device_read([0.3, 0.22, 0.15, 0.08, 0.01]))
    try:
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = sign_in(browser, base, "admin@acme.example", PASSWORD, viewport=viewport)
            page.goto(f"{base}/devices/{device_id}/")
            chart = page.locator("#meters-now svg.chart")
            assert chart.count() == 1 and page.locator("#meters-now svg.chart circle").count() >= 5
            assert "Not enough reads" not in page.inner_text("#meters-now")
            part(page, "#meters-now", f"device-chart-same-day-{name}")
            screenshot(page, f"device-page-same-day-{name}")
            if viewport is PHONE:
                no_sideways_scroll(page)
            page.context.close()
    finally:
        in_acme(acme_committed, lambda: forget(device_id))


def test_past_reads_and_a_forecast_on_the_device_page(acme_committed, static_collected, portal_server, browser):
    base = Portal(portal_server).dealer("acme")
    days = [float(d) + 0.4 for d in range(24, 0, -1)]  # a read a day for 24 days
    device_id = in_acme(acme_committed, lambda: device_read(days, toner_from=90))
    try:
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = sign_in(browser, base, "admin@acme.example", PASSWORD, viewport=viewport)
            page.goto(f"{base}/devices/{device_id}/")
            assert "empty in about" in page.inner_text("#supplies")
            rows = page.locator("#reads tbody tr")
            assert rows.count() == 20 and "83,450" in rows.first.inner_text()  # newest: 80,000 + 23 reads of 150 pages
            part(page, "#supplies", f"device-forecast-{name}")
            part(page, "#reads", f"device-reads-{name}")
            page.click("#reads >> text=Older →")
            page.wait_for_selector("#reads >> text=Newer")
            assert page.locator("#reads tbody tr").count() == 4
            assert "80,000" in page.locator("#reads tbody tr").last.inner_text()  # the first read, at the end
            day, month, year = page.locator("#reads tbody tr time").last.inner_text()[:10].split("/")  # en-gb
            page.fill("#id_reads_on", f"{year}-{month}-{day}")
            page.click("#reads button")
            page.wait_for_selector("#reads-on")
            assert "80,000" in page.locator("#reads tbody tr").first.inner_text()
            part(page, "#reads", f"device-reads-jumped-{name}")
            screenshot(page, f"device-page-reads-{name}")
            if viewport is PHONE:
                no_sideways_scroll(page)
            page.context.close()
    finally:
        in_acme(acme_committed, lambda: forget(device_id))


def test_the_devices_list_exports_what_it_shows(acme_committed, static_collected, portal_server, browser):
    """Filter the list by searching a serial, then CSV: the file holds that device, with its meters."""
    import csv
    import io

    base = Portal(portal_server).dealer("acme")
    device_id = in_acme(acme_committed, lambda: device_read([1.2, 0.2], toner_from=70))
    serial = in_acme(acme_committed, lambda: serial_of(device_id))
    try:
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = sign_in(browser, base, "admin@acme.example", PASSWORD, viewport=viewport)
            page.goto(f"{base}/devices/")
            page.fill("#device-filters input[name=q]", serial)
            page.wait_for_selector(f"#export-csv[href*='q={serial}']")  # the links follow the refiltered table
            screenshot(page, f"device-list-export-{name}")
            with page.expect_download() as download:
                page.click("#export-csv")
            rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
            assert [row["serial"] for row in rows] == [serial] and rows[0]["total"] == "80150"
            with page.expect_download() as download:
                page.click("#export-xlsx")
            assert download.value.suggested_filename.endswith(".xlsx")
            if viewport is PHONE:
                no_sideways_scroll(page)
            page.context.close()
    finally:
        in_acme(acme_committed, lambda: forget(device_id))
