"""A result that could not be interpreted, as the dealer sees it on the site page, and put right from there."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]


def _failed_read() -> dict:
    from agents.models import DirectiveResult
    from tests.meters.ingest_support import discover, new_agent, read_payload, store_result
    from tests.support.factories import make_site

    agent = new_agent(site=make_site(customer_name="Failed Result Customer"))
    device = discover(agent, "sharp", "10.79.0.1")
    result = store_result(agent, "read", read_payload(device, "sharp"))
    error = "InternalError: could not extend file: No space left on device"
    DirectiveResult.objects.filter(pk=result.pk).update(status="failed", error=error, attempts=1)
    return {"site": str(agent.site.public_id), "result": result.pk}


def _result_status(pk: int) -> str:
    from agents.models import DirectiveResult

    return DirectiveResult.objects.get(pk=pk).status


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_site_page_shows_a_failed_result_and_interprets_it_again(committed, portal, browser, viewport):
    acme = committed["acme"]
    made = in_acme(acme, _failed_read)
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, viewport)
    page.goto(f"{portal.dealer('acme')}/sites/{made['site']}/")

    row = page.locator("tr", has_text="No space left on device")
    assert row.locator(".result-failed").inner_text() == "Failed"
    screenshot(page, f"site-failed-result-{'phone' if viewport is PHONE else 'desktop'}")
    row.get_by_role("button", name="Interpret again").click()

    assert "Interpreting the result again" in page.locator(".messages, .message, [role=status]").first.inner_text()
    for _ in range(60):
        if in_acme(acme, lambda: _result_status(made["result"])) == "interpreted":
            break
        page.wait_for_timeout(500)
    page.reload()
    assert page.locator("tr", has_text="No space left on device").count() == 0
    assert in_acme(acme, lambda: _result_status(made["result"])) == "interpreted"
    page.context.close()
