"""Settings read from the environment, with a `NAME_FILE` variant for secrets (healthchecks' envsecret)."""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """A secret from NAME, or from the file NAME_FILE points at (Docker/systemd credentials)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def redis_database(url: str, number: int) -> str:
    """The same Redis server, another database: redis://host:6379/0 -> redis://host:6379/<number>."""
    parts = urlsplit(url)
    if parts.scheme == "unix":  # unix:///run/redis.sock?db=0
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "db"] + [("db", str(number))]
        return f"{url.partition('?')[0]}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{number}"))


def redis_database_number(url: str) -> int:
    """The database a Redis URL names (0 when it names none)."""
    parts = urlsplit(url)
    number = dict(parse_qsl(parts.query)).get("db") if parts.scheme == "unix" else parts.path.strip("/")
    return int(number) if number and number.isdigit() else 0
