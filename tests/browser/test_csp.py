"""The Content-Security-Policy in a real Chromium: the dealer's pages run with it, log no violation, and still
work: charts and gauges drawn, the device list filtering as you type (htmx), confirmations asked (app.js), the
API docs rendered (Swagger UI)."""

import uuid
from datetime import timedelta

import pytest

from tests.browser.conftest import DESKTOP, in_acme, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fleet_with_history() -> dict:
    """A site with an agent, a printer read over three weeks (toner 80 % down to 40 %) and a printer with
    pages in the last months (the overview's volume chart)."""
    from django.utils import timezone

    from agents.services.keys import license_key_generate
    from meters.models import MeterRead
    from meters.selectors import month_start, volume_cache_forget
    from meters.services.rollups import rollups_add
    from tests.dashboard.fleet_support import black_toner, discover_as, read_as, recording_serial, toner_at
    from tests.meters.ingest_support import new_agent

    agent, original, tag = new_agent(), recording_serial(), uuid.uuid4().hex[:6].upper()
    device = discover_as(agent, "10.77.0.1", original, f"CSP{tag}")
    read_as(agent, device, original, days_ago=21)
    for percent, days_ago in ((80, 20), (60, 10), (40, 0.1)):
        read_as(agent, device, original, days_ago=days_ago, edits=(toner_at(black_toner(device), percent),))
    volume = discover_as(agent, "10.77.0.2", original, f"CSV{tag}")
    now = timezone.now()
    points = [(month_start(now, 2), 10_000), (month_start(now, 1), 11_000), (now - timedelta(minutes=5), 11_400)]
    values = [{"read_at": at + timedelta(hours=1), "total": total, "mono": total} for at, total in points]
    rollups_add([MeterRead.objects.create(device=volume, values={"total": v["total"]}, **v) for v in values])
    volume_cache_forget()
    license_key_generate(site=agent.site, label="reception PC")
    site = agent.site
    ids = {"site": site.public_id, "customer": site.customer.public_id, "device": device.public_id}
    return {**{name: str(value) for name, value in ids.items()}, "agent": str(agent.public_id)}


def forget(site_id: str) -> None:
    from meters.models import Device
    from meters.selectors import volume_cache_forget

    Device.objects.filter(site__public_id=site_id).delete()
    volume_cache_forget()  # other browser tests expect acme's overview without these pages


def agent_revoked(agent_id: str) -> bool:
    from agents.models import Agent

    return Agent.objects.get(public_id=agent_id).revoked_at is not None


@pytest.fixture(scope="module")
def acme_committed(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        yield django_db_setup["acme"]
        connection.set_schema_to_public()


@pytest.fixture(scope="module")
def fleet(acme_committed, portal):
    data = in_acme(acme_committed, fleet_with_history)
    yield data
    in_acme(acme_committed, lambda: forget(data["site"]))


class Console:
    """What the page's console and the browser report: CSP violations are console errors in Chromium."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def console(self, message) -> None:
        if message.type == "error":  # a missing favicon counts too: the portal serves one
            self.errors.append(message.text)

    def clean(self, where: str) -> None:
        assert self.errors == [], f"{where}: {self.errors}"


def visit(page, console: Console, url: str):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    console.clean(url)
    return response


def test_the_main_pages_run_under_the_policy_with_no_violation(portal, browser, fleet):
    base = portal.dealer("acme")
    page = sign_in(browser, base, "admin@acme.example", PASSWORD)
    console = Console(page)

    visit(page, console, f"{base}/")
    assert page.locator("#volume svg.chart rect").count() > 0  # the monthly volume chart is drawn
    assert page.locator("#volume svg.chart").bounding_box()["width"] > 100

    visit(page, console, f"{base}/devices/")
    page.fill("input[name=q]", "CSP")  # typing filters the list (htmx, from its own file)
    page.wait_for_url(lambda url: "q=CSP" in url)
    console.clean("device list, filtered")

    visit(page, console, f"{base}/devices/{fleet['device']}/")
    assert page.locator("#meters-now svg.chart polyline, #meters-now svg.chart rect").count() > 0
    # Each toner bar is as long as its level says (in steps of 5 %), without a style attribute.
    shown = page.locator("#supplies .gauge-bar").evaluate_all(
        "bars => bars.map(b => [b.ariaValueNow, b.querySelector('.fill').offsetWidth / b.offsetWidth * 100])"
    )
    levels = [(float(level), width) for level, width in shown if level]
    assert any(level > 10 for level, _width in levels), shown
    assert all(abs(width - level) <= 3 for level, width in levels), shown
    page.click("#raw summary")
    page.wait_for_selector("#raw-body table.raw")
    console.clean("device page, raw data")

    pages = ["/customers/", f"/customers/{fleet['customer']}/", f"/sites/{fleet['site']}/", "/agents/"]
    for path in [*pages, "/accounts/settings/", "/accounts/users/", "/accounts/tokens/", "/accounts/password/reset/"]:
        visit(page, console, f"{base}{path}")
    page.goto(f"{base}/customers/{fleet['customer']}/")
    assert page.locator("#reports").count() == 1

    page.goto(f"{base}/sites/{fleet['site']}/")
    page.click("text=Generate licence key")
    assert page.inner_text("#new-license-key").startswith("mbl_acme_")
    console.clean("site page, new key")
    page.context.close()


def test_confirmations_still_ask_before_switching_an_agent_off(portal, browser, fleet, acme_committed):
    base = portal.dealer("acme")
    page = sign_in(browser, base, "admin@acme.example", PASSWORD)
    console = Console(page)
    visit(page, console, f"{base}/agents/")
    button = page.locator(f"form[action$='/agents/{fleet['agent']}/revoke/'] button")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    button.click()
    page.wait_for_load_state("networkidle")
    assert asked and "Switch off" in asked[0]
    assert not in_acme(acme_committed, lambda: agent_revoked(fleet["agent"]))  # said no: nothing happened
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        button.click()
    assert in_acme(acme_committed, lambda: agent_revoked(fleet["agent"]))
    console.clean("agents, after confirmations")
    page.context.close()


def test_sign_in_api_docs_and_the_operators_admin_run_under_the_policy(portal, browser):
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    console = Console(page)
    visit(page, console, f"{portal.dealer('acme')}/accounts/sign-in/")
    visit(page, console, f"{portal.central}/admin/login/")
    visit(page, console, f"{portal.dealer('acme')}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI ran from files and read the schema
    assert "Meterbridge API" in page.inner_text(".swagger-ui .info .title")
    console.clean("API docs")
    context.close()
