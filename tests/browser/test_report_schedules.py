"""In Chromium, desktop and phone: a new customer's default schedule is on its page with a note and an Edit button,
the schedule form shows only the day its frequency uses, a customer without devices is warned about empty
reports, and a new site's time zone can be set to the browser's with one click."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


def _customer() -> str:
    from tests.support.factories import make_site

    return str(make_site(customer_name="Schedule Dental", site_name="Surgery").customer.public_id)


def field(page, name: str):
    return page.locator(".field", has=page.locator(f"[name={name}]"))


@VIEWPORTS
def test_the_default_schedule_is_edited_with_only_its_frequencys_day(committed, portal, browser, viewport):
    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    customer_id = in_acme(acme, _customer)
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, viewport)
    page.goto(f"{portal.dealer('acme')}/customers/{customer_id}/#reports")
    reports = page.locator("#reports")
    expect(reports.get_by_text("Set up when the customer was created")).to_be_visible()
    expect(page.locator("#no-devices-warning")).to_be_visible()
    expect(reports.get_by_role("button", name="Email report now")).to_be_disabled()
    reports.locator("#no-devices-warning").scroll_into_view_if_needed()
    screenshot(page, f"customer-report-schedules-{size}")

    reports.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit report schedule")).to_be_visible()
    expect(field(page, "day_of_month")).to_be_visible()
    expect(field(page, "weekday")).to_be_hidden()
    page.select_option("select[name=cadence]", "weekly")
    expect(field(page, "weekday")).to_be_visible()
    expect(field(page, "day_of_month")).to_be_hidden()
    page.select_option("select[name=weekday]", "4")
    screenshot(page, f"schedule-edit-weekly-{size}")
    page.select_option("select[name=cadence]", "after_read")
    expect(field(page, "weekday")).to_be_hidden()
    expect(field(page, "hour")).to_be_hidden()
    page.select_option("select[name=cadence]", "weekly")

    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_text("Report schedule saved: weekly on Friday at 07:00.")).to_be_visible()
    expect(page.locator("#reports").get_by_text("Weekly on Friday at 07:00")).to_be_visible()


@VIEWPORTS
def test_a_new_site_takes_the_browsers_time_zone_with_one_click(committed, portal, browser, viewport):
    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    customer_id = in_acme(acme, _customer)
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, viewport, timezone_id="Europe/Berlin")
    page.goto(f"{portal.dealer('acme')}/customers/{customer_id}/sites/new/")
    zone = page.locator("select[name=time_zone]")
    dealer_zone = in_acme(acme, lambda: type(acme.dealer).objects.get(pk=acme.dealer.pk).time_zone)
    expect(zone).to_have_value(dealer_zone)  # as saved now: other tests may have changed the dealer's settings
    button = page.get_by_role("button", name="Use this browser's time zone (Europe/Berlin)")
    button.click()
    expect(zone).to_have_value("Europe/Berlin")
    button.scroll_into_view_if_needed()
    screenshot(page, f"site-form-browser-zone-{size}")
    page.fill("input[name=name]", f"Branch {size}")
    page.get_by_role("button", name="Create site").click()
    expect(page.get_by_text("Europe/Berlin").first).to_be_visible()
