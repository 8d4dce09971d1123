"""The report's Excel writer leans on openpyxl internals, kept because the public write-only API was measured too
slow for it (bench/report.py: public_api_ratio against the 1.5x target). An openpyxl upgrade must fail here, loudly
and by name, before it can change a report quietly.

Used: reports/excel/stream.py subclasses WriteOnlyWorksheet (a private module) and overrides its _values_to_row,
adds the sheet with Workbook._add_sheet, and caches Cell.style_id on reused cells; reports/excel/styles.py and
portal/lib/xlsx.py build cells from a registered style (Cell(style_array=...), StyleableObject._style).
"""

import hashlib
import inspect
import io

import openpyxl
from openpyxl.styles.styleable import StyleableObject
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from reports.excel.stream import Styled, add_streaming_sheet

VERIFIED_SERIES = "3.1."  # pyproject.toml pins openpyxl>=3.1,<3.2 for the same reason
# sha256 (first 16 hex digits) of each private piece's source as of openpyxl 3.1.5, where it was last checked.
FINGERPRINTS = {
    "WriteOnlyWorksheet._values_to_row": (WriteOnlyWorksheet._values_to_row, "1730ae9899d31788"),
    "WriteOnlyWorksheet._write_rows": (WriteOnlyWorksheet._write_rows, "bab6d5c3d13c3acd"),
    "Workbook._add_sheet": (Workbook._add_sheet, "7658ebe4441c2677"),
    "StyleableObject.__init__ (style_array, _style)": (StyleableObject.__init__, "b54d6913a6ed2bca"),
    "StyleableObject.style_id": (StyleableObject.style_id.fget, "b55df2adfdf835b3"),
}
WHAT_TO_DO = (
    "reports/excel/stream.py, reports/excel/styles.py and portal/lib/xlsx.py use these private openpyxl internals "
    "for speed. Read the new openpyxl source of each, adapt the override, run tests/reports and bench/report.py "
    "(if public_api_ratio is now within the target, switch to the public API and delete the override), then "
    "update FINGERPRINTS here and the openpyxl pin in pyproject.toml."
)


def _fingerprint(function: object) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]


def test_openpyxl_is_the_series_the_override_was_written_for():
    assert openpyxl.__version__.startswith(VERIFIED_SERIES), (
        f"openpyxl is {openpyxl.__version__}, not {VERIFIED_SERIES}x. {', '.join(FINGERPRINTS)}: {WHAT_TO_DO}"
    )


def test_the_private_openpyxl_internals_are_unchanged():
    changed = [name for name, (function, digest) in FINGERPRINTS.items() if _fingerprint(function) != digest]
    assert not changed, f"openpyxl {openpyxl.__version__} changed {', '.join(changed)}. {WHAT_TO_DO}"


def test_styled_values_go_through_the_override_into_the_file():
    wb = openpyxl.Workbook(write_only=True)
    ws = add_streaming_sheet(wb, "Devices")
    ws.append([Styled(123456, "count"), "plain", Styled("=HYPERLINK(1)", "text", "new"), Styled(7, "low", note="!")])
    buffer = io.BytesIO()
    wb.save(buffer)
    count, plain, location, low = openpyxl.load_workbook(buffer)["Devices"][1]
    written = (count.value, count.number_format, plain.value, location.value, location.data_type)
    assert written == (123456, "#,##0", "plain", "=HYPERLINK(1)", "s"), f"{WHAT_TO_DO} Written: {written}"
    assert location.fill.fgColor.rgb.endswith("FFFF00") and low.font.b and low.comment.text == "!", WHAT_TO_DO
