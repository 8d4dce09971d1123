"""Pure helpers for plain varbinds `[oid, type, value]` (protocol doc, "Varbinds")."""

from __future__ import annotations

from typing import Any

Varbind = tuple[str, str, Any]

EXCEPTION_TYPES = frozenset({"nosuchobject", "nosuchinstance", "endofmibview", "null"})
# A UDP datagram holds at most ~64 KiB; one value past this is a hostile or broken agent, not a printer string.
MAX_OCTETS = 8192


def octets(raw: bytes) -> tuple[str, str]:
    """`str` when the bytes are printable UTF-8, else lowercase `hex`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "hex", raw.hex()
    if all(ch.isprintable() or ch in "\t\r\n" for ch in text):
        return "str", text
    return "hex", raw.hex()


def oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.strip(".").split(".") if part)


def in_subtree(oid: str, root: str) -> bool:
    o, r = oid_tuple(oid), oid_tuple(root)
    return o[: len(r)] == r and len(o) > len(r)


def text_of(varbind: Varbind | None) -> str | None:
    """A human string from a str/hex varbind: hex is decoded, trailing NULs (padding on many printers) dropped."""
    if varbind is None:
        return None
    _, kind, value = varbind
    if kind == "str":
        return str(value).strip() or None
    if kind == "hex":
        text = bytes.fromhex(str(value)).rstrip(b"\x00").decode("utf-8", errors="replace").strip()
        return text if text and text.isprintable() else None
    return None


def int_of(varbind: Varbind | None) -> int | None:
    if varbind is None or varbind[1] not in ("int", "uint", "counter32", "counter64", "timeticks"):
        return None
    value = varbind[2]
    return value if isinstance(value, int) else None
