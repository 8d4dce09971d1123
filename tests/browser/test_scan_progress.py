"""A scan's progress, as the dealer watches it: the real agent sweeps the simulated segment and reports how far it
has got; the site page, opened before the scan started and never reloaded, follows it to the end."""

import contextlib
import re
import subprocess

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import PHONE, in_acme, screenshot, sign_in
from tests.e2e.agent_process import AGENT, agent_cli
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.snmp]

DESKTOP_WIDE = {"width": 1366, "height": 900}
SCANNING = re.compile(r"Scanning: (\d+) of 253 addresses, (\d+) printers? found")  # .1 is never scanned


def _site_with_a_key(network: str, port: int) -> dict:
    from agents.services.keys import license_key_generate
    from tests.support.factories import make_site

    # 120 packets a second: the /24 takes several seconds, long enough to watch, as a cautious customer would ask.
    site = make_site(
        customer_name="Progress Customer",
        scan_targets=network,
        snmp_port=port,
        scan_rate_limit=120,
        scan_exclusions=f"{network.rsplit('.', 1)[0]}.1",
    )
    _key, text = license_key_generate(site=site)
    return {"site": str(site.public_id), "key": text}


def _discovery_state(site_id: str) -> tuple[str, dict]:
    from agents.models import Directive

    directive = Directive.objects.filter(site__public_id=site_id, kind="discover").order_by("-created_at").first()
    return directive.status, directive.progress


def test_the_site_page_follows_a_running_scan_without_a_reload(committed, portal, browser, snmpsim_fleet, tmp_path):
    acme = committed["acme"]
    made = in_acme(acme, lambda: _site_with_a_key(str(snmpsim_fleet.network), snmpsim_fleet.port))
    config = tmp_path / "agent.toml"
    agent_cli(config, "enroll", "--portal", portal.central, "--key", made["key"])  # queues the first discovery
    pages = [
        sign_in(browser, portal.dealer("acme"), acme.technician.email, PASSWORD, viewport)
        for viewport in (DESKTOP_WIDE, PHONE)
    ]
    for page in pages:
        page.goto(f"{portal.dealer('acme')}/sites/{made['site']}/")
        assert "Discovery queued" in page.locator("#scan-progress").inner_text()
    desktop, phone = pages

    agent = subprocess.Popen(
        [str(AGENT), "--config", str(config), "run", "--once"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        running = desktop.locator("#scan-progress", has_text=SCANNING)
        running.wait_for(timeout=60_000)
        seen = SCANNING.search(running.inner_text())
        assert seen and 0 <= int(seen[1]) <= 253
        phone.locator("#scan-progress", has_text=SCANNING).wait_for(timeout=30_000)
        with contextlib.suppress(PlaywrightTimeout):  # for the picture only: printers found while it still scans
            desktop.locator("#scan-progress", has_text=re.compile(r"[1-9]\d* printers? found")).wait_for(timeout=10_000)
        screenshot(desktop, "site-scan-progress-desktop")
        screenshot(phone, "site-scan-progress-phone")
        output, _ = agent.communicate(timeout=120)
    finally:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
    assert agent.returncode == 0, output

    finished = desktop.locator("#scan-progress", has_text="Last discovery finished")
    finished.wait_for(timeout=30_000)  # the partial stops polling once the result is in
    text = finished.inner_text()
    assert f"253 addresses, {len(snmpsim_fleet.printers)} printers found" in text, text
    status, progress = in_acme(acme, lambda: _discovery_state(made["site"]))
    assert status == "done" and progress["total"] == 253
    for page in pages:
        page.context.close()


def _site_with_a_closed_window() -> dict:
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tests.meters.ingest_support import new_agent
    from tests.support.factories import make_site

    start = (timezone.now().astimezone(ZoneInfo("Europe/Berlin")) + timedelta(hours=2)).replace(second=0)
    site = make_site(
        customer_name="Night Scan Customer",
        scan_targets="10.61.0.0/24",
        scan_exclusions="10.61.0.1",
        scan_window_start=start.time(),
        scan_window_end=(start + timedelta(hours=10)).time(),
        scan_rate_limit=50,
    )
    new_agent(site=site)
    site.directives.all().delete()
    return {"site": str(site.public_id), "opens": f"{start:%H:%M}"}


def _discoveries(site_id: str) -> list[str]:
    from agents.models import Directive

    return list(
        Directive.objects.filter(site__public_id=site_id, kind="discover").values_list("requested_by", flat=True)
    )


def test_scan_now_outside_the_window_waits_for_it_unless_the_user_confirms(committed, portal, browser):
    acme = committed["acme"]
    made = in_acme(acme, _site_with_a_closed_window)
    page = sign_in(browser, portal.dealer("acme"), acme.technician.email, PASSWORD, DESKTOP_WIDE)
    page.goto(f"{portal.dealer('acme')}/sites/{made['site']}/")
    page.get_by_role("button", name="Scan now", exact=True).click()
    message = page.locator(".message").first.inner_text()
    assert "Outside the scan window" in message and f"{made['opens']} site time" in message
    assert in_acme(acme, lambda: _discoveries(made["site"])) == []
    settings = page.locator("#discovery-settings")
    assert "closed now" in settings.inner_text() and made["opens"] in settings.inner_text()
    settings.scroll_into_view_if_needed()
    screenshot(page, "site-scan-window-desktop")

    page.once("dialog", lambda dialog: dialog.dismiss())  # app.js asks first: "no" sends nothing
    page.get_by_role("button", name="Scan now anyway").click()
    assert in_acme(acme, lambda: _discoveries(made["site"])) == []
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Scan now anyway").click()
    page.wait_for_load_state()
    assert "Discovery queued" in page.locator("#scan-progress").inner_text()
    assert in_acme(acme, lambda: _discoveries(made["site"])) == ["tech@acme.example (outside the scan window)"]
    page.context.close()
