"""`make demo`'s steps inside the portal (deploy/demo/portal_cli.py, portal_data.py): the demo customer and site
with a licence key its agent enrols with, and the pacer that queues reads so the demo's charts move."""

import subprocess
import sys

from django_tenants.utils import tenant_context

from agents.models import Customer, Directive
from agents.services.enrolment import agent_enroll
from deploy.demo.portal_data import demo_site_ensure
from meters.models import Device
from reports.models import ReportSchedule
from tests.meters.ingest_support import discover, new_agent
from tests.support.factories import make_site
from tests.support.paths import REPO_ROOT


def portal_cli(live_env, *args: str) -> subprocess.CompletedProcess[str]:
    """As deploy/demo.py runs it: `python -m deploy.demo.portal_cli ...` from the checkout."""
    command = [sys.executable, "-m", "deploy.demo.portal_cli", *args]
    return subprocess.run(command, cwd=REPO_ROOT, env=live_env, capture_output=True, text=True, timeout=120)


def test_the_demo_site_scans_the_fleet_and_its_key_enrols_an_agent(acme):
    text = demo_site_ensure(dealer_code="acme", targets="127.0.1.0/27", port=1161)
    customer = Customer.objects.get(name="Northwind Traders")
    site = customer.sites.get()
    assert (site.scan_targets, site.snmp_port) == ("127.0.1.0/27", 1161)
    assert ReportSchedule.objects.filter(customer=customer, cadence="weekly").count() == 1
    acme.dealer.refresh_from_db()
    assert acme.dealer.read_hours == list(range(24))  # hourly reads: the demo's charts move while watched
    enrolment = agent_enroll(license_key=text, hostname="demo-pc", os="Linux", agent_version="0.1.0")
    assert enrolment.agent.site == site


def test_starting_the_demo_again_reuses_its_site_with_a_new_key(acme):
    first = demo_site_ensure(dealer_code="acme", targets="127.0.1.0/27", port=1161)
    second = demo_site_ensure(dealer_code="acme", targets="127.0.1.0/27", port=1161)
    assert first != second
    assert Customer.objects.filter(name="Northwind Traders").count() == 1
    assert Customer.objects.get(name="Northwind Traders").sites.count() == 1


def test_the_demo_pacer_queues_a_read_for_each_site_with_devices(committed, live_env):
    with tenant_context(committed["acme"].dealer):
        site = make_site()
        device = discover(new_agent(site=site), "konica_c250i", "10.4.0.9")
        Directive.objects.filter(site=site).delete()
    try:
        done = portal_cli(live_env, "--dealer", "acme", "reads", "--once")
        assert done.returncode == 0, done.stderr[-3000:]
        assert "queued reads for" in done.stdout
        with tenant_context(committed["acme"].dealer):
            queued = Directive.objects.filter(site=site, kind="read", status="pending", requested_by="demo")
            assert queued.count() == 1
    finally:  # committed data outlives this test
        with tenant_context(committed["acme"].dealer):
            Device.objects.filter(pk=device.pk).delete()


def test_the_demo_steps_name_a_dealer_that_does_not_exist(live_env):
    done = portal_cli(live_env, "--dealer", "nosuchdealer", "reads", "--once")
    assert done.returncode == 1
    assert "No dealer 'nosuchdealer'" in done.stderr
