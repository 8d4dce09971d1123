"""The site page after a key is generated: install steps with the real key, copied by the Copy button (no inline
script: the page's CSP forbids it, app.js does it)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]


def _site() -> str:
    from tests.support.factories import make_site

    return str(make_site(customer_name="Install Dental", site_name="Front desk").public_id)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_copies_the_linux_steps_with_the_new_key(committed, portal, browser, viewport):
    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    site_id = in_acme(acme, _site)
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{portal.dealer('acme')}/sites/{site_id}/")
    page.get_by_role("button", name="Generate licence key").click()
    key = page.locator("#new-license-key").inner_text().strip()
    assert f"--key {key}" in page.locator("#install-linux").inner_text()
    button = page.locator("[data-copy='#install-linux']")
    button.click()
    expect(button).to_have_text("Copied")  # the clipboard write has finished
    copied = page.evaluate("navigator.clipboard.readText()")
    assert f"/downloads/install-linux.sh | sudo sh -s -- --key {key}" in copied
    screenshot(page, f"site-install-agent-{size}")
