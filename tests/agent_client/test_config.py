"""The config file holds the token, is owner-only, and never shows the token in a repr."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from agent_client import config
from agent_client.errors import ConfigError

TOKEN = "mbt_acme_abcdefgh_" + "A" * 32


def test_saved_config_is_0600_and_loads_back(tmp_path):
    path = tmp_path / "sub" / "agent.toml"
    cfg = config.AgentConfig(
        portal_url="https://portal.example.com",
        token=TOKEN,
        agent_id="u-1",
        dealer="acme",
        site='Head "office"',
        ca_bundle="/etc/ssl/ca.pem",
        proxy="http://u:p@proxy:3128",
    )
    config.save(path, cfg)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load(path) == cfg


def test_loosened_mode_is_tightened_on_load(tmp_path):
    path = tmp_path / "agent.toml"
    config.save(path, config.AgentConfig(portal_url="https://p.example", token=TOKEN))
    path.chmod(0o644)
    config.load(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_token_never_in_repr():
    assert TOKEN not in repr(config.AgentConfig(portal_url="https://p.example", token=TOKEN))


def test_missing_config_says_to_enroll(tmp_path):
    with pytest.raises(ConfigError, match="enroll"):
        config.load(tmp_path / "nope.toml")


def test_default_path_is_per_user_unless_root(monkeypatch, tmp_path):
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config.default_config_path() == tmp_path / "meterbridge-agent" / "agent.toml"
    monkeypatch.setattr("os.geteuid", lambda: 0)
    assert config.default_config_path() == Path("/etc/meterbridge-agent/agent.toml")


def test_windows_config_lives_in_program_data(monkeypatch, tmp_path):
    monkeypatch.setattr("sys.platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path))
    assert config.default_config_path() == tmp_path / "Meterbridge" / "agent.toml"
