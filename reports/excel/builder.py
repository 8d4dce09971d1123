"""Build the meter report workbook: ReportInput in, .xlsx bytes or file out."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook

from portal.lib.xlsx import clean_text
from reports.excel.data import ReportInput
from reports.excel.devices_sheet import write_devices
from reports.excel.summary import summarize
from reports.excel.summary_sheet import write_summary


def write_report(report: ReportInput, destination: str | Path | BinaryIO) -> None:
    """Write the report to a path or a binary file object (rows are streamed: memory stays flat)."""
    wb = Workbook(write_only=True)
    wb.properties.creator = clean_text(report.dealer_name) or "Meterbridge"
    wb.properties.title = clean_text(f"Meter report {report.customer_name or ''}")
    write_devices(wb, report)
    write_summary(wb, report, summarize(report.devices))
    wb.save(destination)


def build_report(report: ReportInput) -> bytes:
    buffer = io.BytesIO()
    write_report(report, buffer)
    return buffer.getvalue()


def report_filename(report: ReportInput) -> str:
    """A file name a customer can keep: customer, site and period end, no characters mail clients mangle."""
    parts = [report.customer_name or "meter-report", report.site_name or "", str(report.period_end or "")]
    name = "-".join(_slug(p) for p in parts if _slug(p))
    return f"{name or 'meter-report'}.xlsx"


def _slug(text: str) -> str:
    kept = "".join(ch if ch.isalnum() else "-" for ch in (clean_text(text) or ""))
    return "-".join(filter(None, kept.split("-")))[:60]
