"""The Devices sheet: one line per device, streamed row by row (openpyxl write-only mode) to scale to 10,000s."""

from __future__ import annotations

from datetime import tzinfo

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins

from meters.supply_keys import SupplyKey, supply_key
from portal.lib.xlsx import clean_text
from portal.lib.zones import zone
from reports.excel.columns import FROZEN_COLUMNS, Column, plan_columns, row_values
from reports.excel.data import DeviceRow, ReportInput
from reports.excel.stream import StreamingSheet, Styled, add_streaming_sheet
from reports.excel.styles import CellFormat, RowFill

SHEET_TITLE = "Devices"
# Narrow enough that a typical 25-column sheet still prints legibly fitted to one landscape page width.
FIXED_WIDTHS = {"date": 16.0, "meter": 10.0, "start_meter": 10.0, "volume": 10.0, "status": 7.0}
MIN_WIDTH, MAX_WIDTH = 8.0, 32.0
PLAIN_KINDS = frozenset({"text", "status", "flags"})
ROW_FILLS: dict[str, RowFill] = {"new": "new", "stale": "stale"}


def write_devices(wb: Workbook, report: ReportInput) -> StreamingSheet:
    ws = add_streaming_sheet(wb, SHEET_TITLE, report.date_formats)
    columns = plan_columns(report.devices)
    styles = ws.styles
    _lay_out(ws, report, columns)
    ws.append([styles.cell(c.header, "header") for c in columns])
    default_tz = zone(report.time_zone)
    for device in report.devices:
        ws.append(_styled_row(device, columns, default_tz, report.low_supply_percent))
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(report.devices) + 1}"
    return ws


def _lay_out(ws: WriteOnlyWorksheet, report: ReportInput, columns: list[Column]) -> None:
    """Everything write-only mode needs before the first row: widths, frozen header and device columns, and a
    print setup that fits the width of a landscape page, runs down as many pages as it takes (fitToHeight 0:
    10,000 devices squeezed onto one page would be unreadable) and repeats the header row on each."""
    for index, width in enumerate(_widths(report.devices, columns), 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = f"{get_column_letter(FROZEN_COLUMNS + 1)}2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    customer = f" - {report.customer_name}" if report.customer_name else ""
    ws.oddHeader.left.text = _header_text(f"{report.dealer_name}{customer} meter report")
    ws.oddFooter.center.text = "Page &P of &N"


def _header_text(text: str) -> str:
    return (clean_text(text) or "").replace("&", "&&")


def _widths(devices: list[DeviceRow], columns: list[Column]) -> list[float]:
    """Wide enough for the longest value (capped) or the header's longest word; measured without cleaning."""
    supplies = _supply_text_lengths(devices)
    widths = []
    for column in columns:
        header = max(len(word) for word in column.header.split()) + 2
        if column.kind in FIXED_WIDTHS:
            widths.append(max(FIXED_WIDTHS[column.kind], header))
            continue
        if column.kind == "supply":
            longest = supplies.get(column.supply, 0) if column.supply else 0
        elif column.kind == "flags":
            longest = max((sum(len(str(f)) + 2 for f in d.flags) for d in devices if d.flags), default=0)
        else:
            longest = max((len(str(v)) for d in devices if (v := getattr(d, column.key)) is not None), default=0)
        widths.append(min(MAX_WIDTH, max(MIN_WIDTH, header, longest + 2)))
    return widths


def _supply_text_lengths(devices: list[DeviceRow]) -> dict[SupplyKey, int]:
    """Per supply column, the longest text: a level prints as "100%", a state ("some remaining") may be longer."""
    lengths: dict[SupplyKey, int] = {}
    for device in devices:
        for supply in device.supplies:
            key = supply_key(supply)
            text = "100%" if supply.level_percent is not None else supply.state or ""
            lengths[key] = max(lengths.get(key, 0), len(text))
    return lengths


def _styled_row(device: DeviceRow, columns: list[Column], tz: tzinfo, low: int | None) -> list[object]:
    fill = ROW_FILLS.get(device.status, "")
    note = clean_text("\n".join(str(f) for f in device.flags if f)) if device.flags else None
    values = row_values(device, columns, tz)
    return [_cell(device, c, v, fill, low, note) for c, v in zip(columns, values, strict=True)]


def _cell(device: DeviceRow, column: Column, value: object, fill: RowFill, low: int | None, note: str | None) -> object:
    """The value as it goes to the sheet: plain when it needs no style (the cheap, common case), else Styled."""
    kind = column.kind
    if value is None:
        return Styled(None, "text", fill) if fill else None
    if kind in PLAIN_KINDS:
        needs_style = fill or (isinstance(value, str) and value.startswith("="))
        return Styled(value, "text", fill) if needs_style else value
    if kind == "date":
        return Styled(value, "date", fill)
    if kind == "supply":
        return Styled(value, _supply_format(value, low), fill)
    if kind == "start_meter":
        return Styled(value, "count", fill)  # a start read is a good one: flagged reads are never chosen for it
    if device.meter_is_flagged(column.key):
        return Styled(value, "flagged", fill, note if kind == "meter" else None)
    return Styled(value, "count", fill)


def _supply_format(value: object, low: int | None) -> CellFormat:
    if not isinstance(value, int):
        return "text"  # a state such as "some remaining"
    return "low" if low is not None and value <= low else "percent"
