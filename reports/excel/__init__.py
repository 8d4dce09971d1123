"""The Excel meter report, Django-free: plain data (reports.excel.data) in, .xlsx out (reports.excel.builder)."""

from reports.excel.builder import build_report, report_filename, write_report
from reports.excel.data import DeviceRow, ReportInput, Supply

__all__ = ["DeviceRow", "ReportInput", "Supply", "build_report", "report_filename", "write_report"]
