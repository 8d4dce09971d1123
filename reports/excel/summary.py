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
    # kind -> pages: total, mono, colour and unsplit (pages of devices that state no mono/colour split, and the
    # rest of a split device's total), which add up: total = mono + colour + unsplit. A kind no device gives a
    # sound volume for stays absent (an empty cell, not 0).
    pages: dict[str, int] = field(default_factory=dict)
    # devices whose volume for a kind is left out: flagged read, or no counter at one end of the period
    pages_left_out: dict[str, int] = field(default_factory=dict)


SPLIT_KINDS = ("mono", "color")


def summarize(devices: list[DeviceRow]) -> Summary:
    summary = Summary(devices=len(devices))
    for device in devices:
        summary.new += device.status == "new"
        summary.stale += device.status == "stale"
        summary.flagged += bool(device.flags)
        _add_volume(summary, device)
    return summary


def _device_volumes(device: DeviceRow) -> dict[str, int | None]:
    """The device's pages in the period for each volume kind it has; None where the volume is not sound."""
    volumes: dict[str, int | None] = {}
    for kind in VOLUME_KINDS:
        if kind not in device.meters and kind not in device.meters_at_period_start:
            continue  # the device has no such counter (a mono printer's colour): nothing is missing
        pages = volume(device.meters.get(kind), device.meters_at_period_start.get(kind))
        volumes[kind] = None if device.meter_is_flagged(kind) else pages
    return volumes


def _add_volume(summary: Summary, device: DeviceRow) -> None:
    """A flagged read never goes silently into a total: the device is counted apart so the sheet can say so.
    A device adds to the sums only when all its volumes are sound, so that the sums add up."""
    volumes = _device_volumes(device)
    unsound = [kind for kind, pages in volumes.items() if pages is None]
    for kind in unsound:
        summary.pages_left_out[kind] = summary.pages_left_out.get(kind, 0) + 1
    if unsound or not volumes:
        return
    split = {kind: volumes[kind] or 0 for kind in SPLIT_KINDS if kind in volumes}
    unsplit = max((volumes.get("total") or 0) - sum(split.values()), 0)
    for kind, pages in (*split.items(), ("unsplit", unsplit), ("total", sum(split.values()) + unsplit)):
        summary.pages[kind] = summary.pages.get(kind, 0) + pages
