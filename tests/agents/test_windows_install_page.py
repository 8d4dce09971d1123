"""The Windows install as the portal hands it out: the served PowerShell script with the portal's addresses in it,
and the site page's one-liner with the key filled in and the site's name unable to break out of its quotes."""

from __future__ import annotations

import html
import re

from tests.agents.test_license_keys import KEY_RE
from tests.support.factories import make_site
from tests.support.personas import client_for

# What PowerShell's tokenizer takes for a single quote (its CharExtensions.IsSingleQuote), written out here rather
# than imported: the view's list is what is under test.
POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"
HOSTILE = "O'Brien\u2019s \"HQ\" $(Remove-Item C:\\) `whoami`; '+(calc)+' \\"


def test_served_script_has_this_portals_addresses(acme, settings):
    settings.PORTAL_SCHEME, settings.PORTAL_CENTRAL_URL = "https", "https://central.example.test:8443/"
    answer = client_for(acme, None).get("/downloads/install-windows.ps1")  # the site PC, not signed in
    assert answer.status_code == 200
    script = answer.content.decode("ascii")
    assert "[string]$Portal = 'https://central.example.test:8443'," in script
    # The dealer's host with the portal's scheme and port, whatever Host header a proxy passed on.
    assert f"[string]$Download = 'https://{acme.host}:8443'," in script
    assert "@PORTAL_URL@" not in script and "@DOWNLOAD_URL@" not in script


def test_site_page_runs_the_served_script_with_the_new_key(acme, settings):
    settings.PORTAL_SCHEME, settings.PORTAL_CENTRAL_URL = "https", "https://central.example.test:8443"
    site = make_site(site_name="Front office")
    client = client_for(acme, acme.admin)
    client.post(f"/sites/{site.public_id}/keys/", {"label": "reception PC"})
    command = windows_command(client.get(f"/sites/{site.public_id}/").content.decode())
    [key] = KEY_RE.findall(command)
    script = re.escape(f"'https://{acme.host}:8443/downloads/install-windows.ps1'")
    assert re.search(
        rf"& \(\[scriptblock\]::Create\(\(irm -UseBasicParsing {script}\)\)\) -Key '{key}' -Name ", command
    )


def test_a_hostile_site_name_stays_one_powershell_string(acme):
    site = make_site(site_name=HOSTILE)
    page = client_for(acme, acme.admin).get(f"/sites/{site.public_id}/").content.decode()
    command = windows_command(page)
    name_at = command.index("-Name ($env:COMPUTERNAME + ") + len("-Name ($env:COMPUTERNAME + ")
    value, rest = single_quoted(command, name_at)
    assert value == f" @ {HOSTILE}" and rest == ")"  # all of it is text, and nothing follows the string


def windows_command(page: str) -> str:
    match = re.search(r'<pre id="install-windows">(.*?)</pre>', page, re.DOTALL)
    assert match, "no Windows install command on the page"
    return html.unescape(match.group(1))


def single_quoted(text: str, start: int) -> tuple[str, str]:
    """PowerShell's reading of a single-quoted string at `start`: any of its four quote characters ends it unless
    another follows (then one is literal). Returns the value and what follows the closing quote."""
    assert text[start] in POWERSHELL_QUOTES
    value, index = [], start + 1
    while index < len(text):
        char = text[index]
        if char in POWERSHELL_QUOTES:
            if index + 1 < len(text) and text[index + 1] in POWERSHELL_QUOTES:
                value.append(text[index + 1])
                index += 2
                continue
            return "".join(value), text[index + 1 :]
        value.append(char)
        index += 1
    raise AssertionError("the string never ends")
