"""Generic helpers for .xlsx files written with openpyxl: the content type, cell-safe text, and a plain table
sheet (header row, times, counts) for exports that are not the styled meter report (reports/excel has that)."""

from __future__ import annotations

from datetime import datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from portal.lib.columns import Column

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses longer cell text; the file would still open but with a repair prompt.
MAX_CELL_TEXT = 32_767
HEADER_FILL = "D9D9D9"
# Every font names its face: a Font without one renders in LibreOffice's serif fallback beside Calibri cells.
FONT = {"name": "Calibri", "size": 11}
TABLE_STYLES: dict[str, dict[str, object]] = {
    "text": {},
    "time": {"number_format": "yyyy-mm-dd hh:mm"},
    "day": {"number_format": "yyyy-mm-dd"},
    "count": {"number_format": "#,##0"},
    "header": {
        "font": Font(**FONT, bold=True),
        "fill": PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL),
        "alignment": Alignment(wrap_text=True, vertical="center"),
        "border": Border(bottom=Side(style="thin")),
    },
}


def clean_text(value: object) -> str | None:
    """Text safe for a cell: no control characters (seen as NUL padding in sysLocation on Kyocera
    ECOSYS models), trimmed, None when nothing is left."""
    if value is None:
        return None
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value)).strip()
    return text[:MAX_CELL_TEXT] or None


class TableCells:
    """Cells for one write-only table sheet: each style registered once per sheet (openpyxl would look it up
    per cell otherwise), then a cell per styled value built from the ready style array."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self._arrays = {name: self._register(spec) for name, spec in TABLE_STYLES.items()}

    def _register(self, spec: dict[str, object]) -> StyleArray:
        probe = Cell(self.ws, row=1, column=1)
        for name, value in spec.items():
            setattr(probe, name, value)
        return probe._style

    def cell(self, value: object, style: str) -> Cell:
        cell = Cell(self.ws, row=1, column=1, value=value, style_array=self._arrays[style])
        if cell.data_type == "f":
            # A location like "=HYPERLINK(...)" typed into a printer's web page is text, never a formula.
            cell.data_type = "s"
        return cell

    def header(self, columns: list[Column]) -> list[Cell]:
        return [self.cell(column.name, "header") for column in columns]

    def value(self, column: Column, value: object) -> object:
        """A plain value where no style is needed (most text), else a styled cell. Datetimes are written as
        given, without their zone (Excel has none): pass them already in the zone the sheet says."""
        if value is None:
            return None
        if isinstance(value, datetime):
            return self.cell(value.replace(tzinfo=None), "time")
        if column.kind in ("time", "day", "count"):
            return self.cell(value, column.kind)
        text = clean_text(value)
        return self.cell(text, "text") if text and text.startswith("=") else text
