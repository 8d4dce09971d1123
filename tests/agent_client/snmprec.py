"""Read a .snmprec recording independently of the agent, to know what a printer should have answered."""

from __future__ import annotations

from pathlib import Path

INT_TYPES = {"2", "65", "66", "67", "70"}


def load(path: Path) -> dict[str, tuple[str, str]]:
    records = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.count("|") >= 2:
            oid, kind, value = line.split("|", 2)
            records[oid] = (kind, value)
    return records


def text(records: dict[str, tuple[str, str]], oid: str) -> str | None:
    if oid not in records:
        return None
    kind, value = records[oid]
    raw = bytes.fromhex(value) if kind == "4x" else value.encode()
    return raw.rstrip(b"\x00").decode("utf-8", errors="replace").strip() or None


def number(records: dict[str, tuple[str, str]], oid: str) -> int | None:
    kind, value = records.get(oid, ("", ""))
    return int(value) if kind in INT_TYPES else None


def column(records: dict[str, tuple[str, str]], prefix: str) -> list[str]:
    def key(oid: str) -> tuple[int, ...]:
        return tuple(int(p) for p in oid.split("."))

    return sorted((oid for oid in records if oid.startswith(prefix + ".")), key=key)
