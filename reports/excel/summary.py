"""The Summary sheet's numbers: device counts and page volume for the period, computed from the device lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.excel.columns import VOLUME_KINDS
from reports.excel.data import DeviceRow
from reports.excel.values import volume


@dataclass(slots=True)
class Summary:
    devices: int = 0
    new: int = 0
    stale: int = 0
    flagged: int = 0
    # kind -> pages; a kind no device gives a sound volume for stays absent (an empty cell, not 0)
    pages: dict[str, int] = field(default_factory=dict)
    # devices whose volume for a kind is left out: flagged read, or no counter at one end of the period
    pages_left_out: dict[str, int] = field(default_factory=dict)


def summarize(devices: list[DeviceRow]) -> Summary:
    summary = Summary(devices=len(devices))
    for device in devices:
        summary.new += device.status == "new"
        summary.stale += device.status == "stale"
        summary.flagged += bool(device.flags)
        for kind in VOLUME_KINDS:
            _add_volume(summary, device, kind)
    return summary


def _add_volume(summary: Summary, device: DeviceRow, kind: str) -> None:
    """A flagged read never goes silently into a total: it is counted apart so the sheet can say so."""
    if kind not in device.meters and kind not in device.meters_at_period_start:
        return  # the device has no such counter (a mono printer's colour): nothing is missing
    pages = volume(device.meters.get(kind), device.meters_at_period_start.get(kind))
    if pages is None or device.meter_is_flagged(kind):
        summary.pages_left_out[kind] = summary.pages_left_out.get(kind, 0) + 1
        return
    summary.pages[kind] = summary.pages.get(kind, 0) + pages
