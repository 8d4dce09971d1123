"""The export as an HTTP response: CSV streamed as it is generated, XLSX built in a temporary file then sent."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django_tenants.utils import tenant_context

from portal.lib.csv_stream import csv_chunks
from portal.lib.xlsx import XLSX_CONTENT_TYPE
from reports.billing.files import write_xlsx
from reports.billing.forms import ExportRequest
from reports.billing.lines import line_values, plan_columns
from reports.billing.selectors import billing_devices, billing_stated_kinds

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
END_READ_RULE = "The last good read at or before the end of the last day (after it only if the period has none)."


def billing_export_response(export: ExportRequest) -> StreamingHttpResponse | FileResponse:
    columns = plan_columns(billing_stated_kinds(period=export.period, customer=export.customer))
    devices = billing_devices(period=export.period, customer=export.customer)
    lines = (line_values(device, columns) for device in devices)
    filename = export_filename(export)
    if export.file_format == "csv":
        chunks = _in_tenant(connection.tenant, csv_chunks(columns, lines))
        response = StreamingHttpResponse(chunks, content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # openpyxl's write-only mode keeps rows in a temporary file and zips them at the end: the workbook never
    # sits in memory, but it must be complete before the first byte goes out.
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    try:
        write_xlsx(columns, lines, file, about=_about(export))
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def export_filename(export: ExportRequest) -> str:
    who = slugify(export.customer.name)[:60] if export.customer else "all-customers"
    period = export.period
    return f"billing-{who or 'customer'}-{period.start}-to-{period.end}.{export.file_format}"


def _in_tenant(tenant, chunks: Iterator[str]) -> Iterator[str]:
    """A streamed body is generated after the view has returned: pin the request's dealer schema while the rows
    are read, whatever the connection was switched to in between."""
    with tenant_context(tenant):
        yield from chunks


def _about(export: ExportRequest) -> list[tuple[str, object]]:
    return [
        ("Dealer", connection.tenant.name),
        ("Customer", export.customer.name if export.customer else "All customers"),
        ("Period", f"{export.period.start} to {export.period.end} (whole days, each site's time zone)"),
        ("Generated (UTC)", timezone.now().replace(microsecond=0)),
        ("Times", "Local time of each device's site: see the time_zone column."),
        ("Empty cell", "Unknown: the device does not state that meter, or no read was found. Never 0."),
        ("Start read", "The last good read at or before the start of the first day (else the first in the period)."),
        ("End read", END_READ_RULE),
        ("Notes", "start_read_note / end_read_note say which read was used when none was at the edge of the period."),
        ("Flagged reads", "Reads held for a decision (open flags) are never used; open_flags counts them."),
    ]
