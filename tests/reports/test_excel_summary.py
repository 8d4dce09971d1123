"""The Summary sheet a customer reads first: who, when, how many devices, how many pages, what colours mean."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from reports.excel import DeviceRow, build_report
from tests.reports.test_excel_report import PINK, YELLOW, colour_mfp, fill_of, sample_report


def summary_of(devices: list[DeviceRow] | None = None, **overrides: object) -> Worksheet:
    report = sample_report(devices)
    for name, value in overrides.items():
        setattr(report, name, value)
    return load_workbook(io.BytesIO(build_report(report)))["Summary"]


def value(ws: Worksheet, label: str, column: int = 2) -> object:
    row = next(r for r in ws.iter_rows() if r[0].value == label)
    return row[column - 1].value


@pytest.fixture(scope="module")
def summary() -> Worksheet:
    return summary_of()


def test_summary_names_dealer_customer_period_and_when(summary: Worksheet) -> None:
    assert value(summary, "Dealer") == "Acme Copiers & Co"
    assert value(summary, "Customer") == "Globex"
    assert value(summary, "Site") == "All sites"
    assert value(summary, "Period from") == datetime(2026, 11, 1)
    assert value(summary, "Period to") == datetime(2026, 11, 20)
    assert value(summary, "Generated at") == datetime(2026, 11, 21, 7, 0)  # 12:00 UTC in New York (EST)
    assert value(summary, "Generated at", 3) == "America/New_York"


def test_summary_counts_devices_new_stale_and_flagged(summary: Worksheet) -> None:
    assert value(summary, "Devices in report") == 7
    assert value(summary, "New devices") == 1
    assert value(summary, "Stale devices") == 1
    assert value(summary, "Devices with flagged reads") == 1


def test_page_volume_adds_sound_reads_and_says_what_it_left_out(summary: Worksheet) -> None:
    # three healthy colour MFPs at 12,345 pages each and the Tokyo mono printer at 400; the flagged and the
    # unread device are left out, and said to be
    assert value(summary, "Total") == 3 * 12_345 + 400
    assert value(summary, "Mono") == 3 * 10_000
    assert value(summary, "Colour") == 3 * 2_345
    assert "2 device(s) not counted" in str(value(summary, "Total", 3))
    assert isinstance(value(summary, "Total"), int)


def test_mono_fleet_has_an_empty_colour_volume_not_zero() -> None:
    mono = DeviceRow(
        "Globex",
        "HQ",
        "UTC",
        "Brother",
        "HL-L5100DN",
        "E7X1",
        None,
        None,
        None,
        None,
        meters={"total": 900},
        meters_at_period_start={"total": 100},
    )
    ws = summary_of([mono])
    assert value(ws, "Total") == 800
    assert value(ws, "Colour") is None
    assert value(ws, "Total", 3) is None


def test_legend_shows_the_colours_used_on_the_devices_sheet(summary: Worksheet) -> None:
    legend = {row[1].value: row[0] for row in summary.iter_rows() if row[1].value and row[0].value is not None}
    new = next(c for text, c in legend.items() if str(text).startswith("New device"))
    stale = next(c for text, c in legend.items() if str(text).startswith("Stale device"))
    flagged = next(c for text, c in legend.items() if str(text).startswith("Flagged read"))
    assert fill_of(new) == YELLOW and fill_of(stale) == PINK
    assert "(?)" in flagged.number_format
    assert any(str(text).startswith("Supply at or under 15%") for text in legend)


def test_the_legend_says_new_as_the_report_decides_it(summary: Worksheet) -> None:
    words = next(row[1].value for row in summary.iter_rows() if str(row[1].value).startswith("New device"))
    assert "first seen on or after 2026-11-01" in words and "since the last report" not in words


def test_summary_of_a_site_report_without_dates_or_zone_still_builds() -> None:
    ws = summary_of([colour_mfp()], site_name="Head office", generated_at=None, time_zone=None, period_start=None)
    assert value(ws, "Site") == "Head office"
    assert value(ws, "Period from") is None
    assert value(ws, "Period to") == datetime(2026, 11, 20)
    assert value(ws, "Generated at", 3) == "UTC"


def test_period_given_as_dates_is_shown_as_dates(summary: Worksheet) -> None:
    cell = next(r for r in summary.iter_rows() if r[0].value == "Period from")[1]
    assert cell.is_date and cell.number_format == "yyyy-mm-dd"
    assert cell.value.date() == date(2026, 11, 1)


def test_volume_nobody_can_vouch_for_is_empty_with_a_note_not_zero() -> None:
    unread = colour_mfp(meters={"total": None, "mono": None, "color": None})
    ws = summary_of([unread])
    assert value(ws, "Total") is None and value(ws, "Colour") is None
    assert "1 device(s) not counted" in str(value(ws, "Total", 3))
