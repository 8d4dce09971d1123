"""Told to rotate its token, the agent takes a new one and saves it to its config before using it; when anything
goes wrong on the way it keeps the token it has and tries again at the next heartbeat."""

from __future__ import annotations

import asyncio
import functools
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from agent_client import config
from agent_client.outbox import Outbox
from agent_client.portal import PortalClient
from agent_client.service import Agent
from tests.agent_client.fake_portal import TOKEN, FakePortal
from tests.support.paths import REPO_ROOT


@pytest.fixture
def portal():
    server = FakePortal(rotate_token=True).start()
    yield server
    server.stop()


def enrolled_config(portal: FakePortal, folder: Path) -> Path:
    path = folder / "agent.toml"
    config.save(path, config.AgentConfig(portal_url=portal.url, token=TOKEN, agent_id="a-1", dealer="acme"))
    return path


def agent_for(portal: FakePortal, path: Path, save_token=None) -> Agent:
    save_token = save_token or functools.partial(config.save_token, path)
    client = PortalClient(portal.url, TOKEN, timeout=5, save_token=save_token)
    return Agent(client, Outbox(path.with_name("outbox.sqlite3")), poll_interval=1)


def authorization(portal: FakePortal, path_end: str) -> str:
    return portal.calls(path_end)[-1].headers["Authorization"]


def test_told_to_rotate_the_agent_saves_the_new_token_then_uses_it(portal, tmp_path):
    path = enrolled_config(portal, tmp_path)
    agent = agent_for(portal, path)

    def save_then_check(token: str) -> None:
        assert agent.client.token == TOKEN  # not used before it is on disk
        config.save_token(path, token)

    agent.client.save_token = save_then_check
    asyncio.run(agent.cycle())

    new = portal.tokens[-1]
    saved = config.load(path)
    assert new != TOKEN and saved.token == new and (saved.agent_id, saved.dealer) == ("a-1", "acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and sorted(p.name for p in tmp_path.glob(".*")) == []
    assert authorization(portal, "/directives") == f"Bearer {new}"
    assert not portal.rotate_token


def test_a_lost_answer_keeps_the_old_token_and_the_next_heartbeat_tries_again(portal, tmp_path):
    path = enrolled_config(portal, tmp_path)
    agent = agent_for(portal, path)
    portal.lose_next_token_answers = 1

    asyncio.run(agent.cycle())  # the heartbeat, directives and uploads still go through with the old token
    assert config.load(path).token == TOKEN and authorization(portal, "/directives") == f"Bearer {TOKEN}"

    asyncio.run(agent.cycle())
    never_received, new = portal.tokens[-2:]
    assert config.load(path).token == new and never_received not in path.read_text()
    assert authorization(portal, "/directives") == f"Bearer {new}"


def test_a_config_that_cannot_be_written_keeps_the_old_token(portal, tmp_path, caplog):
    path = enrolled_config(portal, tmp_path)

    def disk_full(token: str) -> None:
        raise OSError(28, "No space left on device")

    agent = agent_for(portal, path, save_token=disk_full)
    asyncio.run(agent.cycle())
    assert agent.client.token == TOKEN and config.load(path).token == TOKEN
    assert authorization(portal, "/directives") == f"Bearer {TOKEN}"
    assert "could not take a new agent token" in caplog.text
    assert not any(token in caplog.text for token in portal.tokens)


def test_the_installed_service_writes_the_new_token_to_its_config_file(portal, tmp_path):
    path = enrolled_config(portal, tmp_path)
    command = [sys.executable, "-m", "agent_client", "--config", str(path), "run", "--once"]
    run = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert config.load(path).token == portal.tokens[-1] != TOKEN
    assert not any(token in run.stdout + run.stderr for token in portal.tokens)
