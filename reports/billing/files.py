"""The billing export as an .xlsx workbook written row by row (openpyxl write-only); its CSV is
portal.lib.csv_stream.csv_chunks.

Plain Python. Both take the columns and an iterable of lines (lists of plain values from billing.lines) and hold
one chunk of rows at a time, so memory stays flat whatever the fleet's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from portal.lib.columns import Column
from portal.lib.xlsx import clean_text
from reports.excel.stream import StreamingSheet, Styled, add_streaming_sheet
from reports.excel.styles import CellFormat

SHEET_TITLE = "Billing"
ABOUT_TITLE = "About"
WIDTHS = {
    "customer": 28,
    "site": 22,
    "model": 24,
    "location": 24,
    "device_id": 38,
    "time_zone": 16,
    "start_read_note": 96,
    "end_read_note": 96,
    "usage_note": 60,
    "open_flag_details": 60,
}
KIND_WIDTHS = {"text": 14, "time": 17, "day": 11, "count": 11, "note": 60}
RIGHT_ALIGNED = frozenset({"time", "day", "count"})
KIND_FORMATS: dict[str, CellFormat] = {"time": "date", "day": "day", "count": "count"}


def write_xlsx(
    columns: list[Column], lines: Iterable[list[object]], destination: str | Path | BinaryIO, *, about: list
) -> int:
    """The Billing sheet (one device a row, header frozen and filterable) and an About sheet; returns the rows."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "Meterbridge"
    wb.properties.title = "Billing export"
    ws = add_streaming_sheet(wb, SHEET_TITLE)
    _lay_out(ws, columns)
    ws.append([_header(ws, column) for column in columns])
    count = 0
    for line in lines:
        ws.append([_cell(column, value) for column, value in zip(columns, line, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    _write_about(wb, [*about, ("Devices", count)])
    wb.save(destination)
    return count


def _lay_out(ws: StreamingSheet, columns: list[Column]) -> None:
    """What write-only mode needs before the first row. Widths are fixed per column: measuring the values
    would take a second pass over the fleet."""
    for index, column in enumerate(columns, 1):
        width = WIDTHS.get(column.name, KIND_WIDTHS[column.kind])
        ws.column_dimensions[get_column_letter(index)].width = max(width, len(column.name) + 3)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.oddFooter.center.text = "Page &P of &N"


def _header(ws: StreamingSheet, column: Column) -> Cell:
    cell = ws.styles.cell(column.name, "header")
    if column.kind in RIGHT_ALIGNED:  # over its numbers and dates, as a clerk reads down the column
        cell.alignment = Alignment(horizontal="right", vertical="center")
    return cell


def _cell(column: Column, value: object) -> object:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)  # already the site's local time; the time_zone column says which
    if column.kind in KIND_FORMATS:
        return Styled(value, KIND_FORMATS[column.kind])
    text = clean_text(value)
    # A printer's location like "=HYPERLINK(...)" is text, never a formula: Styled cells are stored as text.
    return Styled(text, "text") if text and text.startswith("=") else text


def _write_about(wb: Workbook, about: list[tuple[str, object]]) -> None:
    ws = add_streaming_sheet(wb, ABOUT_TITLE)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 100
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    styles = ws.styles
    ws.append([styles.cell("Billing export", "title")])
    for label, value in about:
        fmt: CellFormat = "value_day" if isinstance(value, date) and not isinstance(value, datetime) else "value"
        if isinstance(value, datetime):
            value, fmt = value.replace(tzinfo=None), "value_date"
        ws.append([styles.cell(label, "label"), styles.cell(value, fmt)])
