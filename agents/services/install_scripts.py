"""The install scripts a technician runs at the site (deploy/agent/install-*.{sh,ps1}), served with this portal's
addresses filled in, so `curl … | sudo sh -s -- --key …` needs nothing else. They hold no secret: the key is an
argument the technician types (or the dealer id and enrolment password, asked for by the script)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

SCRIPTS = {
    "install-linux.sh": "text/x-shellscript; charset=utf-8",
    "install-windows.ps1": "text/plain; charset=utf-8",
}
SCRIPT_DIR = Path(settings.BASE_DIR) / "deploy" / "agent"


def install_script(name: str, *, portal_url: str, download_url: str) -> str:
    """The script `name` with @PORTAL_URL@ (where the agent enrols and reports) and @DOWNLOAD_URL@ (the dealer's
    host, where the agent file and its checksum are) replaced."""
    text = (SCRIPT_DIR / name).read_text(encoding="utf-8")
    return text.replace("@PORTAL_URL@", portal_url.rstrip("/")).replace("@DOWNLOAD_URL@", download_url.rstrip("/"))
