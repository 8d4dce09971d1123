"""A dealer's own way through accounts and dead ends, in Chromium on a desktop and a phone: forgotten password
reset by email, the Add user form refusing bad input, error pages with a way back, the favicon, and lists that
answer any ?page=."""

import uuid
from pathlib import Path

import pytest

from tests.browser.conftest import PHONE, in_acme, screenshot, sign_in
from tests.reports.mail_files import sent_messages
from tests.support.personas import PASSWORD
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.browser]
DESKTOP = {"width": 1366, "height": 900}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
NEW_PASSWORD = "browser new password 58"


def _size(viewport) -> str:
    return "phone" if viewport is PHONE else "desktop"


def _reset_email(folder: Path, to: str):
    """The reset email as the user's mailbox shows it, once the worker has sent it: (subject, text, HTML)."""
    [message] = wait_until(lambda: [m for m in sent_messages(folder) if m["To"] == to])
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    return message["Subject"], parts["text/plain"], parts["text/html"]


@VIEWPORTS
def test_a_user_who_forgot_the_password_sets_a_new_one_by_email(committed, portal, browser, live_env, viewport):
    from portal.accounts.services import user_create

    acme, size, base = committed["acme"], _size(viewport), portal.dealer("acme")
    email = f"forgot-{size}-{uuid.uuid4().hex[:6]}@acme.example"
    in_acme(acme, lambda: user_create(email=email, password=PASSWORD, role="technician", full_name="Fran Forgot"))
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{base}/accounts/sign-in/")
    screenshot(page, f"reset-1-sign-in-{size}")
    page.get_by_role("link", name="Forgot password?").click()
    page.fill("input[name=email]", email)
    screenshot(page, f"reset-2-ask-{size}")
    page.get_by_role("button", name="Email me a link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    screenshot(page, f"reset-3-sent-{size}")

    subject, text, html = _reset_email(Path(live_env["EMAIL_FILE_PATH"]), email)
    assert subject.startswith("Acme Copiers:")
    link = next(word for word in text.split() if "/accounts/password/reset/" in word)
    assert link.startswith(base) and link in html
    mail_page = browser.new_context(viewport=viewport).new_page()
    mail_page.set_content(html)
    screenshot(mail_page, f"reset-4-email-{size}")

    page.goto(link)
    assert page.get_by_role("heading", name="Set a new password").is_visible()
    assert link.rsplit("/", 2)[-2] not in page.url  # the token leaves the address bar (and any Referer)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    screenshot(page, f"reset-5-new-password-{size}")
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url(f"{base}/accounts/sign-in/")
    assert page.get_by_text("Your new password is set. Sign in with it.").is_visible()
    screenshot(page, f"reset-6-back-to-sign-in-{size}")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.get_by_text("Fran Forgot").first.is_visible()

    page.goto(link)  # a second time: used up
    assert page.get_by_role("heading", name="This link no longer works").is_visible()
    screenshot(page, f"reset-7-link-used-{size}")
    page.context.close()
    mail_page.context.close()


@VIEWPORTS
def test_add_user_refuses_a_short_password_and_a_taken_email_with_reasons(committed, portal, browser, viewport):
    acme, size, base = committed["acme"], _size(viewport), portal.dealer("acme")
    page = sign_in(browser, base, acme.admin.email, PASSWORD, viewport)
    page.goto(f"{base}/accounts/users/")
    form = page.locator("form", has=page.get_by_role("button", name="Add user"))
    form.locator("input[name=email]").fill(acme.technician.email)
    form.locator("input[name=password]").fill("short1")
    form.get_by_role("button", name="Add user").click()
    assert page.get_by_text("A user with this email exists already.").is_visible()
    assert page.get_by_text("This password is too short").is_visible()
    form.locator("input[name=email]").scroll_into_view_if_needed()
    screenshot(page, f"add-user-refused-{size}")
    page.context.close()


@VIEWPORTS
def test_error_pages_look_like_the_portal_and_lead_back(committed, portal, browser, viewport):
    from django.test import RequestFactory
    from django.views.defaults import server_error

    acme, size, base = committed["acme"], _size(viewport), portal.dealer("acme")
    page = sign_in(browser, base, acme.technician.email, PASSWORD, viewport)
    answer = page.goto(f"{base}/accounts/users/")
    assert answer.status == 403 and page.get_by_role("heading", name="You can't open this page").is_visible()
    screenshot(page, f"error-403-{size}")
    answer = page.goto(f"{base}/devices/not-a-device/")
    assert answer.status == 404 and page.get_by_role("heading", name="Page not found").is_visible()
    screenshot(page, f"error-404-{size}")
    page.get_by_role("link", name="Go to the overview").click()
    page.wait_for_url(f"{base}/")

    # A 500 cannot be caused on purpose; its page, as Django renders it, is served at a made-up address of the
    # dealer's host so its stylesheet and icon load from the real server.
    body = server_error(RequestFactory().get("/")).content
    page.route(f"{base}/broken/", lambda route: route.fulfill(status=500, body=body, content_type="text/html"))
    page.goto(f"{base}/broken/")
    assert page.get_by_role("heading", name="Something went wrong on our side").is_visible()
    assert page.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(15, 39, 71)"
    screenshot(page, f"error-500-{size}")
    page.context.close()


def test_the_tab_shows_the_portals_icon(committed, portal, browser):
    base = portal.dealer("acme")
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{base}/accounts/sign-in/")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.goto(f"{base}{icon}").ok  # the browser's own requests: only it resolves the dealer's host
    favicon = page.goto(f"{base}/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] == "image/x-icon"
    page.context.close()


@VIEWPORTS
def test_a_page_number_past_the_end_still_shows_the_list(committed, portal, browser, viewport):
    from agents.models import Customer
    from tests.support.factories import make_site

    acme, size, base = committed["acme"], _size(viewport), portal.dealer("acme")
    in_acme(acme, lambda: make_site(customer_name=f"Paged Dental {size}"))  # at least one customer to list
    # The list is by name over committed data other tests add to: the last page ends with the last name.
    last = in_acme(acme, lambda: Customer.objects.active().order_by("name").last().name)
    page = sign_in(browser, base, acme.viewer.email, PASSWORD, viewport)
    for path in ["/customers/?page=999", "/devices/?page=999", "/agents/?page=abc"]:
        answer = page.goto(f"{base}{path}")
        assert answer.status == 200 and not page.get_by_role("heading", name="Page not found").is_visible()
    page.goto(f"{base}/customers/?page=999")
    assert page.get_by_role("link", name=last, exact=True).first.is_visible()  # the last page: the list, not a 404
    screenshot(page, f"customers-page-999-{size}")
    page.context.close()
