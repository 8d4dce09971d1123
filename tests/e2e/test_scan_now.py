""" "Scan now" in seconds, end to end: the real agent, enrolled and running as a service on the production poll
interval (300 s), long-polls the portal under gunicorn's production config; a dealer's "Scan now" through the
API wakes its poll, the agent sweeps the simulated printers and reads their meters in the same run, and one
result brings the devices and their first meter reads."""

import signal
import subprocess
import uuid

import pytest
from django_tenants.utils import tenant_context

from agents.models import Directive, DirectiveResult
from agents.services.keys import license_key_generate
from meters.models import Device, MeterRead
from tests.agents.test_long_poll import start_portal
from tests.e2e.agent_process import agent_cli
from tests.faults.stack import agent_process
from tests.support.factories import make_site
from tests.support.live import _stop
from tests.support.personas import api_client_for
from tests.support.waiting import wait_until

pytestmark = pytest.mark.snmp


@pytest.fixture
def listening_agent(committed, live_env, celery_worker, snmpsim_fleet, settings, tmp_path):
    """A site whose agent is running and idle (its enrolment discovery taken away), long-polling the portal."""
    portal = start_portal(live_env, settings.AGENT_WAKEUP_URL, tmp_path / "web.log")
    acme = committed["acme"]
    with tenant_context(acme.dealer):
        site = make_site(
            customer_name=f"Scan now {uuid.uuid4().hex[:6]}",
            snmp_port=snmpsim_fleet.port,
            scan_targets="\n".join(p.ip for p in snmpsim_fleet.printers),
        )
        _key, key_text = license_key_generate(site=site)
    config = tmp_path / "agent.toml"
    agent_cli(config, "enroll", "--portal", portal.url, "--key", key_text)
    with tenant_context(acme.dealer):
        Directive.objects.filter(site=site).delete()  # only "Scan now" will give it work
    agent = agent_process(config, "run")
    yield acme, site, agent, snmpsim_fleet
    agent.send_signal(signal.SIGTERM)
    try:
        agent.wait(timeout=20)
    except subprocess.TimeoutExpired:
        agent.kill()
    _stop(portal.process)
    with tenant_context(acme.dealer):  # the recordings' serials are real ones other tests discover in dealer A too
        Device.objects.filter(site=site).delete()


def test_scan_now_brings_devices_and_their_meters_in_one_result_while_the_agent_long_polls(listening_agent):
    acme, site, agent, fleet = listening_agent
    with tenant_context(acme.dealer):
        wait_until(lambda: site.agents.filter(last_seen_at__isnull=False).exists())  # it has polled once
    api = api_client_for(acme, acme.technician)

    scan = api.post(f"/api/v1/sites/{site.public_id}/scan/")

    assert scan.status_code == 202, scan.content
    answered = DirectiveResult.objects.filter(directive__public_id=scan.json()["id"], status="interpreted")
    with tenant_context(acme.dealer):
        # Well within the agent's 300 s poll interval: only a long poll can have brought it.
        result = wait_until(answered.first, timeout=60)
        devices = list(Device.objects.filter(site=site))
        read = [device for device in devices if device.last_read_at]
        assert len(devices) >= len(fleet.printers) - 1, result.error
        assert len(read) >= 4, [(d.model, d.profile, d.problems) for d in devices]
        # The meters came with the discovery itself: stored from that one result, and no read queued for them.
        counted = Device.objects.filter(site=site, reads__isnull=False).distinct()  # some count no pages at all
        assert counted.count() >= 3
        latest = [MeterRead.objects.filter(device=device).latest("read_at") for device in counted]
        assert {meter_read.result_id for meter_read in latest} == {result.pk}
        queued = Directive.objects.filter(site=site, kind="read").first()
        queued_ids = {entry["device_id"] for entry in queued.params["devices"]} if queued else set()
        assert not queued_ids & {str(device.public_id) for device in read}
    listed = api.get(f"/api/v1/devices/?site={site.public_id}").json()["results"]
    assert sum(1 for device in listed if device["latest_total"]) >= 2  # what the dealer's ERP sees
    assert agent.poll() is None  # still running, listening for the next one
