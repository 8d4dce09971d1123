"""The Summary sheet: who and when, device counts, page volume for the period, and what the colours mean."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from portal.lib.xlsx import clean_text
from portal.lib.zones import zone
from reports.excel.columns import VOLUME_KINDS, meter_label
from reports.excel.data import ReportInput
from reports.excel.styles import StyleBook
from reports.excel.summary import Summary
from reports.excel.values import as_date, local_naive

SHEET_TITLE = "Summary"
# As reports.selectors picks it: the last good (unflagged) read at or before the period's start, else the first
# read inside the period (a device new in it).
START_READ_WORDS = "the last good read at or before the start of the period (a device new in it: its first read)"
Row = list[object]


def write_summary(wb: Workbook, report: ReportInput, summary: Summary) -> WriteOnlyWorksheet:
    ws: WriteOnlyWorksheet = wb.create_sheet(SHEET_TITLE)
    styles = StyleBook(ws, report.date_formats)
    for letter, width in zip("ABC", (30, 22, 62), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.orientation = "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToHeight = 0
    for row in [*_heading(report, styles), *_counts(summary, styles), *_pages(summary, styles)]:
        ws.append(row)
    for row in _legend(report, styles):
        ws.append(row)
    return ws


def _heading(report: ReportInput, styles: StyleBook) -> list[Row]:
    tz_name = report.time_zone or "UTC"
    generated = local_naive(report.generated_at, zone(report.time_zone))
    return [
        [styles.cell(clean_text(f"{report.dealer_name}: meter report"), "title")],
        [],
        [styles.cell("Dealer", "label"), styles.cell(clean_text(report.dealer_name), "value")],
        [styles.cell("Customer", "label"), styles.cell(clean_text(report.customer_name), "value")],
        [styles.cell("Site", "label"), styles.cell(clean_text(report.site_name) or "All sites", "value")],
        [styles.cell("Period from", "label"), _date_cell(report.period_start, styles)],
        [styles.cell("Period to", "label"), _date_cell(report.period_end, styles)],
        [styles.cell("Generated at", "label"), styles.cell(generated, "value_date"), tz_name],
        [styles.cell("Dates on the Devices sheet", "label"), "in each site's local time"],
        [styles.cell("Start read, … at start", "label"), START_READ_WORDS],
        [],
    ]


def _date_cell(value: date | None, styles: StyleBook) -> object:
    day = as_date(value)
    return None if day is None else styles.cell(day, "value_day")


def _counts(summary: Summary, styles: StyleBook) -> list[Row]:
    return [
        [styles.cell("Devices", "section")],
        [styles.cell("Devices in report", "label"), styles.cell(summary.devices, "value_count")],
        [styles.cell("New devices", "label"), styles.cell(summary.new, "value_count")],
        [styles.cell("Stale devices", "label"), styles.cell(summary.stale, "value_count")],
        [styles.cell("Devices with flagged reads", "label"), styles.cell(summary.flagged, "value_count")],
        [],
    ]


def _pages(summary: Summary, styles: StyleBook) -> list[Row]:
    rows: list[Row] = [[styles.cell("Pages in period", "section")]]
    for kind in (*VOLUME_KINDS, "unsplit"):
        pages = summary.pages.get(kind)
        left_out = summary.pages_left_out.get(kind, 0)
        note = (
            f"{left_out} device(s) not counted: flagged read, or no reading at one end of the period"
            if left_out
            else None
        )
        rows.append([styles.cell(meter_label(kind), "label"), _count(pages, styles), note if left_out else None])
    return [*rows, []]


def _count(value: int | None, styles: StyleBook) -> object:
    return None if value is None else styles.cell(value, "value_count")


def _legend(report: ReportInput, styles: StyleBook) -> list[Row]:
    rows: list[Row] = [
        [styles.cell("Legend", "section")],
        [styles.cell("New", "text", "new"), _new_words(report)],
        [styles.cell("Stale", "text", "stale"), f"Stale device: no read for {report.stale_after_days} days or more"],
        [styles.cell(12345, "flagged"), "Flagged read: check before billing (see the cell's note and Flags)"],
    ]
    if report.low_supply_percent is not None:
        low = report.low_supply_percent
        rows.append([styles.cell(low, "low"), f"Supply at or under {low}%"])
    return rows


def _new_words(report: ReportInput) -> str:
    """As reports.selectors decides it: a device first seen at or after the start of this report's period."""
    if report.period_start is None:
        return "New device: first seen during this report's period"
    return f"New device: first seen on or after {report.period_start:%Y-%m-%d}, the start of this report's period"
