"""Signed agent releases on the portal: the heartbeat offers the site's target release to an agent running another
version, a dealer pins a site to a published version (unknown ones refused with a reason), the agent fetches the
release with its token, and the agents page and API say in words how its update went."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError

from agent_client import __version__ as CURRENT
from agent_client.update.ed25519 import verify_pure
from agent_client.update.updater import release_message
from agents.models import Agent
from agents.services.agent_releases import release_publish, update_offer, update_state
from tests.agents.test_agent_api import post_json
from tests.support.factories import make_agent, make_site
from tests.support.personas import api_client_for, client_for

OLD = "0.0.9"


@pytest.fixture
def releases(settings, tmp_path):
    settings.AGENT_RELEASES_DIR = tmp_path / "releases"
    settings.AGENT_SIGNING_KEY_FILE = str(tmp_path / "keys" / "signing.pem")
    return tmp_path / "releases"


def heartbeat(client, token, version, **extra):
    response = post_json(client, "/agent/v1/heartbeat", {"agent_version": version, **extra}, token=token)
    assert response.status_code == 200, response.content
    return response.json()


def built_in_key(pyz: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(pyz)) as archive:
        return base64.b64decode(archive.read("app/agent_client/update/trusted_key.txt"))


def test_an_agent_behind_is_offered_the_current_release_signed_with_the_key_it_carries(acme, client, releases):
    _agent, token = make_agent()
    offer = heartbeat(client, token, OLD)["update"]
    assert offer["version"] == CURRENT and offer["url"].endswith(f"/agent/v1/releases/{CURRENT}/meterbridge-agent.pyz")

    download = client.get(f"/agent/v1/releases/{CURRENT}/meterbridge-agent.pyz", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert download.status_code == 200
    pyz = b"".join(download.streaming_content)
    assert hashlib.sha256(pyz).hexdigest() == offer["sha256"]
    signature = base64.b64decode(offer["signature"])
    assert verify_pure(built_in_key(pyz), release_message(CURRENT, offer["sha256"]), signature)
    assert heartbeat(client, token, CURRENT)["update"] is None  # up to date: nothing offered


def test_a_release_is_fetched_only_with_an_agent_token(acme, client, releases):
    release_publish(version=OLD)
    _agent, token = make_agent()
    url = f"/agent/v1/releases/{OLD}/meterbridge-agent.pyz"
    assert client.get(url).status_code == 401
    assert client.get(url.replace(OLD, "7.7.7"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


def test_a_site_pinned_to_an_older_release_offers_it(acme, client, releases):
    release = release_publish(version=OLD)
    agent, token = make_agent()
    api = api_client_for(acme, acme.technician)
    site_url = f"/api/v1/sites/{agent.site.public_id}/"
    pinned = api.patch(site_url, {"agent_version_pin": OLD}, content_type="application/json")
    assert pinned.status_code == 200 and pinned.json()["agent_version_pin"] == OLD

    offer = heartbeat(client, token, CURRENT)["update"]
    assert (offer["version"], offer["sha256"], offer["signature"]) == (OLD, release.sha256, release.signature)
    assert heartbeat(client, token, OLD)["update"] is None


def test_pinning_an_unknown_version_is_refused_with_the_published_ones(acme, releases):
    release_publish(version=OLD)
    site = make_site()
    api = api_client_for(acme, acme.technician)
    site_url = f"/api/v1/sites/{site.public_id}/"
    refused = api.patch(site_url, {"agent_version_pin": "9.9"}, content_type="application/json")
    assert refused.status_code == 400
    reason = str(refused.json())
    assert "No agent release 9.9 is published" in reason and OLD in reason and CURRENT in reason
    back = api.patch(site_url, {"agent_version_pin": ""}, content_type="application/json")
    assert back.status_code == 200


def test_the_site_form_offers_current_and_published_versions(acme, releases):
    release_publish(version=OLD)
    site = make_site()
    page = client_for(acme, acme.admin).get(f"/sites/{site.public_id}/edit/").content.decode()
    assert "Agent version" in page
    assert f"Current ({CURRENT})" in page and f'<option value="{OLD}">{OLD}</option>' in page


def test_a_dealer_pins_a_site_on_the_site_form(acme, releases):
    from agents.forms import SiteForm

    release_publish(version=OLD)
    site = make_site()
    data = {k: ("" if v is None else v) for k, v in SiteForm(instance=site).initial.items()}
    client = client_for(acme, acme.admin)
    saved = client.post(f"/sites/{site.public_id}/edit/", {**data, "agent_version_pin": OLD})
    assert saved.status_code == 302, saved.content.decode()[-2000:]
    site.refresh_from_db()
    assert site.agent_version_pin == OLD


@pytest.mark.parametrize(
    ("running", "report", "shown"),
    [
        (CURRENT, None, "Up to date"),
        (OLD, None, f"Update to {CURRENT} offered"),
        (CURRENT, {"state": "updated", "version": CURRENT, "from_version": OLD}, f"Updated from {OLD} to {CURRENT}"),
        (
            OLD,
            {"state": "failed", "version": CURRENT, "from_version": OLD, "error": "signature does not match"},
            f"Update to {CURRENT} refused: signature does not match; still running {OLD}",
        ),
        (OLD, {"state": "unsupported", "version": OLD}, "Cannot self-update: running from source"),
    ],
)
def test_the_agents_page_and_api_say_how_the_update_went(acme, client, releases, running, report, shown):
    agent, token = make_agent(hostname=f"pc-{running}")
    extra = {"update_report": {"at": "2026-11-28T10:00:00Z", **report}} if report else {}
    heartbeat(client, token, running, **extra)
    agent.refresh_from_db()
    if report:
        assert agent.update_report["state"] == report["state"]
    page = client_for(acme, acme.technician).get("/agents/").content.decode()
    assert shown in page
    listed = api_client_for(acme, acme.viewer).get(f"/api/v1/agents/{agent.public_id}/").json()
    assert listed["update_state"] == shown


def test_a_heartbeat_without_a_report_keeps_the_last_one(acme, client, releases):
    agent, token = make_agent()
    report = {"state": "failed", "version": CURRENT, "error": "checksum does not match", "at": None}
    heartbeat(client, token, OLD, update_report=report)
    heartbeat(client, token, OLD)
    agent.refresh_from_db()
    assert agent.update_report["error"] == "checksum does not match"


def test_signing_key_is_created_private_and_never_replaced(settings, tmp_path, capsys):
    settings.AGENT_SIGNING_KEY_FILE = str(tmp_path / "signing.pem")
    call_command("agent_signing_key", "create")
    key_file = tmp_path / "signing.pem"
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    created = key_file.read_bytes()
    out = capsys.readouterr().out
    assert "PRIVATE" not in out  # the key itself is never printed
    with pytest.raises(CommandError, match="not replaced"):
        call_command("agent_signing_key", "create")
    assert key_file.read_bytes() == created
    call_command("agent_signing_key", "show-public")
    assert len(base64.b64decode(capsys.readouterr().out.strip())) == 32
    assert [p.name for p in tmp_path.iterdir()] == ["signing.pem"]  # no temporary file left


def test_without_a_key_a_production_portal_refuses_to_sign_and_offers_nothing(acme, client, settings, tmp_path):
    settings.AGENT_RELEASES_DIR = tmp_path / "releases"
    settings.AGENT_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    settings.AGENT_SIGNING_KEY_CREATE = False  # as portal/settings/production.py
    with pytest.raises(ImproperlyConfigured, match="agent_signing_key create"):
        release_publish(version=OLD)
    _agent, token = make_agent()
    assert heartbeat(client, token, OLD)["update"] is None  # the heartbeat itself still works
    assert not os.path.exists(tmp_path / "missing.pem")


def test_agent_release_commands_publish_and_list(releases, capsys):
    call_command("agent_release", "publish", "--version", OLD)
    call_command("agent_release", "list")
    out = capsys.readouterr().out
    assert f"Published {OLD}" in out and f"\n{OLD}  " in out
    with pytest.raises(CommandError, match="not a version"):
        call_command("agent_release", "publish", "--version", "../evil")


def test_a_newer_agent_is_not_taken_back_unless_the_site_is_pinned(acme, releases):
    """An agent ahead of this portal (a test portal's build, a later release) keeps its version: no downgrade
    without the dealer asking for one by pinning the site."""
    agent, _token = make_agent()
    Agent.objects.filter(pk=agent.pk).update(version="99.0.0")
    agent.refresh_from_db()
    assert update_offer(agent=agent) is None
    assert update_state(agent).startswith("Runs 99.0.0, newer than this portal's")

    older = Agent.objects.get(pk=agent.pk)
    older.version = "0.0.1"
    assert update_offer(agent=older)["version"] == CURRENT
