"""One headless chromium per session (Debian's, via deploy/bin/ensure-browser) against the real portal_server.

Dealer hosts are `<code>.localhost`: chromium maps every *.localhost name to 127.0.0.1 itself
(--host-resolver-rules), so the browser sends the dealer's Host header as a real one would.
"""

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django_tenants.utils import tenant_context

from tests.support.paths import REPO_ROOT

SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    done = subprocess.run([str(REPO_ROOT / "deploy" / "bin" / "ensure-browser")], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"no chromium for the browser tests:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def static_collected(live_env) -> None:
    """gunicorn serves static files through WhiteNoise from STATIC_ROOT (under the session's MB_VAR_DIR)."""
    command = [str(REPO_ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=live_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@dataclass(frozen=True)
class Portal:
    central: str  # http://127.0.0.1:<port>: the agents' host

    def dealer(self, code: str) -> str:
        return f"http://{code}.localhost:{urlsplit(self.central).port}"


@pytest.fixture(scope="session")
def portal(static_collected, portal_server, celery_worker) -> Portal:
    return Portal(portal_server)


@pytest.fixture(scope="module")
def browser(chromium_path) -> Iterator[object]:
    """Module-scoped, not session: Playwright's sync API keeps an asyncio loop running in the main thread
    while it is open, and Django refuses database calls there, so it must be gone before other modules run."""
    from playwright.sync_api import sync_playwright

    args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--host-resolver-rules=MAP *.localhost 127.0.0.1",
    ]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=args)
        yield browser
        browser.close()


def sign_in(browser, base: str, email: str, password: str, viewport: dict = DESKTOP, **context_options):
    """A fresh browser context (own cookies; Playwright's context options, e.g. timezone_id) signed in at `base`;
    returns its page."""
    context = browser.new_context(viewport=viewport, **context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/sign-in/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def in_acme(acme, work):
    """Runs `work()` in dealer A's schema on a thread of its own (Playwright's loop owns this one)."""

    def run():
        from django.db import connection

        try:
            with tenant_context(acme.dealer):
                return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
