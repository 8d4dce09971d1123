"""The overview's "In alert" panel in Chromium: each device says what is wrong, with a severity badge, on a desktop
and on a phone, from alerts its reads really reported (an error-state jam and an open door, toner at 8 %)."""

import pytest

from tests.browser.conftest import PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]
DESKTOP = {"width": 1366, "height": 900}
ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2.1"  # hrPrinterDetectedErrorState: 0x0c = door open + jammed


def devices_in_alert(prefix: str) -> tuple[str, str]:
    """Two printers read just now: one jammed with its door open, one with black toner at 8 %."""
    from tests.dashboard.fleet_support import black_toner, fleet_of, read_as, recording_serial, toner_at
    from tests.meters.ingest_support import new_agent

    def error_state(octets: str):
        def edit(vb: list) -> list:
            if vb[0] == ERROR_STATE:
                vb[1], vb[2] = "hex", octets
            return vb

        return edit

    agent = new_agent()
    jammed, low = fleet_of(agent, 2, prefix=prefix)
    original = recording_serial()
    read_as(agent, low, original, days_ago=0, edits=(toner_at(black_toner(low), 8), error_state("0000")))
    read_as(agent, jammed, original, days_ago=0, edits=(error_state("0c00"),))
    return jammed.serial, low.serial


def _delete_printers(*serials: str) -> None:
    from meters.models import Device

    Device.objects.filter(serial__in=serials).delete()


@pytest.mark.parametrize(("viewport", "prefix"), [(DESKTOP, "36.1"), (PHONE, "36.2")], ids=["desktop", "phone"])
def test_in_alert_says_what_is_wrong_with_a_badge(committed, portal, browser, viewport, prefix):
    acme = committed["acme"]
    jammed, low = in_acme(acme, lambda: devices_in_alert(prefix))
    try:
        page = sign_in(browser, portal.dealer("acme"), acme.viewer.email, PASSWORD, viewport)
        panel = page.locator("#in-alert")
        jam_row, low_row = panel.locator("tr", has_text=jammed), panel.locator("tr", has_text=low)
        for row, badge, text in (
            (jam_row, "critical", "Paper jam"),
            (jam_row, "critical", "Door open"),
            (low_row, "warning", "Toner low (Black\u00a08\u00a0%)"),
        ):
            line = row.locator(".alert-text", has_text=text)
            assert line.is_visible(), text
            assert line.locator(".badge").inner_text().strip().lower() == badge
        assert panel.get_by_role("columnheader", name="What is wrong").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        panel.scroll_into_view_if_needed()
        screenshot(page, f"overview-in-alert-{'phone' if viewport is PHONE else 'desktop'}")
        page.context.close()
    finally:  # committed data outlives this test: other pages would list these alerts
        in_acme(acme, lambda: _delete_printers(jammed, low))


def a_customer() -> tuple[str, object]:
    """A customer created at noon UTC: the same day in any zone the page may show it in."""
    from datetime import UTC, datetime

    from agents.models import Customer
    from tests.support.factories import make_site

    site = make_site(customer_name="Dates in Chromium")
    created = datetime(2026, 11, 28, 12, tzinfo=UTC)
    Customer.objects.filter(pk=site.customer.pk).update(created_at=created)
    return str(site.customer.public_id), created


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_customer_s_dates_read_the_dealer_s_way(committed, portal, browser, viewport):
    """The default locale (en-gb): "29 Nov 2026", never "Nov 29, 2026" (docs/wording.md, "Dates")."""
    acme = committed["acme"]
    customer, created = in_acme(acme, a_customer)
    page = sign_in(browser, portal.dealer("acme"), acme.viewer.email, PASSWORD, viewport)
    page.goto(f"{portal.dealer('acme')}/customers/{customer}/")
    shown = page.locator("dt", has_text="Created").locator("xpath=following-sibling::dd[1]").inner_text().strip()
    assert shown == f"{created.day} {created:%b %Y}"
    screenshot(page, f"customer-dates-{'phone' if viewport is PHONE else 'desktop'}")
    page.context.close()
