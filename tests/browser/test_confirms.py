"""Destructive buttons ask first, saying what will happen: dismissing the question changes nothing, accepting it does
the action. Tried on a phone (390 px), where a stray tap is likeliest."""

import pytest

from tests.browser.conftest import PHONE, in_acme, screenshot, sign_in
from tests.browser.support_pages import dealer_rows, dealer_rows_tidy
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]


@pytest.fixture
def phone(committed, portal, browser):
    acme = committed["acme"]
    rows = in_acme(acme, lambda: dealer_rows("confirm"))
    page = sign_in(browser, portal.dealer("acme"), acme.admin.email, PASSWORD, PHONE)
    try:
        yield page, rows, portal.dealer("acme"), lambda query: in_acme(acme, query)
    finally:
        page.context.close()
        in_acme(acme, lambda: dealer_rows_tidy(rows))


def answer(page, button, *, accept: bool) -> str:
    """Clicks `button`, answers the confirm and returns its question. Accepting waits for the form's redirect;
    dismissing reloads the page, so what the test checks next is what the server holds."""
    asked = []

    def reply(dialog):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", reply)
    if accept:
        with page.expect_navigation():
            button.click()
    else:
        button.click()
        page.reload()
    assert asked, "no confirm appeared"
    return asked[0]


def test_revoking_a_key_asks_and_says_agents_can_no_longer_enrol(phone):
    from agents.models import LicenseKey

    page, rows, base, query = phone
    page.goto(f"{base}/sites/{rows.site}/")
    revoke = page.locator(f"form[action='/keys/{rows.key}/revoke/'] button")
    asked = answer(page, revoke, accept=False)
    assert asked.startswith(f"Revoke licence key {rows.key_prefix}… (reception PC)?")
    assert "No new agent can enrol with it" in asked
    assert query(lambda: LicenseKey.objects.get(public_id=rows.key).state) == "active"
    assert revoke.is_visible()
    answer(page, revoke, accept=True)
    assert query(lambda: LicenseKey.objects.get(public_id=rows.key).state) == "revoked"
    key_row = page.locator("tr", has_text=f"{rows.key_prefix}…")
    assert key_row.get_by_text("revoked", exact=True).is_visible() and revoke.count() == 0


def test_switching_off_an_agent_on_the_site_page_asks_first(phone):
    from agents.models import Agent

    page, rows, base, query = phone
    page.goto(f"{base}/sites/{rows.site}/")
    switch_off = page.locator(f"form[action='/agents/{rows.agent}/revoke/'] button")
    asked = answer(page, switch_off, accept=False)
    assert asked.startswith(f"Switch off {rows.agent_name}?") and "enrol again with a new key" in asked
    assert query(lambda: Agent.objects.get(public_id=rows.agent).revoked_at) is None
    screenshot(page, "confirm-site-phone")
    answer(page, switch_off, accept=True)
    assert query(lambda: Agent.objects.get(public_id=rows.agent).revoked_at) is not None
    assert page.locator("tr", has_text=rows.agent_name).get_by_text("off", exact=True).is_visible()


def test_revoking_an_agent_on_the_agents_page_asks_first(phone):
    from agents.models import Agent

    page, rows, base, query = phone
    page.goto(f"{base}/agents/")
    revoke = page.locator(f"form[action='/agents/{rows.agent}/revoke/'] button")
    asked = answer(page, revoke, accept=False)
    assert asked.startswith(f"Switch off {rows.agent_name}?")
    assert query(lambda: Agent.objects.get(public_id=rows.agent).revoked_at) is None
    answer(page, revoke, accept=True)
    assert query(lambda: Agent.objects.get(public_id=rows.agent).revoked_at) is not None


def test_removing_a_report_schedule_asks_first(phone):
    from reports.models import ReportSchedule

    page, rows, base, query = phone
    page.goto(f"{base}/customers/{rows.customer}/")
    remove = page.locator(f"form[action$='/schedules/{rows.schedule}/delete/'] button")
    asked = answer(page, remove, accept=False)
    assert asked.startswith("Remove this report schedule (weekly, all sites)?") and "no more reports" in asked
    assert query(lambda: ReportSchedule.objects.filter(public_id=rows.schedule).exists())
    answer(page, remove, accept=True)
    assert not query(lambda: ReportSchedule.objects.filter(public_id=rows.schedule).exists())
    assert remove.count() == 0


def test_stopping_monitoring_asks_first(phone):
    from meters.models import Device

    page, rows, base, query = phone
    page.goto(f"{base}/devices/{rows.device}/")
    stop = page.get_by_role("button", name="Stop monitoring")
    asked = answer(page, stop, accept=False)
    assert asked.startswith(f"Stop monitoring {rows.device_name} ({rows.device_serial})?")
    assert "left out of reports" in asked
    assert query(lambda: Device.objects.get(public_id=rows.device).is_monitored)
    answer(page, stop, accept=True)
    assert not query(lambda: Device.objects.get(public_id=rows.device).is_monitored)
    assert page.get_by_role("button", name="Monitor again").is_visible()


def test_revoking_an_api_token_asks_first(phone):
    from portal.accounts.models import ApiToken

    page, rows, base, query = phone
    page.goto(f"{base}/accounts/tokens/")
    revoke = page.locator(f"button[name=revoke][value='{rows.token}']")
    asked = answer(page, revoke, accept=False)
    assert asked.startswith(f"Revoke the token {rows.token_name} (")
    assert query(lambda: ApiToken.objects.get(public_id=rows.token).is_active)
    answer(page, revoke, accept=True)
    assert not query(lambda: ApiToken.objects.get(public_id=rows.token).is_active)


def test_deactivating_a_user_asks_first_but_a_role_change_does_not(phone):
    from portal.accounts.models import User

    page, rows, base, query = phone
    page.goto(f"{base}/accounts/users/")
    row = page.locator("tr", has_text=rows.member_email)
    row.get_by_label("Role").select_option("viewer")
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()  # a confirm here would be dismissed and nothing saved
    assert query(lambda: User.objects.get(public_id=rows.member).role) == "viewer"
    row.get_by_label("active").uncheck()
    asked = answer(page, row.get_by_role("button", name="Save"), accept=False)
    assert asked.startswith(f"Deactivate {rows.member_email}?") and "can no longer sign in" in asked
    assert query(lambda: User.objects.get(public_id=rows.member).is_active)
    row.get_by_label("active").uncheck()
    answer(page, row.get_by_role("button", name="Save"), accept=True)
    assert not query(lambda: User.objects.get(public_id=rows.member).is_active)


def test_dismissing_a_flag_asks_and_says_the_read_stands_as_it_is(phone):
    from meters.models import MeterFlag

    page, rows, base, query = phone
    page.goto(f"{base}/devices/{rows.device}/")
    dismiss = page.locator(f"form[action='/flags/{rows.flag}/decide/'] button[value=dismiss]")
    asked = answer(page, dismiss, accept=False)
    assert asked.startswith("Dismiss this flag? The total read stands as 12, as the device gave it")
    assert "(the read before: 5,000), with no offset added" in asked
    assert query(lambda: MeterFlag.objects.get(public_id=rows.flag).state) == "open"
    screenshot(page, "confirm-device-phone")
    answer(page, dismiss, accept=True)
    assert query(lambda: MeterFlag.objects.get(public_id=rows.flag).state) == "dismissed"
    assert page.get_by_text("Flag dismissed: the total read stands as 12.").is_visible()


def _a_device_read_once():
    """A device with a stored read, whose counters the mapping page lists (a made-up read has none)."""
    from tests.meters.ingest_support import discover, hours_ago, new_agent, read

    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.8.0.9")
    read(agent, device, "konica_c250i", at=hours_ago(2))
    return device


def _mappings_of(device) -> list:
    from meters.models import MeterMapping

    same_model = MeterMapping.objects.filter(manufacturer=device.manufacturer, model=device.model)
    return list(same_model.values_list("oid", "kind"))


def test_saving_a_meter_mapping_asks_and_says_the_history_is_re_derived(phone):
    from meters.models import Device

    page, _rows, base, query = phone
    device = query(_a_device_read_once)
    try:
        same_model = query(lambda: Device.objects.filter(manufacturer=device.manufacturer, model=device.model).count())
        before = query(lambda: _mappings_of(device))
        page.goto(f"{base}/devices/{device.public_id}/meter-mapping/")
        page.locator("#mapping select").first.select_option("none")
        save = page.get_by_role("button", name="Save and re-derive history")
        asked = answer(page, save, accept=False)
        plural = "s" if same_model != 1 else ""
        expected = f"Save the mapping and re-derive the history of {same_model} {device.display_name} device{plural}?"
        assert asked.startswith(expected) and "past billing meters can change" in asked
        assert query(lambda: _mappings_of(device)) == before  # nothing saved, nothing re-derived
        # Accepted as the page stands after the reload: saved as it was (the model's mapping is shared by other tests).
        answer(page, save, accept=True)
        assert page.get_by_text("The mapping is unchanged: nothing was re-derived.").is_visible()
    finally:
        query(lambda: Device.objects.filter(pk=device.pk).delete())  # committed data outlives this test


def test_rotating_an_agent_token_asks_and_says_when_the_old_one_stops(phone):
    from django.conf import settings

    from agents.models import Agent

    page, rows, base, query = phone
    page.goto(f"{base}/agents/")
    rotate = page.locator(f"form[action='/agents/{rows.agent}/rotate-token/'] button")
    asked = answer(page, rotate, accept=False)
    assert asked.startswith(f"Give {rows.agent_name} a new token? It takes it at its next poll")
    assert f"the token it has now then keeps working for {settings.AGENT_TOKEN_GRACE_HOURS} hours, then stops" in asked
    assert query(lambda: Agent.objects.get(public_id=rows.agent).token_rotation_requested_at) is None
    answer(page, rotate, accept=True)
    assert query(lambda: Agent.objects.get(public_id=rows.agent).token_rotation_requested_at) is not None
    assert rotate.is_disabled()  # asked once; the agent takes it at its next poll
