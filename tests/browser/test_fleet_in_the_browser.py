"""A dealer's morning, in a real browser: sign in, set up a customer's site, install a real agent against
simulated printers (snmpsim serving recordings of real ones), read them, and see the fleet on every page.

Everything is real: gunicorn on the test database, a Celery worker interpreting results, the agent's own
command line (`meterbridge-agent enroll`, `run --once`) talking SNMP to snmpsim and HTTP to the portal.
"""

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.snmp, pytest.mark.slow]

# A colour MFP split by functions (Konica), one that states its split (Sharp), a mono laser (Brother).
RECORDINGS = ("konica_c250i", "sharp", "brother_hl5370dw")
AGENT = Path(sys.executable).with_name("meterbridge-agent")


@dataclass(frozen=True)
class ReadFleet:
    page: object  # the admin's browser page, signed in at acme
    base: str
    customer: str
    site_url: str
    device_ids: list[str]
    serials: list[str]


def agent_cli(config: Path, *args: str, timeout: float = 60) -> str:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(
        [str(AGENT), "--config", str(config), *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, f"meterbridge-agent {args[0]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def wait_for(check, what: str, timeout: float = 30, explain=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}: {explain()}")


def in_schema(acme, query):
    """Runs `query()` in dealer A's schema on a thread of its own: Playwright's sync API keeps an event loop
    running in this one, where Django refuses database calls."""

    def run():
        from django.db import connection

        try:
            with schema_context(acme.dealer.schema_name):
                return query()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def devices_at(site_name: str, *, with_meters: bool = False) -> list[tuple[str, str]]:
    from meters.models import Device

    devices = Device.objects.filter(site__name=site_name)
    if with_meters:
        devices = devices.filter(latest_total__isnull=False)
    return [(str(d.public_id), d.serial) for d in devices.order_by("serial")]


def read_queued(site_name: str) -> bool:
    """The read the interpretation of a discovery queues for what it found (on commit, after the devices)."""
    from agents.models import Directive

    return Directive.objects.filter(site__name=site_name, kind="read").exists()


def forget_devices(site_name: str) -> None:
    from meters.models import Device

    Device.objects.filter(site__name=site_name).delete()


def diagnosis(site_name: str) -> list:
    """What the portal made of the agent's work, for a failure message."""
    from agents.models import DirectiveResult
    from meters.models import Device

    results = DirectiveResult.objects.filter(directive__site__name=site_name)
    devices = Device.objects.filter(site__name=site_name)
    return [(r.directive.kind, r.status, r.error[:300]) for r in results.select_related("directive")] + [
        (d.model, d.serial, d.latest_total, d.problems[:3]) for d in devices
    ]


def set_up_site(page, base: str, fleet) -> tuple[str, str, str]:
    """Customer, site with the simulated printers as scan targets, license key: as a dealer clicks them."""
    customer, site = f"Globex {uuid.uuid4().hex[:6]}", f"Plant {uuid.uuid4().hex[:6]}"
    page.goto(f"{base}/customers/new/")
    page.fill("#id_name", customer)
    page.fill("#id_report_emails", "it@globex.example")
    page.click("button.primary")
    page.fill("#id_name", site)
    page.select_option("#id_time_zone", "America/Chicago")
    page.fill("#id_scan_targets", "\n".join(fleet.printer(name).ip for name in RECORDINGS))
    page.fill("#id_snmp_port", str(fleet.port))
    page.click("button.primary")
    page.click("text=Generate licence key")
    key = page.inner_text("#new-license-key").strip()
    assert key.startswith("mbl_acme_")
    return customer, site, page.url


@pytest.fixture(scope="module")
def read_fleet(portal, browser, acme_committed, snmpsim_factory, tmp_path_factory) -> Iterator[ReadFleet]:
    fleet = snmpsim_factory(RECORDINGS)
    base = portal.dealer("acme")
    page = sign_in(browser, base, "admin@acme.example", PASSWORD)
    customer, site, site_url = set_up_site(page, base, fleet)
    config = tmp_path_factory.mktemp("agent") / "agent.toml"
    key = page.inner_text("#new-license-key").strip()
    agent_cli(config, "enroll", "--portal", portal.central, "--key", key)
    page.click("button:has-text('Scan now')")
    agent_cli(config, "run", "--once")  # leases the discovery, sweeps the targets, posts the result
    explain = lambda: in_schema(acme_committed, lambda: diagnosis(site))  # noqa: E731
    found = lambda **kw: in_schema(acme_committed, lambda: devices_at(site, **kw))  # noqa: E731
    wait_for(lambda: len(found()) == len(RECORDINGS), "discovered devices", explain=explain)
    # The discovery read the meters of what it found in the same run; what it could not read gets a read queued.
    all_read = lambda: len(found(with_meters=True)) == len(RECORDINGS)  # noqa: E731
    wait_for(lambda: all_read() or in_schema(acme_committed, lambda: read_queued(site)), "meters", explain=explain)
    if not all_read():
        agent_cli(config, "run", "--once")  # leases that read: meters, toner, alerts of every printer found
    wait_for(all_read, "devices with meters", explain=explain)
    devices = found(with_meters=True)
    yield ReadFleet(page, base, customer, site_url, [d[0] for d in devices], [d[1] for d in devices])
    # The recordings' serials are real ones other tests also discover in dealer A: leave them no device to find.
    in_schema(acme_committed, lambda: forget_devices(site))


@pytest.fixture(scope="module")
def acme_committed(django_db_setup, django_db_blocker):
    """Reads of what the real processes committed (like `committed`, for the module's set-up)."""
    from django.db import connection

    with django_db_blocker.unblock():
        yield django_db_setup["acme"]
        connection.set_schema_to_public()


def test_the_overview_shows_the_new_devices_and_the_monthly_volume(read_fleet):
    page = read_fleet.page
    page.goto(f"{read_fleet.base}/")
    assert int(page.inner_text("#tile-monitored .num")) >= len(read_fleet.serials)
    assert int(page.inner_text("#tile-new .num")) >= len(read_fleet.serials)
    ranked = page.inner_text("#top-customers")
    assert f"{read_fleet.customer} {len(read_fleet.serials)} devices" in " ".join(ranked.split())
    # One read per printer so far (the simulator's counters stand still): no month has pages to show yet.
    assert "No pages counted yet" in page.inner_text("#volume")
    screenshot(page, "overview-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "overview-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= PHONE["width"] + 1, f"the overview scrolls sideways at phone width ({width}px)"


def test_the_devices_list_filters_as_you_type(read_fleet):
    page = read_fleet.page
    page.goto(f"{read_fleet.base}/devices/")
    assert "match" not in page.inner_text("#device-count")
    page.fill("input[name=q]", read_fleet.customer)  # no submit: the table follows the typing (HTMX)
    page.wait_for_url(re.compile(r"[?&]q=Globex"))  # the filtered list gets an address of its own
    page.wait_for_function("document.querySelector('#device-count').innerText.includes('match')")
    rows = page.locator("#device-table tbody tr")
    assert rows.count() == len(read_fleet.serials)
    text = page.inner_text("#device-table")
    assert all(serial in text for serial in read_fleet.serials)
    screenshot(page, "devices-desktop")
    assert re.search(r"\d{1,3}(,\d{3})+|\d+", text)  # page counts are shown


def test_the_customer_and_site_pages_show_devices_agents_and_reports(read_fleet):
    page = read_fleet.page
    page.goto(read_fleet.site_url)
    site_devices = page.inner_text("#fleet-devices")
    assert all(serial in site_devices for serial in read_fleet.serials)
    assert page.locator("button:has-text('Scan now')").count() == 1
    page.click(f"a:has-text('{read_fleet.customer}')")
    assert all(serial in page.inner_text("#fleet-devices") for serial in read_fleet.serials)
    assert "agent" in page.inner_text("main").lower() and page.locator("#reports").count() == 1
    screenshot(page, "customer-desktop")


def test_the_device_page_shows_meters_toner_and_raw_data(read_fleet):
    page = read_fleet.page
    page.goto(f"{read_fleet.base}/devices/{read_fleet.device_ids[0]}/")
    meters = page.inner_text("#meters-now")
    assert "Total" in meters and re.search(r"\d", meters)
    gauges = page.locator("#supplies [role=meter]")
    assert gauges.count() >= 1
    assert "Toner" in page.inner_text("#supplies") or "toner" in page.inner_text("#supplies")
    title = page.get_attribute("#where time", "title")
    assert "America/Chicago" in title
    page.click("#raw summary")
    page.wait_for_selector("#raw-body table.raw")
    assert "1.3.6.1.2.1.43" in page.inner_text("#raw-body")
    screenshot(page, "device-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "device-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= PHONE["width"] + 1, f"the device page scrolls sideways at phone width ({width}px)"


def device_meters(page) -> dict[str, str]:
    """The device page's meters as a dealer reads them: label -> the number shown (with "derived" marks)."""
    items = page.locator("#meters-now .meter")
    return {
        items.nth(i).locator("dt").inner_text(): items.nth(i).locator("dd").inner_text() for i in range(items.count())
    }


def billing_meters_of(serial: str) -> dict:
    from meters.models import Device

    return Device.objects.get(serial=serial).reads.order_by("-read_at").first().values


def test_the_device_page_shows_mono_and_colour_for_every_colour_printer(read_fleet, acme_committed):
    page = read_fleet.page
    seen = {}
    for device_id, serial in zip(read_fleet.device_ids, read_fleet.serials, strict=True):
        page.goto(f"{read_fleet.base}/devices/{device_id}/")
        shown, stored = device_meters(page), in_schema(acme_committed, lambda s=serial: billing_meters_of(s))
        seen[page.inner_text("h1")] = shown
        labels = {label.split()[0]: number for label, number in shown.items()}
        # Every colour printer in the fleet (Konica, Sharp) and the mono Brother show mono and colour, and they
        # add up to the total the device states.
        assert {"Total", "Mono", "Colour"} <= set(labels), shown
        assert (
            int(labels["Mono"].replace(",", "")) + int(labels["Colour"].replace(",", ""))
            == stored["mono"] + stored["color"]
        )
        assert abs(stored["mono"] + stored["color"] - stored["total"]) <= stored["total"] * 0.005
    konica = next(shown for title, shown in seen.items() if "C250i" in title)
    assert "Mono derived" in konica and "Print mono" in konica  # the sum of its copy and print rows
    screenshot(page, "device-meters-desktop")


def test_a_viewer_sees_the_fleet_but_no_edit_controls(read_fleet, browser):
    page = sign_in(browser, read_fleet.base, "viewer@acme.example", PASSWORD)
    page.goto(f"{read_fleet.base}/devices/{read_fleet.device_ids[0]}/")
    assert read_fleet.serials[0] in page.inner_text("h1")
    for control in ("Stop monitoring", "Read meters now", "Accept offset", "Dismiss"):
        assert page.locator(f"button:has-text('{control}')").count() == 0, control
    page.goto(read_fleet.site_url)
    assert page.locator("button:has-text('Scan now'), button:has-text('Revoke')").count() == 0
    page.context.close()


def test_another_dealers_user_gets_404_on_these_pages(read_fleet, portal, browser):
    base = portal.dealer("beta")
    page = sign_in(browser, base, "admin@beta.example", PASSWORD)
    for path in (f"/devices/{read_fleet.device_ids[0]}/", urlsplit_path(read_fleet.site_url)):
        response = page.goto(f"{base}{path}")
        assert response.status == 404, path
    page.goto(f"{base}/devices/?q={read_fleet.serials[0]}")
    assert read_fleet.serials[0] not in page.inner_text("#device-table")
    page.context.close()


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path
