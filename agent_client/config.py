"""The agent's config: TOML, mode 0600, holds the agent token (never the licence key)."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from agent_client.errors import ConfigError

APP = "meterbridge-agent"
WINDOWS_FOLDER = "Meterbridge"  # %ProgramData%\Meterbridge on Windows: agent, config, outbox, logs


def default_config_path() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / WINDOWS_FOLDER / "agent.toml"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/etc") / APP / "agent.toml"
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / APP / "agent.toml"


@dataclass
class AgentConfig:
    portal_url: str
    token: str = ""
    agent_id: str = ""
    dealer: str = ""
    site: str = ""
    poll_interval: int = 300
    ca_bundle: str = ""
    proxy: str = ""
    outbox_path: str = ""
    outbox_max_bytes: int = 64 * 1024 * 1024

    def __repr__(self) -> str:  # the token never reaches a log through a stray repr
        return f"AgentConfig(portal_url={self.portal_url!r}, agent_id={self.agent_id!r}, dealer={self.dealer!r})"

    def outbox_file(self, config_path: Path) -> Path:
        return Path(self.outbox_path) if self.outbox_path else config_path.with_name("outbox.sqlite3")


def load(path: Path) -> AgentConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"no config at {path}: run `meterbridge-agent enroll` first") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    if not data.get("portal_url"):
        raise ConfigError(f"{path} has no portal_url")
    known = {f.name for f in fields(AgentConfig)}
    _tighten_mode(path)
    return AgentConfig(**{k: v for k, v in data.items() if k in known})


def _tighten_mode(path: Path) -> None:
    """The file holds the token: if someone loosened its mode, put it back to owner-only."""
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def save(path: Path, config: AgentConfig) -> None:
    """Write atomically, created 0600 from the start (never briefly world-readable): the old file or the new one,
    never half of each, even if the power goes mid-write."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(to_toml(asdict(config)))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left behind when the write failed
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save_token(path: Path, token: str) -> None:
    """A new agent token (rotation) into the config at `path`, re-read so nothing else in the file is lost."""
    config = load(path)
    config.token = token
    save(path, config)


def to_toml(data: dict[str, Any]) -> str:
    """Flat TOML for str/int/float/bool values; JSON string escapes are valid TOML basic-string escapes."""
    lines = ["# meterbridge-agent config: holds the agent token, keep it owner-readable only (0600)."]
    for key, value in data.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int | float):
            lines.append(f"{key} = {value}")
        else:
            lines.append(f"{key} = {json.dumps(str(value))}")
    return "\n".join(lines) + "\n"
