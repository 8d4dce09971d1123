"""SNMP credentials as a technician sets them up in the browser: added on the site page, never shown again, and
tested from the device page."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]
AUTH_KEY, PRIV_KEY = "browser-auth-key-1", "browser-priv-key-2"


def _site_with_a_device() -> dict:
    from django.utils import timezone

    from agents.services.credentials import credential_create
    from meters.models import Device
    from tests.support.factories import make_site, unique

    site = make_site(customer_name="Credentials Customer")
    credential_create(customer=site.customer, label="Head office IT", version="2c", community="corp-community-1")
    now = timezone.now()
    device = Device.objects.create(
        site=site,
        identity_key=unique("serial:B"),
        serial="E7654321",
        manufacturer="RICOH",
        model="MP C3002",
        ip="10.77.0.5",
        first_seen_at=now,
        last_seen_at=now,
    )
    return {"site": str(site.public_id), "device": str(device.public_id)}


def _agent_answers_the_test(device_id: str) -> None:
    """What the site's agent would post: the printer answered the v3 user, and not the v2c community."""
    from agents.models import Directive, SnmpCredential
    from meters.services.credential_tests import credential_test_ingest
    from tests.support.factories import make_agent

    directive = Directive.objects.get(kind="test", params__targets__contains=[{"device_id": device_id}])
    statuses = {"3": "ok", "2c": "wrong_community", "1": "wrong_community"}
    credentials = directive.params["credential_refs"]
    versions = dict(SnmpCredential.objects.filter(pk__in=credentials).values_list("pk", "version"))
    results = [
        {"credential_id": f"c{pk}", "status": statuses[versions[pk]], "message": "", "sys_descr": "RICOH"}
        for pk in credentials
    ]
    payload = {"kind": "test", "targets": [{"ip": "10.77.0.5", "device_id": device_id, "results": results}]}
    agent, _token = make_agent(site=directive.site)
    result = directive.results.create(
        agent=agent, idempotency_key=f"k-{directive.pk}", payload=payload, status="interpreted"
    )
    Directive.objects.filter(pk=directive.pk).update(status="done")
    credential_test_ingest(result, payload)


def _stored(site_id: str) -> list[tuple[str, str, str]]:
    from agents.models import SnmpCredential

    rows = SnmpCredential.objects.filter(site__public_id=site_id).order_by("position")
    return [(c.label, c.v3_user, c.as_directive_credential().get("priv_key", "")) for c in rows]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_technician_adds_a_v3_user_and_tests_a_printer(committed, portal, browser, viewport):
    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    made = in_acme(acme, _site_with_a_device)
    base = portal.dealer("acme")
    page = sign_in(browser, base, acme.technician.email, PASSWORD, viewport)
    page.goto(f"{base}/sites/{made['site']}/")
    page.get_by_role("link", name="Add SNMP credential").click()
    page.fill("input[name=label]", "IT monitoring")
    page.select_option("select[name=version]", "3")
    page.fill("input[name=user]", "mb-authpriv")
    page.select_option("select[name=auth_protocol]", "SHA")
    page.fill("input[name=auth_key]", AUTH_KEY)
    page.select_option("select[name=priv_protocol]", "AES")
    page.fill("input[name=priv_key]", PRIV_KEY)
    screenshot(page, f"credential-form-{size}")
    page.get_by_role("button", name="Add credential").click()

    row = page.locator("#snmp-credentials tr", has_text="IT monitoring")
    assert "user mb-authpriv" in row.inner_text() and "not tested" in row.inner_text()
    assert AUTH_KEY not in page.content() and PRIV_KEY not in page.content()
    assert in_acme(acme, lambda: _stored(made["site"]))[-1] == ("IT monitoring", "mb-authpriv", PRIV_KEY)
    row.get_by_role("button", name="Move up").click()  # tried before "public" v1 now
    assert page.locator("#snmp-credentials tbody tr").nth(1).inner_text().startswith("2")
    assert "IT monitoring" in page.locator("#snmp-credentials tbody tr").nth(1).inner_text()
    screenshot(page, f"site-credentials-{size}")

    page.locator("#snmp-credentials tr", has_text="IT monitoring").get_by_role("link", name="Edit").click()
    assert page.input_value("input[name=auth_key]") == "" and page.input_value("input[name=priv_key]") == ""
    assert AUTH_KEY not in page.content()

    page.goto(f"{base}/devices/{made['device']}/")
    page.get_by_role("button", name="Test SNMP credentials").click()
    assert page.locator("#device-test .test-state").get_attribute("data-status") == "testing"
    assert page.get_by_role("button", name="Test SNMP credentials").is_disabled()
    screenshot(page, f"device-testing-{size}")
    site_page = page.context.new_page()  # the site page stays open in a second tab
    site_page.goto(f"{base}/sites/{made['site']}/")
    v3_row = site_page.locator("#snmp-credentials tr", has_text="IT monitoring")
    v3_row.get_by_role("button", name="Test").click()  # every known printer: added to the pending test
    assert v3_row.locator(".test-state").get_attribute("data-status") == "testing"

    in_acme(acme, lambda: _agent_answers_the_test(made["device"]))
    page.wait_for_selector("#device-test .test-state[data-status=ok]")  # both pages poll until the answer is in
    assert page.locator("#device-test .test-state").inner_text() == "ok · SNMPv3 mb-authpriv (IT monitoring)"
    screenshot(page, f"device-tested-{size}")
    site_page.wait_for_selector("#snmp-credentials tr:has-text('IT monitoring') .test-state[data-status=ok]")
    assert "wrong community" in site_page.locator("#snmp-credentials").inner_text()
    screenshot(site_page, f"site-credentials-tested-{size}")
    page.get_by_role("link", name="Credentials Customer").first.click()  # the customer's own, for every site
    assert "Head office IT" in page.locator("#snmp-credentials").inner_text()
    assert "corp-community-1" not in page.content()
    screenshot(page, f"customer-credentials-{size}")
    page.context.close()
