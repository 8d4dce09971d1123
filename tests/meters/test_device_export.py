"""The devices list as CSV and XLSX: the list's filters, every matching device, the columns a dealer bills from."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.dashboard.fleet_support import black_toner, fleet_of, read_as, recording_serial, toner_at
from tests.meters.ingest_support import new_agent
from tests.support.personas import client_for


def csv_rows(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_csv_has_the_filtered_devices_with_meters_read_time_and_toner(acme):
    agent, other = new_agent(), new_agent()
    devices = fleet_of(agent, 3, prefix="33.1")
    stranger = fleet_of(other, 1, prefix="33.2")[0]
    read_as(agent, devices[0], recording_serial(), edits=(toner_at(black_toner(devices[0]), 42),))
    response = client_for(acme, acme.viewer).get("/devices/export.csv", {"site": str(agent.site.public_id)})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {row["serial"]: row for row in csv_rows(response)}
    assert set(rows) == {d.serial for d in devices} and stranger.serial not in rows
    device = devices[0]
    device.refresh_from_db()
    row = rows[device.serial]
    assert row["customer"] == agent.site.customer.name and row["site"] == agent.site.name
    assert row["model"] == device.model and row["ip"] == device.ip
    assert int(row["total"]) == device.latest_total and int(row["mono"]) == device.latest_mono
    assert row["toner_black_percent"] == "42"
    read_at = datetime.fromisoformat(row["last_read_at"])
    assert read_at == device.last_read_at.replace(microsecond=0) and row["time_zone"] == "Europe/Berlin"
    assert read_at.utcoffset() == device.last_read_at.astimezone(ZoneInfo("Europe/Berlin")).utcoffset()


def test_xlsx_has_the_same_devices_as_a_workbook(acme):
    agent = new_agent()
    devices = fleet_of(agent, 2, prefix="33.3")
    response = client_for(acme, acme.viewer).get("/devices/export.xlsx", {"site": str(agent.site.public_id)})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Devices"]
    header = [c.value for c in ws[1]]
    lines = [dict(zip(header, (c.value for c in row), strict=True)) for row in ws.iter_rows(min_row=2)]
    assert {line["serial"] for line in lines} == {d.serial for d in devices}
    device = devices[0]
    device.refresh_from_db()
    line = next(line for line in lines if line["serial"] == device.serial)
    assert line["total"] == device.latest_total and line["color"] == device.latest_color
    local = device.last_read_at.astimezone(ZoneInfo("Europe/Berlin")).replace(tzinfo=None, microsecond=0)
    assert line["last_read_at"].replace(microsecond=0) == local
    assert ws.freeze_panes == "A2" and isinstance(line["toner_black_percent"], int)


def test_a_filter_that_cannot_be_used_is_a_400_with_the_reason(acme):
    response = client_for(acme, acme.viewer).get("/devices/export.csv", {"toner_below": "lots"})
    assert response.status_code == 400 and "toner_below" in response.content.decode()


def test_the_export_links_follow_the_filters_as_the_table_is_refiltered(acme):
    agent = new_agent()
    fleet_of(agent, 1, prefix="33.4")
    site = str(agent.site.public_id)
    partial = client_for(acme, acme.viewer).get("/devices/", {"site": site}, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-swap-oob="true"' in partial and f"/devices/export.csv?site={site}" in partial


def test_another_dealer_exports_none_of_these_devices(acme, beta):
    devices = fleet_of(new_agent(), 1, prefix="33.5")
    response = client_for(beta, beta.viewer).get("/devices/export.csv")
    assert devices[0].serial not in b"".join(response.streaming_content).decode()
