"""What a meter report shows, read in a fixed number of queries whatever the fleet's size."""

from datetime import datetime

from django.db import connection

from agents.models import Customer, Site
from meters.choices import Lifecycle
from meters.models import Device, MeterFlag, MeterRead
from portal.lib.locale import excel_date_formats
from reports.excel.data import DeviceRow, ReportInput, Supply


def report_devices(*, customer: Customer, site: Site | None):
    """Monitored devices of the customer (or site); retired ones (42 days silent) are left out."""
    devices = Device.objects.filter(site__customer=customer, is_monitored=True).exclude(lifecycle=Lifecycle.RETIRED)
    if site is not None:
        devices = devices.filter(site=site)
    return (
        devices.select_related("site__customer").prefetch_related("supplies").order_by("site__name", "model", "serial")
    )


def report_device_count(*, customer: Customer, site: Site | None = None) -> int:
    """How many devices a report of the customer (or site) would list now: 0 means an empty report."""
    return report_devices(customer=customer, site=site).count()


def _reads_by_device(devices: list[Device], before: datetime, after: datetime | None = None) -> dict[int, MeterRead]:
    """The last good read at or before `before` (after `after`, if given) of each device: one DISTINCT ON query."""
    reads = MeterRead.objects.filter(device__in=devices, read_at__lte=before, is_flagged=False)
    if after is not None:
        reads = reads.filter(read_at__gt=after)
    reads = reads.order_by("device_id", "-read_at").distinct("device_id")
    return {read.device_id: read for read in reads}


def _first_reads_in(devices: list[Device], start: datetime, end: datetime) -> dict[int, MeterRead]:
    reads = MeterRead.objects.filter(device__in=devices, read_at__gt=start, read_at__lte=end, is_flagged=False)
    return {read.device_id: read for read in reads.order_by("device_id", "read_at").distinct("device_id")}


def _open_flags(devices: list[Device]) -> dict[int, list[MeterFlag]]:
    flags: dict[int, list[MeterFlag]] = {}
    for flag in MeterFlag.objects.filter(device__in=devices, state="open"):
        flags.setdefault(flag.device_id, []).append(flag)
    return flags


def report_input(*, customer: Customer, site: Site | None, start: datetime, end: datetime) -> ReportInput:
    devices = list(report_devices(customer=customer, site=site))
    now_reads = _reads_by_device(devices, end)
    start_reads = _reads_by_device(devices, start)
    first_reads = _first_reads_in(devices, start, end)
    flags = _open_flags(devices)
    rows = [
        _row(d, now_reads.get(d.pk), start_reads.get(d.pk) or first_reads.get(d.pk), flags.get(d.pk, []), start)
        for d in devices
    ]
    dealer = connection.tenant
    main_site = site or customer.sites.active().order_by("created_at").first()
    return ReportInput(
        dealer_name=dealer.name,
        customer_name=customer.name,
        site_name=site.name if site else None,
        period_start=start.date(),
        period_end=end.date(),
        generated_at=end,
        time_zone=main_site.time_zone if main_site else "UTC",
        devices=rows,
        low_supply_percent=dealer.toner_alert_percent,
        date_formats=excel_date_formats(),
    )


def _row(device: Device, now: MeterRead | None, start: MeterRead | None, flags: list[MeterFlag], since) -> DeviceRow:
    status = "new" if device.first_seen_at >= since else ("stale" if device.lifecycle == Lifecycle.STALE else "ok")
    return DeviceRow(
        customer=device.site.customer.name,
        site=device.site.name,
        site_time_zone=device.site.time_zone,
        manufacturer=device.manufacturer or None,
        model=device.model or None,
        serial=device.serial or None,
        ip=device.ip,
        location=device.location or None,
        first_seen=device.first_seen_at,
        last_read=device.last_read_at,
        meters=dict(now.values) if now else {},
        meters_at_period_start=dict(start.values) if start else {},
        start_read_at=start.read_at if start else None,
        supplies=[
            Supply(s.description, s.colour or None, _percent(s.level_percent), s.level_state or None, s.kind)
            for s in device.supplies.all()
        ],
        flags=[flag.message for flag in flags],
        flagged_meters=frozenset(flag.meter_kind for flag in flags),
        status=status,
    )


def _percent(value: float | None) -> int | None:
    return None if value is None else round(value)
