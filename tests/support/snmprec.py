"""Printer recordings (snmpsim .snmprec) as the agent would report them, without a network.

`parse_snmprec` turns `OID|type|value` lines into the agent's varbinds ([oid, type, value], see
docs/agent-protocol.md); `read_with_plan` answers an OID plan from them the way an SNMP agent
would: a GET of an absent OID is `nosuchobject`, a WALK returns the subtree. Tests that must prove
a plan is sufficient read through it rather than handing the interpreter the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import SNMPREC_DIR

Varbind = list[Any]

_INTEGER_TYPES = {"2": "int", "65": "counter32", "66": "uint", "67": "timeticks", "70": "counter64"}
_EXCEPTION_TYPES = {"5": "null", "128": "nosuchobject", "129": "nosuchinstance", "130": "endofmibview"}
_TAG = re.compile(r"^(\d+)(x?)")
_ALLOWED_CONTROL = {"\t", "\r", "\n"}


def octets_varbind(oid: str, raw: bytes) -> Varbind:
    """An octet string as the agent encodes it: `str` when printable UTF-8, else lowercase `hex`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return [oid, "hex", raw.hex()]
    if all(ch.isprintable() or ch in _ALLOWED_CONTROL for ch in text):
        return [oid, "str", text]
    return [oid, "hex", raw.hex()]


def _value_bytes(value: str, is_hex: bool) -> bytes:
    return bytes.fromhex(value) if is_hex else value.encode("utf-8")


def parse_line(line: str) -> Varbind | None:
    parts = line.rstrip("\r\n").split("|", 2)
    if len(parts) != 3 or not (tag := _TAG.match(parts[1])):
        return None
    oid, (code, is_hex), value = parts[0].lstrip("."), tag.groups(), parts[2]
    if code in _INTEGER_TYPES:
        return [oid, _INTEGER_TYPES[code], int(value)]
    if code in _EXCEPTION_TYPES:
        return [oid, _EXCEPTION_TYPES[code], None]
    if code == "6":
        return [oid, "oid", value.lstrip(".")]
    if code == "64":
        return [oid, "ipaddr", ".".join(str(b) for b in bytes.fromhex(value)) if is_hex else value]
    return octets_varbind(oid, _value_bytes(value, bool(is_hex)))


def parse_snmprec(path: Path) -> list[Varbind]:
    """Every line of a recording as a varbind, in file (OID) order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [vb for line in lines if (vb := parse_line(line)) is not None]


@lru_cache(maxsize=128)
def _cached(path: str) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(vb) for vb in parse_snmprec(Path(path)))


def load_recording(name: str, directory: Path = SNMPREC_DIR) -> list[Varbind]:
    return [list(vb) for vb in _cached(str(directory / f"{name}.snmprec"))]


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split("."))


def read_with_plan(recording: list[Varbind], get: list[str], walk: list[str]) -> list[Varbind]:
    """What an agent gets back for a plan: GET answers exact OIDs, WALK answers whole subtrees."""
    by_oid = {vb[0]: vb for vb in recording}
    out = [list(by_oid[oid]) if oid in by_oid else [oid, "nosuchobject", None] for oid in get]
    for prefix in walk:
        key = _oid_key(prefix)
        out += [list(vb) for vb in recording if _oid_key(vb[0])[: len(key)] == key and vb[0] != prefix]
    return out


def recording_names(directory: Path = SNMPREC_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.snmprec"))


@pytest.fixture
def read_recording(snmprec_dir: Path) -> Callable[[str, list[str], list[str]], list[Varbind]]:
    """read_recording(name, get, walk): a recording read the way the agent reads it with that plan."""

    def read(name: str, get: list[str], walk: list[str]) -> list[Varbind]:
        return read_with_plan(load_recording(name, snmprec_dir), get, walk)

    return read
