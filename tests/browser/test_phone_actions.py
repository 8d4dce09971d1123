"""Every row's buttons and key figures stay on screen on a phone (390 px) as on a desktop: tables turn into cards
rather than dropping columns, and the menu wraps so "Users" is in reach."""

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS, in_acme, screenshot, sign_in
from tests.browser.support_pages import dealer_rows, dealer_rows_tidy
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]
DESKTOP = {"width": 1366, "height": 900}


def on_screen(page, locator, what: str) -> None:
    """Scrolls the page (only the page, never a table's own scroller) to the element and checks it lies wholly
    inside the viewport: a button pushed off a table's right edge fails here, though Playwright could still click it."""
    assert locator.count() == 1, f"{what}: found {locator.count()}"
    assert locator.is_visible(), f"{what} is hidden"
    locator.evaluate("el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 120)")
    box, view = locator.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], f"{what} is off the side: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], f"{what} is off screen: {box}"


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def admin_page(request, committed, portal, browser):
    size = "phone" if request.param is PHONE else "desktop"
    acme = committed["acme"]
    rows = in_acme(acme, lambda: dealer_rows(size))
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, request.param)
    try:
        yield page, rows, size, portal.dealer("acme")
    finally:
        page.context.close()
        in_acme(acme, lambda: dealer_rows_tidy(rows))


def test_the_menu_reaches_users_and_their_save_button(admin_page):
    page, rows, size, _base = admin_page
    users = page.locator("nav.mainnav").get_by_role("link", name="Users")
    on_screen(page, users, "the menu's Users")
    screenshot(page, f"phone-actions-home-{size}")
    users.click()
    page.wait_for_url("**/accounts/users/")
    no_sideways_scroll(page)
    form = page.locator(f"form[action='/accounts/users/{rows.member}/']")
    row = page.locator("tr", has_text=rows.member_email)
    save = row.get_by_role("button", name="Save")
    on_screen(page, save, "Save on a colleague's row")
    on_screen(page, row.get_by_label("Role"), "the colleague's role")
    screenshot(page, f"phone-actions-users-{size}")
    row.get_by_label("Role").select_option("viewer")
    save.click()  # no confirm: nobody is deactivated
    page.wait_for_url("**/accounts/users/")
    assert page.get_by_text(f"Saved {rows.member_email}").is_visible()
    assert form.count() == 1


def test_the_site_page_keeps_the_key_and_agent_actions(admin_page):
    page, rows, size, base = admin_page
    page.goto(f"{base}/sites/{rows.site}/")
    no_sideways_scroll(page)
    key_row = page.locator("tr", has=page.locator(f"form[action='/keys/{rows.key}/revoke/']"))
    on_screen(page, key_row.get_by_role("button", name="Revoke"), "the key's Revoke")
    on_screen(page, key_row.get_by_text("active", exact=True), "the key's state")
    agent_row = page.locator("tr", has=page.locator(f"form[action='/agents/{rows.agent}/revoke/']"))
    on_screen(page, agent_row.get_by_role("button", name="Switch off"), "the agent's Switch off")
    screenshot(page, f"phone-actions-site-{size}")


def test_the_agents_page_keeps_every_agent_button(admin_page):
    page, rows, size, base = admin_page
    page.goto(f"{base}/agents/")
    no_sideways_scroll(page)
    row = page.locator("tr", has=page.locator(f"form[action='/agents/{rows.agent}/revoke/']"))
    for name in ("Rename", "Rotate token", "Revoke"):
        on_screen(page, row.get_by_text(name, exact=True), f"the agent's {name}")
    screenshot(page, f"phone-actions-agents-{size}")


def test_the_customer_page_keeps_schedule_remove_and_the_report_download(admin_page):
    page, rows, size, base = admin_page
    page.goto(f"{base}/customers/?q={rows.customer_name}")
    row = page.locator("tr", has_text=rows.customer_name)
    on_screen(page, row.get_by_role("link", name=rows.customer_name), "the customer's name")
    on_screen(page, row.locator("td.num"), "the customer's number of sites")
    assert row.locator("td.num").inner_text() == "1"
    screenshot(page, f"phone-actions-customers-{size}")
    row.get_by_role("link", name=rows.customer_name).click()
    page.wait_for_url(f"**/customers/{rows.customer}/")
    no_sideways_scroll(page)
    schedule = page.locator(f"form[action$='/schedules/{rows.schedule}/delete/'] button")
    on_screen(page, schedule, "the schedule's Remove")
    download = page.get_by_role("link", name=rows.filename)
    on_screen(page, download, "the report's .xlsx link")
    screenshot(page, f"phone-actions-customer-{size}")
    page.locator("#reports").screenshot(path=str(SCREENSHOTS / f"phone-actions-reports-{size}.png"))
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename == rows.filename


def test_the_device_list_and_page_keep_the_figures_and_actions(admin_page):
    page, rows, size, base = admin_page
    page.goto(f"{base}/devices/?q={rows.device_serial}")
    no_sideways_scroll(page)
    row = page.locator("tr", has=page.locator(f"a[href='/devices/{rows.device}/']"))
    on_screen(page, row.locator(f"a[href='/devices/{rows.device}/']"), "the device's name")
    on_screen(page, row.get_by_text("123,456"), "the device's total pages")
    screenshot(page, f"phone-actions-devices-{size}")
    row.locator(f"a[href='/devices/{rows.device}/']").click()
    page.wait_for_url(f"**/devices/{rows.device}/")
    no_sideways_scroll(page)
    on_screen(page, page.get_by_role("button", name="Stop monitoring"), "Stop monitoring")
    flag = page.locator(f"form[action='/flags/{rows.flag}/decide/']")
    on_screen(page, flag.get_by_role("button", name="Accept offset"), "the flag's Accept offset")
    on_screen(page, flag.get_by_role("button", name="Dismiss"), "the flag's Dismiss")
    screenshot(page, f"phone-actions-device-{size}")


def test_the_token_page_keeps_revoke(admin_page):
    page, rows, size, base = admin_page
    page.goto(f"{base}/accounts/tokens/")
    no_sideways_scroll(page)
    on_screen(page, page.locator(f"button[name=revoke][value='{rows.token}']"), "the token's Revoke")
    screenshot(page, f"phone-actions-tokens-{size}")


@pytest.mark.parametrize("width", [390, 800, 1024])
def test_the_menu_fits_every_width_without_covering_the_page(committed, portal, browser, width):
    acme = committed["acme"]
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, {"width": width, "height": 844})
    for name in ("Overview", "Devices", "Customers", "Agents", "Users"):
        on_screen(page, page.locator("nav.mainnav").get_by_role("link", name=name), f"the menu's {name}")
    page.evaluate("window.scrollTo(0, 0)")
    topbar, heading = page.locator("header.topbar").bounding_box(), page.locator("h1").bounding_box()
    user_menu = page.locator(".usermenu summary").bounding_box()
    assert user_menu["y"] + user_menu["height"] <= topbar["y"] + topbar["height"], "the user menu hangs off the bar"
    assert topbar["y"] + topbar["height"] <= heading["y"], "the menu covers the page's heading"
    no_sideways_scroll(page)
    screenshot(page, f"phone-actions-menu-{width}")
    page.context.close()


def _a_konica_read_once() -> str:
    from tests.meters.ingest_support import discover, hours_ago, new_agent, read

    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.8.0.7")
    read(agent, device, "konica_c250i", at=hours_ago(2))
    return str(device.public_id)


def test_the_meter_mapping_page_keeps_every_counters_choice(admin_page, committed):
    page, _rows, size, base = admin_page
    from meters.models import Device

    device = in_acme(committed["acme"], _a_konica_read_once)
    try:
        page.goto(f"{base}/devices/{device}/meter-mapping/")
        no_sideways_scroll(page)
        choices = page.locator("#mapping select")
        assert choices.count() > 3
        on_screen(page, choices.first, "the first counter's Map to")
        on_screen(page, choices.last, "the last counter's Map to")
        on_screen(page, page.get_by_role("button", name="Save and re-derive history"), "Save")
        screenshot(page, f"phone-actions-mapping-{size}")
    finally:  # committed data outlives this test
        in_acme(committed["acme"], lambda: Device.objects.filter(public_id=device).delete())
