"""The commands a technician pastes at the site to install the agent, with the new key filled in: for the site
page and the license-key API. Quoted for their shells, so no site name runs as code or adds an option."""

import shlex

from django.conf import settings
from django.urls import reverse

from portal.lib.urls import absolute_url


def install_commands(site, key: str) -> dict[str, str]:
    """Every command and download address, for the API's answer to a new key."""
    urls = {
        "agent_url": absolute_url(reverse("agent-download")),
        "checksum_url": absolute_url(reverse("agent-download-sha256")),
        "linux_script_url": absolute_url(reverse("agent-install-script", args=["install-linux.sh"])),
        "windows_script_url": absolute_url(reverse("agent-install-script", args=["install-windows.ps1"])),
    }
    linux, windows = linux_install_commands(site, key), windows_install_commands(site, key)
    return {"linux": linux["install_linux"], "windows": windows["install_windows"], **urls}


def linux_install_commands(site, key: str) -> dict[str, str]:
    """The site page's Linux commands, quoted for sh: a site named `O'Brien "HQ"` stays one argument of --name.
    Without a key (it is shown only once) a `<key>` placeholder the technician replaces."""
    script_url = absolute_url(reverse("agent-install-script", args=["install-linux.sh"]))
    the_key = shlex.quote(key) if key else "<key>"
    name = '"$(hostname)"' + shlex.quote(f" @ {site.name}")
    return {
        "install_linux": f"curl -fsSL {shlex.quote(script_url)} | sudo sh -s -- --key {the_key} --name {name}",
        "enroll_linux": f"python3 meterbridge-agent.pyz enroll --portal {shlex.quote(settings.PORTAL_CENTRAL_URL)} "
        f"--key {the_key} --name {name}",
    }


def windows_install_commands(site, key: str) -> dict[str, str]:
    """The site page's PowerShell: the served install script run in one line, and the agent's own `windows install`
    for the manual steps. The site name is a single-quoted string (quotes doubled), so no name runs as code."""
    script_url = absolute_url(reverse("agent-install-script", args=["install-windows.ps1"]))
    the_key = powershell_quote(key) if key else "<key>"
    # Windows PowerShell 5.1 passes a native argument without escaping " or a trailing \ in it (the script
    # does the same for -Name): dropped here, or a name could add options to the agent's command line.
    native_name = site.name.replace('"', "'").rstrip("\\")
    tls12 = "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor 3072"
    fetch = f"irm -UseBasicParsing {powershell_quote(script_url)}"
    portal = powershell_quote(settings.PORTAL_CENTRAL_URL)
    return {
        "install_windows": f"{tls12}; & ([scriptblock]::Create(({fetch}))) -Key {the_key} "
        f"-Name {_computer_at(site.name)}",
        "install_windows_manual": f"py meterbridge-agent.pyz windows install --portal {portal} --key {the_key} "
        f"--name {_computer_at(native_name)}",
    }


def _computer_at(site_name: str) -> str:
    return f"($env:COMPUTERNAME + {powershell_quote(f' @ {site_name}')})"


POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell ends a single-quoted string at any of these


def powershell_quote(text: str) -> str:
    """A PowerShell single-quoted string: nothing inside is expanded; each quote character is doubled, including
    the typographic ones PowerShell also accepts as quotes."""
    return "'" + "".join(c * 2 if c in POWERSHELL_QUOTES else c for c in text) + "'"
