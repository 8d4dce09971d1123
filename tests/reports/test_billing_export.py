"""The billing export as a clerk at month end uses it: November 2026 for a small fleet in Berlin, read back from the
CSV and XLSX files the API and the portal hand out (docs/billing-export.md)."""

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from meters.choices import Lifecycle
from meters.models import Device, MeterFlag, MeterRead
from reports.billing.lines import plan_columns
from tests.support.factories import make_site, unique
from tests.support.personas import api_client_for, client_for

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = "start=2026-11-01&end=2026-11-30"


def at(text: str, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def make_device(site, name: str, *, first_seen: str = "2026-06-01 09:00", **fields) -> Device:
    serial = unique(name).replace(" ", "-")
    fields.setdefault("manufacturer", "Konica Minolta")
    fields.setdefault("model", "bizhub C250i")
    fields.setdefault("last_read_at", at("2026-12-02 09:00"))
    return Device.objects.create(
        site=site,
        identity_key=f"serial:{serial}",
        serial=serial,
        ip="10.9.0.10",
        first_seen_at=at(first_seen),
        last_seen_at=at("2026-12-02 09:00"),
        **fields,
    )


def add_read(device: Device, when: str, flagged: bool = False, tz: ZoneInfo = BERLIN, **values: int) -> MeterRead:
    return MeterRead.objects.create(
        device=device,
        read_at=at(when, tz),
        values=values,
        is_flagged=flagged,
        total=values.get("total"),
        mono=values.get("mono"),
        color=values.get("color"),
    )


@dataclass
class Fleet:
    site: object
    on_time: Device
    late: Device
    mono_only: Device
    flagged: Device
    new: Device

    @property
    def customer(self):
        return self.site.customer


@pytest.fixture
def fleet(acme) -> Fleet:
    site = make_site(customer_name="Contoso Billing", site_name="Head office", time_zone="Europe/Berlin")
    on_time = make_device(site, "ON-TIME")
    add_read(on_time, "2026-10-31 17:00", total=100_000, mono=60_000, color=40_000, print=70_000, copy=30_000)
    add_read(on_time, "2026-11-15 12:00", total=101_000, mono=60_600, color=40_400, print=70_700, copy=30_300)
    add_read(on_time, "2026-11-30 17:00", total=102_500, mono=61_500, color=41_000, print=71_800, copy=30_700)
    add_read(on_time, "2026-12-01 09:00", total=109_999, mono=69_999, color=40_000, print=79_999, copy=30_000)
    late = make_device(site, "LATE")
    add_read(late, "2026-10-31 20:00", total=5_000, mono=3_000, color=2_000)
    add_read(late, "2026-11-27 16:02", total=6_200, mono=3_900, color=2_300)
    add_read(late, "2026-12-02 09:00", total=6_900, mono=4_400, color=2_500)
    mono_only = make_device(site, "MONO", manufacturer="Brother", model="HL-L5100DN")
    add_read(mono_only, "2026-10-31 23:30", total=20_000, mono=20_000)
    add_read(mono_only, "2026-11-30 23:00", total=21_234, mono=21_234)
    flagged = make_device(site, "FLAGGED")
    add_read(flagged, "2026-10-31 12:00", total=50_000, mono=30_000, color=20_000)
    add_read(flagged, "2026-11-30 08:00", total=52_000, mono=31_000, color=21_000)
    held = add_read(flagged, "2026-11-30 20:00", flagged=True, total=12, mono=10, color=2)
    MeterFlag.objects.create(
        device=flagged,
        read=held,
        kind="reset",
        meter_kind="total",
        oid="1.3.6.1.2.1.43.10.2.1.4.1.1",
        previous=52_000,
        current=12,
        proposed_offset=51_988,
        message="total counter went back from 52000 to 12",
    )
    new = make_device(site, "NEW", first_seen="2026-11-10 10:00")
    add_read(new, "2026-11-10 10:15", total=300, mono=300, color=0)
    add_read(new, "2026-11-30 16:00", total=900, mono=700, color=200)
    return Fleet(site, on_time, late, mono_only, flagged, new)


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def by_serial(rows: list[dict], fleet: Fleet) -> dict[str, dict]:
    return {row["serial"]: row for row in rows if row["customer"] == fleet.customer.name}


def export(client, query: str, customer=None):
    suffix = f"&customer={customer.public_id}" if customer is not None else ""
    return client.get(f"/api/v1/billing-export/?{NOVEMBER}&{query}{suffix}")


def test_csv_gives_each_devices_start_end_and_usage_per_meter(acme, fleet):
    response = export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert (
        f"billing-{fleet.customer.name.lower().replace(' ', '-')}-2026-11-01-to-2026-11-30.csv"
        in (response["Content-Disposition"])
    )
    row = by_serial(csv_rows(response), fleet)[fleet.on_time.serial]
    assert (row["site"], row["manufacturer"], row["model"], row["ip"]) == (
        "Head office",
        "Konica Minolta",
        "bizhub C250i",
        "10.9.0.10",
    )
    assert (row["period_start"], row["period_end"], row["time_zone"]) == ("2026-11-01", "2026-11-30", "Europe/Berlin")
    assert row["start_read_at"] == "2026-10-31T17:00:00+01:00" and row["end_read_at"] == "2026-11-30T17:00:00+01:00"
    assert row["start_read_note"] == row["end_read_note"] == ""
    assert (row["total_start"], row["total_end"], row["total_usage"]) == ("100000", "102500", "2500")
    assert (row["mono_usage"], row["color_usage"], row["print_usage"], row["copy_usage"]) == (
        "1500",
        "1000",
        "1800",
        "700",
    )
    assert (row["lifecycle"], row["open_flags"], row["open_flag_details"]) == ("active", "0", "")


def test_columns_follow_the_meters_devices_state(acme, fleet):
    rows = csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer))
    header = list(rows[0])
    assert header[:6] == ["customer", "customer_account", "site", "manufacturer", "model", "serial"]
    meters = [name.removesuffix("_start") for name in header if name.endswith("_start") and name != "period_start"]
    assert meters == ["total", "mono", "color", "print", "copy"]  # no fax, scan or large: nobody states them
    assert header[-5:] == ["open_flags", "start_read_note", "end_read_note", "usage_note", "open_flag_details"]


def test_a_device_that_missed_the_end_uses_the_nearest_earlier_read_and_says_so(acme, fleet):
    row = by_serial(csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer)), fleet)
    late = row[fleet.late.serial]
    assert late["end_read_at"] == "2026-11-27T16:02:00+01:00"  # not the read of 2 December
    assert late["end_read_note"] == (
        "no read in the last day of the period: nearest read 2026-11-27 16:02, 3 days before the end"
    )
    assert (late["total_end"], late["total_usage"], late["color_usage"]) == ("6200", "1200", "300")


def test_a_device_new_in_the_period_starts_from_its_first_read(acme, fleet):
    new = by_serial(csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer)), fleet)
    row = new[fleet.new.serial]
    assert row["start_read_at"] == "2026-11-10T10:15:00+01:00"
    assert (
        row["start_read_note"] == "no read before the period: first read in it 2026-11-10 10:15, 9 days after the start"
    )
    assert (row["total_usage"], row["color_start"], row["color_usage"]) == ("600", "0", "200")  # a stated 0 stays 0


def test_an_unknown_colour_meter_is_empty_never_zero(acme, fleet):
    row = by_serial(csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer)), fleet)
    mono = row[fleet.mono_only.serial]
    assert (mono["color_start"], mono["color_end"], mono["color_usage"]) == ("", "", "")
    assert (mono["print_usage"], mono["copy_usage"]) == ("", "")
    assert (mono["total_usage"], mono["mono_usage"]) == ("1234", "1234")


def test_an_open_reset_flag_is_listed_and_its_read_never_ends_the_period(acme, fleet):
    row = by_serial(csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", fleet.customer)), fleet)
    flagged = row[fleet.flagged.serial]
    assert flagged["end_read_at"] == "2026-11-30T08:00:00+01:00" and flagged["total_usage"] == "2000"
    assert flagged["open_flags"] == "1"
    assert flagged["open_flag_details"] == "reset of total at 2026-11-30 20:00: 52000 -> 12"


def test_a_silent_month_never_invents_usage(acme):
    site = make_site(customer_name="Quiet Corp", time_zone="Europe/Berlin")
    came_back = make_device(site, "BACK")
    add_read(came_back, "2026-10-20 11:00", total=1_000)
    add_read(came_back, "2026-12-03 09:00", total=1_700)
    gone = make_device(site, "GONE")
    add_read(gone, "2026-10-20 11:00", total=4_000)
    never = make_device(site, "NEVER")
    rows = {r["serial"]: r for r in csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", site.customer))}
    back = rows[came_back.serial]
    assert back["end_read_at"] == "2026-12-03T09:00:00+01:00" and back["total_usage"] == "700"
    assert back["end_read_note"] == "no read in the period: first read after it 2026-12-03 09:00, 2 days after the end"
    assert rows[gone.serial]["total_start"] == rows[gone.serial]["total_end"] == "4000"
    assert rows[gone.serial]["total_usage"] == ""
    assert "41 days before the end" in rows[gone.serial]["end_read_note"]
    assert "usage unknown" in rows[gone.serial]["usage_note"]
    assert rows[never.serial]["start_read_at"] == rows[never.serial]["total_start"] == ""
    assert (rows[never.serial]["start_read_note"], rows[never.serial]["end_read_note"]) == (
        "no read up to the end of the period",
        "no read",
    )


def test_a_meter_that_went_back_is_left_empty_and_noted(acme):
    site = make_site(customer_name="Swap Corp", time_zone="Europe/Berlin")
    swapped = make_device(site, "SWAP", location='=HYPERLINK("http://evil")')
    add_read(swapped, "2026-10-27 16:02", total=9_000, mono=4_000, color=5_000)
    add_read(swapped, "2026-11-30 12:00", total=9_900, mono=5_700, color=4_200)  # a dismissed reset of colour
    client = api_client_for(acme, acme.viewer)
    row = csv_rows(export(client, "format=csv", site.customer))[0]
    assert (row["color_start"], row["color_end"], row["color_usage"]) == ("5000", "4200", "")
    assert row["usage_note"] == "color went back from 5000 to 4200: usage left empty"
    assert (row["total_usage"], row["mono_usage"]) == ("900", "1700")
    assert row["start_read_note"] == (
        "no read in the last day before the period: nearest read 2026-10-27 16:02, 4 days before the start"
    )
    assert row["location"] == '\'=HYPERLINK("http://evil")'  # never a formula when opened in a spreadsheet
    xlsx = load_workbook(io.BytesIO(b"".join(export(client, "format=xlsx", site.customer).streaming_content)))
    location = xlsx["Billing"].cell(row=2, column=9)
    assert (location.value, location.data_type) == ('=HYPERLINK("http://evil")', "s")


def test_unmonitored_and_long_retired_devices_are_left_out(acme):
    site = make_site(customer_name="Scope Corp", time_zone="Europe/Berlin")
    kept = make_device(site, "KEPT")
    add_read(kept, "2026-11-20 10:00", total=10)
    unmonitored = make_device(site, "OFF", is_monitored=False)
    add_read(unmonitored, "2026-11-20 10:00", total=10)
    retired = make_device(site, "RETIRED", lifecycle=Lifecycle.RETIRED, last_read_at=at("2026-08-01 10:00"))
    add_read(retired, "2026-08-01 10:00", total=10)
    retired_in_period = make_device(
        site, "LATE-RETIRED", lifecycle=Lifecycle.RETIRED, last_read_at=at("2026-11-05 10:00")
    )
    add_read(retired_in_period, "2026-11-05 10:00", total=10)
    rows = csv_rows(export(api_client_for(acme, acme.viewer), "format=csv", site.customer))
    assert sorted(r["serial"] for r in rows) == sorted([kept.serial, retired_in_period.serial])
    assert next(r for r in rows if r["serial"] == retired_in_period.serial)["lifecycle"] == "retired"


def test_all_customers_or_one(acme, fleet):
    other = make_site(customer_name="Fabrikam", time_zone="America/Chicago")
    add_read(make_device(other, "CHICAGO"), "2026-11-30 22:00", tz=ZoneInfo("America/Chicago"), total=7)
    client = api_client_for(acme, acme.viewer)
    everyone = {r["customer"] for r in csv_rows(export(client, "format=csv"))}
    assert {fleet.customer.name, other.customer.name} <= everyone
    one = {r["customer"] for r in csv_rows(export(client, "format=csv", other.customer))}
    assert one == {other.customer.name}
    chicago = csv_rows(export(client, "format=csv", other.customer))[0]
    # 22:00 on 30 November in Chicago is already 1 December in UTC: still November's end read there.
    assert chicago["end_read_at"] == "2026-11-30T22:00:00-06:00" and chicago["end_read_note"] == ""


def test_xlsx_reads_back_with_the_same_columns_and_numbers(acme, fleet):
    response = export(api_client_for(acme, acme.viewer), "format=xlsx", fleet.customer)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment") and ".xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb["Billing"]
    header = [cell.value for cell in ws[1]]
    assert header == [c.name for c in plan_columns(["print", "copy"])]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    rows = {
        r[header.index("serial")]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    }
    on_time, late, mono = rows[fleet.on_time.serial], rows[fleet.late.serial], rows[fleet.mono_only.serial]
    assert (on_time["total_usage"], on_time["print_usage"]) == (2500, 1800)
    assert on_time["end_read_at"] == datetime(2026, 11, 30, 17, 0)
    assert on_time["period_start"] == datetime(2026, 11, 1)
    assert "3 days before the end" in late["end_read_note"]
    assert mono["color_start"] is None and mono["color_usage"] is None
    assert rows[fleet.flagged.serial]["open_flags"] == 1
    column = header.index("end_read_at") + 1
    assert ws.cell(row=2, column=column).number_format == "yyyy-mm-dd hh:mm"
    assert wb["About"]["B3"].value == fleet.customer.name


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("end=2026-11-30", "The start date is missing"),
        ("start=2026-11-01&end=2026-11-31", "The end date is not a date"),
        ("start=01.11.2026&end=2026-11-30", "The start date is not a date"),
        ("start=2026-11-30&end=2026-11-01", "The end date 2026-11-01 is before the start date 2026-11-30"),
        ("start=2025-01-01&end=2026-11-30", "at most 366 days"),
        (f"{NOVEMBER}&format=pdf", "The format must be csv or xlsx"),
        (f"{NOVEMBER}&customer=acme-corp", "is not a customer id (a UUID)"),
        (f"{NOVEMBER}&customer={uuid.UUID(int=7)}", "There is no customer with the id"),
        ("start=2026-11-01&end=9999-12-31", "at most 366 days"),
    ],
)
def test_a_bad_request_gets_400_with_the_reason(acme, query, reason):
    response = api_client_for(acme, acme.viewer).get(f"/api/v1/billing-export/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert reason in response.json()["detail"] and response.json()["code"] == "invalid"


def test_another_dealer_sees_none_of_the_fleet(acme, beta, fleet):
    client = api_client_for(beta, beta.admin)
    rows = csv_rows(export(client, "format=csv"))
    assert fleet.customer.name not in {r["customer"] for r in rows}
    response = export(client, "format=csv", fleet.customer)
    assert response.status_code == 400 and "There is no customer" in response.json()["detail"]


def test_the_export_needs_a_signed_in_user(acme, fleet):
    assert client_for(acme).get(f"/api/v1/billing-export/?{NOVEMBER}").status_code in (401, 403)
    assert client_for(acme).get(f"/billing-export/?{NOVEMBER}").status_code == 302  # to sign-in


def test_download_from_the_device_list_and_the_customer_page(acme, fleet):
    client = client_for(acme, acme.viewer)
    device_list = client.get("/devices/").content.decode()
    assert 'action="/billing-export/"' in device_list and "Export billing" in device_list
    customer_page = client.get(f"/customers/{fleet.customer.public_id}/").content.decode()
    assert f'name="customer" value="{fleet.customer.public_id}"' in customer_page
    response = client.get(f"/billing-export/?{NOVEMBER}&format=csv&customer={fleet.customer.public_id}")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert by_serial(csv_rows(response), fleet)[fleet.on_time.serial]["total_usage"] == "2500"
    xlsx = client.get(f"/billing-export/?{NOVEMBER}&format=xlsx&customer={fleet.customer.public_id}")
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))["Billing"].max_row == 6


def test_a_bad_form_goes_back_to_the_page_with_the_reason(acme, fleet):
    client = client_for(acme, acme.viewer)
    page = f"http://{acme.host}/customers/{fleet.customer.public_id}/"
    response = client.get("/billing-export/?start=2026-11-30&end=2026-11-01&format=csv", HTTP_REFERER=page)
    assert response.status_code == 302 and response["Location"] == page
    shown = client.get(response["Location"]).content.decode()
    assert "No billing export: The end date 2026-11-01 is before the start date 2026-11-30." in shown


def test_openapi_schema_documents_the_billing_export(acme):
    schema = client_for(acme, acme.viewer).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/billing-export/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"start", "end", "format", "customer"}
    assert {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(
        operation["responses"]["200"]["content"]
    )
