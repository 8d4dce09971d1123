"""End to end: a real agent enrols with the real portal, discovers the simulated printers, reads them with the
portal's plans, and the worker turns the uploads into devices with meters and toner."""

from django_tenants.utils import tenant_context

from agents.models import Agent, DirectiveResult
from agents.services.deltas import whole_varbinds
from agents.services.keys import license_key_generate
from meters.models import Device
from meters.services.plans import read_directive_request
from tests.e2e.agent_process import agent_cli
from tests.support.factories import make_site
from tests.support.snmprec import load_recording
from tests.support.waiting import wait_until


def serial_of(recording: str) -> str | None:
    return next((vb[2] for vb in load_recording(recording) if vb[0].startswith("1.3.6.1.2.1.43.5.1.1.17.")), None)


def test_agent_enrolls_discovers_reads_and_the_portal_shows_meters(
    committed, portal_server, celery_worker, snmpsim_fleet, tmp_path
):
    dealer = committed["acme"].dealer
    with tenant_context(dealer):
        site = make_site(
            customer_name="E2E Customer", scan_targets=str(snmpsim_fleet.network), snmp_port=snmpsim_fleet.port
        )
        _key, key_text = license_key_generate(site=site)
    config = tmp_path / "agent.toml"
    agent_cli(config, "enroll", "--portal", portal_server, "--key", key_text)
    assert key_text not in config.read_text() and oct(config.stat().st_mode)[-3:] == "600"

    agent_cli(config, "run", "--once")  # heartbeat, lease the enrolment discovery, sweep (and read), post
    with tenant_context(dealer):
        discovered = wait_until(lambda: Device.objects.filter(site=site).count() >= len(snmpsim_fleet.printers) - 1)
        assert discovered
        # The discovery read the meters of what it found (tests/e2e/test_scan_now.py); a read of the site follows.
        wait_until(lambda: DirectiveResult.objects.filter(directive__site=site, status="interpreted").exists())
        read_directive_request(site=site, requested_by="test")
    agent_cli(config, "run", "--once")  # the read of the site
    with tenant_context(dealer):
        wait_until(
            lambda: DirectiveResult.objects.filter(
                directive__site=site, directive__kind="read", status="interpreted"
            ).exists()
        )
        devices = {d.ip: d for d in Device.objects.filter(site=site).prefetch_related("supplies")}
        agent = Agent.objects.get(site=site)
        assert agent.last_seen_at and agent.version
        for printer in snmpsim_fleet.printers:
            check_device(printer, devices.get(printer.ip))
        read_devices = [d for d in devices.values() if d.last_read_at]
        assert len(read_devices) >= 3
        # Billed totals come from counters of pages: the two recordings whose only count is in sheets have none.
        assert len([d for d in read_devices if d.latest_total]) >= 2
        assert any(d.supplies.filter(kind="toner", level_percent__isnull=False).exists() for d in read_devices)
        read_directive_request(site=site, requested_by="test")
    agent_cli(config, "run", "--once")  # a steady-state read: sent as changes to the acknowledged one
    with tenant_context(dealer):
        reads = wait_until(
            lambda: list_if_two(
                DirectiveResult.objects.filter(
                    directive__site=site, directive__kind="read", status="interpreted"
                ).order_by("received_at")
            )
        )
        first, second = reads
        assert second.payload_bytes < first.payload_bytes / 3  # only what changed went over the wire
        # Stored as sent; each entry still stands for a whole read (its base's, with the changes applied).
        sent = {e["device_id"]: e for e in second.payload["devices"] if e.get("ok")}
        whole = {device_id: len(varbinds) for device_id, varbinds in whole_varbinds(sent).items()}
        assert whole == {e["device_id"]: len(e["varbinds"]) for e in first.payload["devices"] if e.get("ok")}
        # Every device that counts pages (a printer with no counter at all is read, and stores no meter read).
        ours = Device.objects.filter(pk__in=[d.pk for d in read_devices], reads__isnull=False).distinct()
        assert ours.count() >= 3
        assert all(
            d.reads.filter(result__directive__site=site, result__directive__kind="read").count() == 2 for d in ours
        )


def list_if_two(queryset):
    items = list(queryset)
    return items if len(items) == 2 else None


def check_device(printer, device) -> None:
    """Every simulated printer with a serial is a device with that serial; every device read has a history."""
    expected_serial = (serial_of(printer.recording) or "").strip()
    if expected_serial:
        assert device is not None, f"{printer.recording} at {printer.ip} was not discovered"
        assert device.serial == expected_serial, printer.recording
    if device is not None and device.latest_total is not None:
        assert device.reads.exists() and device.last_read_at, printer.recording


def test_status_command_reports_the_portal_and_outbox(committed, portal_server, snmpsim_fleet, tmp_path):
    with tenant_context(committed["acme"].dealer):
        site = make_site(customer_name="Status Customer")
        _key, key_text = license_key_generate(site=site)
    config = tmp_path / "agent.toml"
    agent_cli(config, "enroll", "--portal", portal_server, "--key", key_text)
    agent_cli(config, "run", "--once")
    status = agent_cli(config, "status").stdout
    assert portal_server in status and "outbox" in status.lower()
