"""CSV for download, streamed: RFC 4180 text in chunks, so a file of any length holds one chunk in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from portal.lib.columns import Column
from portal.lib.xlsx import clean_text

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# A spreadsheet opening the CSV would run text starting with these as a formula; the text comes from printers'
# own settings (location, model), which anyone on the customer's network can type.
FORMULA_STARTS = ("=", "+", "-", "@")
ROWS_PER_CHUNK = 500


def csv_cell(value: object) -> str:
    """ISO 8601 times with their UTC offset, ISO dates, plain integers, empty for unknown."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = clean_text(value) or ""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_chunks(columns: list[Column], lines: Iterable[list[object]]) -> Iterator[str]:
    """RFC 4180 CSV (comma, double quotes, CRLF), the header row first, in chunks of ROWS_PER_CHUNK lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    for count, line in enumerate(lines, 1):
        writer.writerow([csv_cell(value) for value in line])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
