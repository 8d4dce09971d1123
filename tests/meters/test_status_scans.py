"""Status scans between meter reads: they read status and alerts only, and leave everything else as it was."""

from django.core import mail
from django.utils import timezone

from meters.models import Alert, Device
from meters.services.plans import device_plan
from reports.services.notifications import alerts_notify
from tests.dashboard.fleet_support import black_toner, toner_at
from tests.meters.ingest_support import discover, hours_ago, new_agent, read, result_interpret, store_result
from tests.support.snmprec import load_recording, read_with_plan

RECORDING = "konica_c250i"


def status_scan(agent, device: Device, at) -> None:
    """A `status` directive's result, read with the status plan the portal sends (no supplies, no counters)."""
    plan = device_plan(device, status_only=True)
    varbinds = read_with_plan(load_recording(RECORDING), plan.get, plan.walk)
    payload = {"devices": [{"device_id": str(device.public_id), "ip": device.ip, "ok": True, "varbinds": varbinds}]}
    result_interpret(result=store_result(agent, "status", payload, at=at))


def test_status_scans_between_reads_leave_toner_alerts_and_levels_alone(acme, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    acme.dealer.notification_emails = ["service@acme.example"]
    acme.dealer.save()
    agent = new_agent()
    device = discover(agent, RECORDING, "10.12.10.1")
    read(agent, device, RECORDING, at=hours_ago(10))
    low = toner_at(black_toner(device), 3)
    read(agent, device, RECORDING, at=hours_ago(9), edit=low)
    toner_alert = Alert.objects.get(device=device, source="supply", cleared_at__isnull=True)
    lowest, last_read = device.lowest_supply_percent, device.last_read_at
    alerts_notify(now=timezone.now())
    sent = len(mail.outbox)

    for hours in (8, 7, 6):  # hourly status scans
        status_scan(agent, device, hours_ago(hours))
        alerts_notify(now=timezone.now())
    read(agent, device, RECORDING, at=hours_ago(5), edit=low)  # the next meter read still sees it low
    alerts_notify(now=timezone.now())

    device.refresh_from_db()
    assert Alert.objects.filter(device=device, source="supply").count() == 1  # one alert, never cleared and reopened
    toner_alert.refresh_from_db()
    assert toner_alert.cleared_at is None
    assert device.lowest_supply_percent == lowest  # the toner tile and "toner below" keep their number
    assert len(mail.outbox) == sent  # no "cleared", no second "low"
    assert device.last_read_at > last_read and device.last_seen_at >= device.last_read_at


def test_a_status_scan_is_not_a_meter_read(acme):
    agent = new_agent()
    device = discover(agent, RECORDING, "10.12.10.2")
    read(agent, device, RECORDING, at=hours_ago(10))
    reads, last_read = device.reads.count(), device.last_read_at
    status_scan(agent, device, hours_ago(1))
    device.refresh_from_db()
    assert device.reads.count() == reads and device.last_read_at == last_read
    assert device.last_seen_at > last_read and device.latest_total is not None
