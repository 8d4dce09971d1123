"""A write-only worksheet that takes (value, style) pairs and reuses one cell per style.

Measured on openpyxl 3.1.5 with 10,000 devices: handing `append()` a new styled Cell per value costs ~1.8x a plain
dump, because append first tries to bind each Cell as a value (raising and formatting an error every time) and then
allocates a fresh scratch cell. Rows are written out as they are appended, so one cell per style can be reused.
This leans on WriteOnlyWorksheet._values_to_row (stable since openpyxl 2.6). Re-measured 2026-11-29 with the
report's 29 columns: this 1.37x, the public API (bench/report_public_api.py) 1.79x, target 1.5x, so the override
stays. tests/reports/test_openpyxl_internals.py fails, naming each private piece, when openpyxl changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.excel.styles import CellFormat, RowFill, StyleBook


class Styled(NamedTuple):
    value: object
    fmt: CellFormat
    fill: RowFill = ""
    note: str | None = None


class _ReusedCell(Cell):  # type: ignore[misc]
    """A scratch cell whose style never changes, so its style id is looked up once rather than per value."""

    __slots__ = ("_style_id",)

    @property
    def style_id(self) -> int:
        try:
            return self._style_id
        except AttributeError:
            self._style_id: int = int(super().style_id)
            return self._style_id


class StreamingSheet(WriteOnlyWorksheet):  # type: ignore[misc]
    def __init__(self, parent: Workbook, title: str, dates: Mapping[str, str] | None = None) -> None:
        super().__init__(parent, title)
        self.styles = StyleBook(self, dates)
        self._scratch: dict[tuple[RowFill, CellFormat], Cell] = {}

    def _values_to_row(self, values: Iterable[object], row_idx: int) -> Iterator[Cell]:
        plain = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Styled):
                cell = self._styled(value)
            elif isinstance(value, Cell):
                cell = value
            else:
                plain.value = value
                cell = plain
            cell.row, cell.column = row_idx, col_idx
            yield cell
            if cell is plain and plain.has_style:  # a plain datetime picks up a date format: don't pass it on
                plain = WriteOnlyCell(self)

    def _styled(self, styled: Styled) -> Cell:
        if styled.note:
            return self.styles.cell(styled.value, styled.fmt, styled.fill, styled.note)
        cell = self._scratch.get((styled.fill, styled.fmt))
        if cell is None:
            style = self.styles.array(styled.fill, styled.fmt)
            cell = self._scratch[(styled.fill, styled.fmt)] = _ReusedCell(self, 1, 1, style_array=style)
        cell.value = styled.value
        if cell.data_type == "f":
            cell.data_type = "s"  # text such as "=HYPERLINK(...)" from a printer's web page is never a formula
        return cell


def add_streaming_sheet(wb: Workbook, title: str, dates: Mapping[str, str] | None = None) -> StreamingSheet:
    ws = StreamingSheet(wb, title, dates)
    wb._add_sheet(ws)
    return ws
