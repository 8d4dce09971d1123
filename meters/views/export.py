"""The devices list as CSV or XLSX: the list's own filter set and sort, every device that matches (not one page).

CSV is streamed as it is generated; XLSX is written row by row (openpyxl write-only) into a temporary file, then
sent: a zip must be complete before its first byte goes out, but the workbook never sits in memory.
"""

import tempfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from django.db import connection
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views import View
from django_tenants.utils import tenant_context
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from meters import selectors
from meters.device_export import export_columns, export_lines, with_last_meters
from meters.filtersets import DeviceFilterSet
from meters.models import Device
from portal.lib.columns import Column
from portal.lib.csv_stream import CSV_CONTENT_TYPE, csv_chunks
from portal.lib.views import DealerPageMixin
from portal.lib.xlsx import XLSX_CONTENT_TYPE, TableCells

WIDTHS = {"customer": 28, "site": 22, "model": 24, "location": 24, "device_id": 38, "time_zone": 18}
KIND_WIDTHS = {"text": 14, "time": 17, "count": 10}


class DeviceExportView(DealerPageMixin, View):
    file_format = "csv"

    def get(self, request):
        filterset = DeviceFilterSet(request.GET or None, queryset=Device.objects.all())
        if filterset.is_bound and not filterset.is_valid():
            reasons = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
            return HttpResponse(f"These filters cannot be used: {reasons}", status=400, content_type="text/plain")
        sort = request.GET.get("sort", "customer")
        sort = sort if sort.lstrip("-") in selectors.DEVICE_SORTS else "customer"
        devices = with_last_meters(
            selectors.device_list(filterset.qs if filterset.is_bound else Device.objects.all(), sort=sort)
        )
        columns = export_columns(devices)
        lines = export_lines(devices, columns)
        name = f"devices-{connection.tenant.code}-{timezone.now():%Y-%m-%d}.{self.file_format}"
        if self.file_format == "csv":
            response = StreamingHttpResponse(
                _in_tenant(connection.tenant, csv_chunks(columns, lines)), content_type=CSV_CONTENT_TYPE
            )
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
        try:
            write_xlsx(columns, lines, file)
        except BaseException:
            file.close()
            raise
        file.seek(0)
        return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def _in_tenant(tenant, chunks: Iterator[str]) -> Iterator[str]:
    """The body is generated after the view returns: pin the request's dealer schema while rows are read."""
    with tenant_context(tenant):
        yield from chunks


def write_xlsx(columns: list[Column], lines: Iterable[list[object]], destination: BinaryIO) -> int:
    """One Devices sheet: header frozen and filterable, times in each site's zone (the time_zone column)."""
    wb = Workbook(write_only=True)
    wb.properties.creator, wb.properties.title = "Meterbridge", "Devices"
    ws = wb.create_sheet("Devices")
    for index, column in enumerate(columns, 1):
        width = WIDTHS.get(column.name, KIND_WIDTHS.get(column.kind, 14))
        ws.column_dimensions[get_column_letter(index)].width = max(width, min(len(column.name) + 3, 24))
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    cells = TableCells(ws)
    ws.append(cells.header(columns))
    count = 0
    for line in lines:
        ws.append([cells.value(column, value) for column, value in zip(columns, line, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    wb.save(destination)
    return count
