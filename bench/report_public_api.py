"""The meter report written with openpyxl's public write-only API only, for bench/report.py to time beside ours.

reports/excel/stream.py overrides private write-only internals (tests/reports/test_openpyxl_internals.py names
them) because the public way was measured too slow. This is that public way, kept so the measurement can be
repeated after an openpyxl upgrade: WriteOnlyCell styled by plain attribute assignment, one reused cell per
(column, style) since append() writes each row out at once, ws.append(). It writes the same workbook (same
values, formats, fills and notes); only the Devices sheet's cells are built differently.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment

import reports.excel.devices_sheet as devices_sheet
from reports.excel import ReportInput, build_report
from reports.excel.stream import Styled
from reports.excel.styles import FILLS, CellFormat, RowFill, dated_formats


class PublicStyles:
    def __init__(self, ws: object, dates: Mapping[str, str] | None = None) -> None:
        self.ws = ws
        self._formats = dated_formats(dates)

    def cell(self, value: object, fmt: CellFormat, fill: RowFill = "", note: str | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.ws, value)
        for name, spec in self._formats[fmt].items():
            setattr(cell, name, spec)
        if FILLS[fill] is not None:
            cell.fill = FILLS[fill]
        if cell.data_type == "f":
            cell.data_type = "s"
        if note:
            cell.comment = Comment(note, "Meterbridge", height=120, width=260)
        return cell


class PublicSheet:
    """A write-only worksheet from wb.create_sheet(), with the `styles` and Styled values devices_sheet uses."""

    def __init__(self, ws: object, dates: Mapping[str, str] | None = None) -> None:
        object.__setattr__(self, "_ws", ws)
        object.__setattr__(self, "styles", PublicStyles(ws, dates))
        object.__setattr__(self, "_pool", {})

    def __getattr__(self, name: str) -> object:
        return getattr(self._ws, name)

    def __setattr__(self, name: str, value: object) -> None:
        setattr(self._ws, name, value)

    def append(self, values: list[object]) -> None:
        self._ws.append([self._cell(i, v) if type(v) is Styled else v for i, v in enumerate(values)])

    def _cell(self, index: int, styled: Styled) -> WriteOnlyCell:
        if styled.note:
            return self.styles.cell(styled.value, styled.fmt, styled.fill, styled.note)
        cell = self._pool.get((index, styled.fill, styled.fmt))
        if cell is None:
            cell = self._pool[(index, styled.fill, styled.fmt)] = self.styles.cell(None, styled.fmt, styled.fill)
        cell.value = styled.value
        if cell.data_type == "f":
            cell.data_type = "s"
        return cell


def _add_public_sheet(wb: Workbook, title: str, dates: Mapping[str, str] | None = None) -> PublicSheet:
    return PublicSheet(wb.create_sheet(title), dates)


@contextlib.contextmanager
def _public_devices_sheet() -> Iterator[None]:
    private = devices_sheet.add_streaming_sheet
    devices_sheet.add_streaming_sheet = _add_public_sheet
    try:
        yield
    finally:
        devices_sheet.add_streaming_sheet = private


def build_report_public_api(report: ReportInput) -> bytes:
    with _public_devices_sheet():
        return build_report(report)
