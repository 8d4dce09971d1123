"""The agents page on a desktop (as a technician) and on a phone (as an admin, whose rows hold every button): two
agents of one key told apart by name, one of them silent, and renamed in place."""

import pytest

from tests.browser.conftest import DESKTOP, PHONE, in_acme, screenshot, sign_in
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.browser]


def _two_agents_of_one_key(size: str) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from agents.models import Agent
    from agents.services.enrolment import agent_enroll, agent_heartbeat
    from agents.services.keys import license_key_generate
    from tests.support.factories import make_site, unique

    site = make_site(customer_name="Browser Dental", site_name="Reception")
    _key, text = license_key_generate(site=site)
    host = unique(f"vm-{size}")
    first = agent_enroll(license_key=text, hostname=host, os="Windows 11 Pro", agent_version="0.9.1").agent
    report = {"agent_version": "0.9.1", "outbox_depth": 3, "networks": ["192.168.10.0/24"], "last_error": ""}
    agent_heartbeat(agent=first, report=report)
    second = agent_enroll(license_key=text, hostname=host, os="Linux 6.1 x86_64", agent_version="0.9.0").agent
    Agent.objects.filter(pk=second.pk).update(
        last_seen_at=timezone.now() - timedelta(hours=30), last_error="portal unreachable: timed out"
    )
    return str(first.public_id)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_technician_tells_two_agents_apart_and_renames_one(committed, portal, browser, viewport):
    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    agent_id = in_acme(acme, lambda: _two_agents_of_one_key(size))
    user = acme.admin if viewport is PHONE else acme.technician  # the admin's row has every button: the widest
    page = sign_in(browser, portal.dealer("acme"), user.email, PASSWORD, viewport)
    page.goto(f"{portal.dealer('acme')}/agents/")
    assert page.get_by_text("silent for 30 hours").first.is_visible()
    screenshot(page, f"agents-{size}")
    form = page.locator(f"form[action='/agents/{agent_id}/rename/']")
    row = page.locator("tr", has=form)
    row.get_by_text("Rename").click()  # the actions cell stays on a phone (.keep)
    form.locator("input[name=name]").fill(f"Reception PC {size}")
    screenshot(page, f"agents-rename-open-{size}")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/agents/")
    assert page.get_by_text(f"Reception PC {size}").first.is_visible()
    screenshot(page, f"agents-renamed-{size}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_one_sites_agents_say_whose_they_are_and_lead_back_to_all(committed, portal, browser, viewport):
    from agents.models import Agent

    acme, size = committed["acme"], "phone" if viewport is PHONE else "desktop"
    agent_id = in_acme(acme, lambda: _two_agents_of_one_key(f"site-{size}"))
    site_id = in_acme(acme, lambda: str(Agent.objects.get(public_id=agent_id).site.public_id))
    page = sign_in(browser, portal.dealer("acme"), acme.viewer.email, PASSWORD, viewport)
    page.goto(f"{portal.dealer('acme')}/agents/?site={site_id}")
    note = page.locator("p", has_text="Agents of")
    assert note.is_visible() and "Browser Dental" in note.inner_text() and "Reception" in note.inner_text()
    assert page.locator("tbody tr").count() == 2  # the key's two agents, no other site's
    screenshot(page, f"agents-of-one-site-{size}")
    page.get_by_role("link", name="All agents").click()
    page.wait_for_url("**/agents/")
