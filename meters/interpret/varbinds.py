"""Index a device's varbinds once, then answer scalar and subtree lookups and decode values."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from .types import Varbind

NUMERIC_TYPES = frozenset({"int", "uint", "counter32", "counter64", "timeticks"})
COUNTER_TYPES = frozenset({"int", "uint", "counter32", "counter64"})
# No printer counts past 2^53 pages (a page a nanosecond for a century); a counter above it is a broken reply,
# and sums of a few hundred such counters still fit the database's bigint.
MAX_COUNT = 2**53
# A read's OIDs up to this many share their sorted keys with other reads of the same OIDs (a whole walk is not kept).
SHARED_KEYS_MAX = 1000
EXCEPTION_TYPES = frozenset({"nosuchobject", "nosuchinstance", "endofmibview", "null"})


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(map(int, oid.split(".")))


class VarbindIndex:
    """OID -> (type, value), plus sorted keys so a subtree is one bisect away."""

    def __init__(self, varbinds: Iterable[Varbind]) -> None:
        self._by_oid: dict[str, tuple[str, Any]] = {}
        for vb in varbinds:
            if isinstance(vb, (list, tuple)) and len(vb) == 3 and isinstance(vb[0], str):
                self._by_oid[vb[0].lstrip(".")] = (str(vb[1]), vb[2])
        oids = tuple(self._by_oid)
        self._keys = _sorted_keys(oids) if len(oids) <= SHARED_KEYS_MAX else _sorted(oids)

    def __contains__(self, oid: str) -> bool:
        return oid in self._by_oid

    def __len__(self) -> int:
        return len(self._by_oid)

    def get(self, oid: str) -> tuple[str, Any] | None:
        return self._by_oid.get(oid)

    def subtree(self, prefix: str) -> list[tuple[str, str, str, Any]]:
        """(suffix, oid, type, value) for every OID strictly under prefix, in OID order."""
        key, keys = _prefix_key(prefix), self._keys
        size, cut = len(key), len(prefix) + 1
        out = []
        for n in range(bisect.bisect_left(keys, (key, "")), len(keys)):  # no copy of the rest of the list
            full_key, oid = keys[n]
            if full_key[:size] != key:
                break
            if len(full_key) > size:
                vtype, value = self._by_oid[oid]
                out.append((oid[cut:], oid, vtype, value))
        return out

    def has_subtree(self, prefix: str) -> bool:
        key = _prefix_key(prefix)
        start = bisect.bisect_left(self._keys, (key, ""))
        return start < len(self._keys) and self._keys[start][0][: len(key)] == key

    def column(self, prefix: str) -> dict[str, tuple[str, Any]]:
        """A table column keyed by row index suffix."""
        return {suffix: (vtype, value) for suffix, _oid, vtype, value in self.subtree(prefix)}

    def integer(self, oid: str) -> int | None:
        found = self.get(oid)
        return as_int(found[0], found[1]) if found else None

    def text(self, oid: str) -> str | None:
        found = self.get(oid)
        return as_text(found[0], found[1]) if found else None

    def octets(self, oid: str) -> bytes | None:
        found = self.get(oid)
        return as_bytes(found[0], found[1]) if found else None


@lru_cache(maxsize=128)  # devices of one model read with one plan answer the same OIDs, in the same order
def _sorted_keys(oids: tuple[str, ...]) -> list[tuple[tuple[int, ...], str]]:
    """(key, oid) in OID order; shared by every index of those OIDs, so never changed."""
    return _sorted(oids)


def _sorted(oids: tuple[str, ...]) -> list[tuple[tuple[int, ...], str]]:
    return sorted((_safe_key(oid), oid) for oid in oids)


@lru_cache(maxsize=1024)  # the interpreters ask for the same few hundred subtrees of every device
def _prefix_key(prefix: str) -> tuple[int, ...]:
    return _oid_key(prefix)


@lru_cache(maxsize=65536)  # a fleet's devices of one model state the same OIDs: each is split once
def _safe_key(oid: str) -> tuple[int, ...]:
    try:
        return _oid_key(oid)
    except ValueError:
        return ()


def as_int(vtype: str, value: Any) -> int | None:
    if vtype in NUMERIC_TYPES and isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def as_bytes(vtype: str, value: Any) -> bytes | None:
    if vtype == "hex" and isinstance(value, str):
        try:
            return bytes.fromhex(value)
        except ValueError:
            return None
    if vtype == "str" and isinstance(value, str):
        return value.encode("utf-8")
    return None


def as_text(vtype: str, value: Any, charset: str = "utf-8") -> str | None:
    """An octet string as text: the agent's `str` as is, `hex` decoded, NUL padding dropped."""
    if vtype == "str" and isinstance(value, str):
        return value
    raw = as_bytes(vtype, value)
    if raw is None:
        if vtype in ("oid", "ipaddr") and isinstance(value, str):
            return value
        return None
    return raw.rstrip(b"\x00").decode(charset, errors="replace")
