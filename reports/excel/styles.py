"""The report's look, created once per workbook and shared by every cell.

openpyxl registers a font, fill or format each time one is assigned to a cell, which costs a lookup per cell;
here each combination is registered once and cells are built from the ready style array.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

RowFill = Literal["", "new", "stale"]
CellFormat = Literal[
    "text",
    "date",
    "day",
    "count",
    "flagged",
    "percent",
    "low",  # Devices cells
    "header",
    "title",
    "section",
    "label",
    "value",
    "value_count",
    "value_day",
    "value_date",  # headings, Summary
]

NEW_FILL = "FFFF00"  # yellow: the seeds' "new device" colour, which dealers already know
STALE_FILL = "FFC0CB"  # pink: no read for a week
HEADER_FILL = "D9D9D9"
FLAG_RED = "C00000"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd"
COUNT_FORMAT = "#,##0"
# The suffix keeps a flagged read recognisable when printed in black and white.
FLAGGED_FORMAT = '#,##0" (?)"'
PERCENT_FORMAT = '0"%"'

# Every font names its face: a Font without one renders in LibreOffice's serif fallback beside Calibri cells.
FONT = {"name": "Calibri", "size": 11}

FILLS: dict[RowFill, PatternFill | None] = {
    "": None,
    "new": PatternFill("solid", start_color=NEW_FILL, end_color=NEW_FILL),
    "stale": PatternFill("solid", start_color=STALE_FILL, end_color=STALE_FILL),
}
FORMATS: dict[CellFormat, dict[str, object]] = {
    "text": {},
    "date": {"number_format": DATE_FORMAT},
    "day": {"number_format": DAY_FORMAT},
    "count": {"number_format": COUNT_FORMAT},
    "flagged": {"number_format": FLAGGED_FORMAT, "font": Font(**FONT, color=FLAG_RED, bold=True, italic=True)},
    "percent": {"number_format": PERCENT_FORMAT},
    "low": {"number_format": PERCENT_FORMAT, "font": Font(**FONT, color=FLAG_RED, bold=True)},
    "header": {
        "font": Font(**FONT, bold=True),
        "fill": PatternFill("solid", start_color=HEADER_FILL, end_color=HEADER_FILL),
        "alignment": Alignment(wrap_text=True, vertical="center"),
        "border": Border(bottom=Side(style="thin")),
    },
    "title": {"font": Font(name="Calibri", size=14, bold=True)},
    # Summary values sit left, beside their labels, whether text, number or date.
    "value": {"alignment": Alignment(horizontal="left")},
    "value_count": {"number_format": COUNT_FORMAT, "alignment": Alignment(horizontal="left")},
    "value_day": {"number_format": DAY_FORMAT, "alignment": Alignment(horizontal="left")},
    "value_date": {"number_format": DATE_FORMAT, "alignment": Alignment(horizontal="left")},
    "section": {"font": Font(name="Calibri", size=12, bold=True)},
    "label": {"font": Font(**FONT, bold=True)},
}


def dated_formats(dates: Mapping[str, str] | None) -> dict[CellFormat, dict[str, object]]:
    """FORMATS with the date cells in `dates` ({"date": ..., "day": ...}: Excel number formats of the dealer's
    locale); None keeps ISO dates, which an import into another program reads unambiguously."""
    if not dates:
        return FORMATS
    swap = {"date": dates["date"], "day": dates["day"], "value_date": dates["date"], "value_day": dates["day"]}
    return {fmt: {**spec, "number_format": swap[fmt]} if fmt in swap else spec for fmt, spec in FORMATS.items()}


class StyleBook:
    """Ready style arrays for every (row fill, cell format) pair of one worksheet's workbook."""

    def __init__(self, ws: WriteOnlyWorksheet, dates: Mapping[str, str] | None = None) -> None:
        self.ws = ws
        self._formats = dated_formats(dates)
        self._arrays = {(fill, fmt): self._register(fill, fmt) for fill in FILLS for fmt in FORMATS}

    def _register(self, fill: RowFill, fmt: CellFormat) -> StyleArray:
        probe = Cell(self.ws, row=1, column=1)
        for name, value in self._formats[fmt].items():
            setattr(probe, name, value)
        if FILLS[fill] is not None:
            probe.fill = FILLS[fill]
        return probe._style

    def array(self, fill: RowFill, fmt: CellFormat) -> StyleArray:
        return self._arrays[(fill, fmt)]

    def cell(self, value: object, fmt: CellFormat, fill: RowFill = "", note: str | None = None) -> Cell:
        cell = Cell(self.ws, row=1, column=1, value=value, style_array=self._arrays[(fill, fmt)])
        if cell.data_type == "f":
            # A location like "=HYPERLINK(...)" typed into a printer's web page is text, never a formula.
            cell.data_type = "s"
        if note:
            cell.comment = Comment(note, "Meterbridge", height=120, width=260)
        return cell
