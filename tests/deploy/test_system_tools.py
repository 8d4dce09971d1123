"""ensure-browser, ensure-snmp-tools, apt-ensure: Debian packages the tests and benchmarks need, installed once."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.deploy.helpers import run_script

pytestmark = pytest.mark.slow


def test_already_installed_package_is_left_alone() -> None:
    result = run_script("apt-ensure", "dpkg")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "dpkg=already\n"


def test_a_normal_user_is_told_to_become_root_for_missing_packages() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an ordinary user")
    result = run_script("apt-ensure", "dpkg", "meterbridge-no-such-package", as_user="nobody")
    assert result.returncode == 3
    assert result.stdout == "dpkg=already\n"
    assert "need root" in result.stderr and "meterbridge-no-such-package" in result.stderr


@pytest.mark.browser
def test_browser_path_launches_chromium_through_playwright() -> None:
    result = run_script("ensure-browser", timeout=600)
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip()
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path)
        page = browser.new_page()
        page.set_content("<title>Fleet</title><p id=total>12345</p>")
        assert (page.title(), page.inner_text("#total")) == ("Fleet", "12345")
        browser.close()


def test_snmp_tools_are_installed_and_run() -> None:
    result = run_script("ensure-snmp-tools", timeout=600)
    assert result.returncode == 0, result.stderr
    tools = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert set(tools) == {"snmpget", "snmpwalk", "snmpbulkwalk", "onesixtyone"}
    version = subprocess.run([tools["snmpget"], "--version"], capture_output=True, text=True, check=False)
    assert "NET-SNMP" in version.stdout + version.stderr
    usage = subprocess.run([tools["onesixtyone"]], capture_output=True, text=True, check=False)
    assert "onesixtyone" in usage.stdout + usage.stderr
