"""The page a customer opens from a meter-reading email, in a real browser on a desktop and on a phone: the device
to check, where the counters are, the form, a refused number, and the thank-you page."""

import uuid

import pytest

from tests.browser.conftest import PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP = {"width": 1366, "height": 900}


def stale_device_with_link() -> tuple[str, str, int]:
    """A stale colour MFP read 12 days ago, and a link for it: (device id, link token, last total)."""
    from django.core.cache import cache

    from meters.models import Device
    from meters.services.reading_requests import reading_request_create
    from reports.readings.views import ReadingLinkThrottle
    from tests.dashboard.fleet_support import discover_as, read_as, recording_serial
    from tests.meters.ingest_support import new_agent

    cache.delete(ReadingLinkThrottle.cache_format % {"scope": ReadingLinkThrottle.scope, "ident": "127.0.0.1"})
    agent = new_agent()
    original = recording_serial()
    device = discover_as(agent, "10.78.0.1", original, f"MRB{uuid.uuid4().hex[:7].upper()}")
    read_as(agent, device, original, days_ago=12)
    Device.objects.filter(pk=device.pk).update(lifecycle="stale", location="Reception, ground floor")
    _request, token = reading_request_create(device=device, recipients=["it@contoso.example"], by="admin@acme.example")
    return str(device.public_id), token, device.reads.get().total


def forget(device_id: str) -> None:
    from meters.models import Device

    Device.objects.filter(public_id=device_id).delete()


@pytest.fixture(scope="module")
def acme_committed(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        yield django_db_setup["acme"]
        connection.set_schema_to_public()


def fill_as_last_read(page, *kinds: str) -> None:
    """Types the counts the form says the last reading had (a machine nobody used since)."""
    for kind in kinds:
        last = page.inner_text(f"#id_{kind} ~ .help").split("Last reading: ")[1].split(" on ")[0]
        page.fill(f"input[name={kind}]", last)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"the page scrolls sideways at phone width ({width}px)"


def test_the_customer_reading_page_on_a_desktop_and_a_phone(acme_committed, static_collected, portal_server, browser):
    from tests.browser.conftest import Portal

    base = Portal(portal_server).dealer("acme")
    device_id, token, total = in_acme(acme_committed, stale_device_with_link)
    try:
        staff = sign_in(browser, base, "admin@acme.example", PASSWORD, viewport=DESKTOP)
        staff.goto(f"{base}/devices/{device_id}/")
        assert "it@contoso.example" in staff.inner_text("#pending-request")
        staff.click("#customer-reading summary")
        staff.locator("#customer-reading").screenshot(path=str(screenshot_path("customer-reading-device-pending")))

        desktop = browser.new_context(viewport=DESKTOP).new_page()
        desktop.goto(f"{base}/meter-reading/{token}/")
        assert "/meter-reading/r/" in desktop.url and token not in desktop.url
        assert "Reception, ground floor" in desktop.inner_text("#reading-device")
        screenshot(desktop, "customer-reading-desktop")

        phone = browser.new_context(viewport=PHONE).new_page()
        phone.goto(f"{base}/meter-reading/{token}/")
        screenshot(phone, "customer-reading-phone")
        no_sideways_scroll(phone)

        phone.fill("input[name=total]", str(total - 10))
        fill_as_last_read(phone, "mono", "color")
        phone.fill("input[name=entered_by]", "Jane Doe")
        phone.click("button[type=submit]")
        assert f"{total:,}" in phone.inner_text(".has-error")
        screenshot(phone, "customer-reading-phone-refused")
        no_sideways_scroll(phone)

        desktop.fill("input[name=total]", f"{total + 420:,}")
        fill_as_last_read(desktop, "mono", "color")
        desktop.fill("input[name=entered_by]", "Jane Doe")
        desktop.click("button[type=submit]")
        assert "Thank you, Jane Doe" in desktop.inner_text("#reading-thanks")
        screenshot(desktop, "customer-reading-thanks-desktop")

        staff.goto(f"{base}/devices/{device_id}/")
        assert "entered by the customer" in staff.inner_text("#customer-reading")
        staff.locator("#customer-reading").screenshot(path=str(screenshot_path("customer-reading-device-panel")))
    finally:
        in_acme(acme_committed, lambda: forget(device_id))


def screenshot_path(name: str):
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
