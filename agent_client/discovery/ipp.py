"""Just enough IPP (RFC 8010) to ask the local CUPS for its queues: encode one request, decode attribute groups."""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from typing import Any

CUPS_GET_PRINTERS = 0x4002
OPERATION_GROUP, PRINTER_GROUP, END = 0x01, 0x04, 0x03
TAG_INTEGER, TAG_BOOLEAN, TAG_ENUM = 0x21, 0x22, 0x23
TAG_CHARSET, TAG_LANGUAGE, TAG_KEYWORD = 0x47, 0x48, 0x44
TEXT_TAGS = frozenset({0x41, 0x42, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49})


class IppError(ValueError):
    pass


def _attribute(tag: int, name: str, value: bytes) -> bytes:
    raw = name.encode()
    return struct.pack(">BH", tag, len(raw)) + raw + struct.pack(">H", len(value)) + value


def encode_request(operation: int, request_id: int, requested: Sequence[str]) -> bytes:
    body = struct.pack(">BBHI", 1, 1, operation, request_id) + bytes([OPERATION_GROUP])
    body += _attribute(TAG_CHARSET, "attributes-charset", b"utf-8")
    body += _attribute(TAG_LANGUAGE, "attributes-natural-language", b"en")
    for index, keyword in enumerate(requested):  # more values of one attribute carry an empty name
        body += _attribute(TAG_KEYWORD, "" if index else "requested-attributes", keyword.encode())
    return body + bytes([END])


def decode_response(data: bytes) -> tuple[int, list[dict[str, list[Any]]]]:
    """(status-code, one dict per printer-attributes group: name -> list of values)."""
    if len(data) < 9:
        raise IppError("IPP response too short")
    status = struct.unpack(">H", data[2:4])[0]
    groups: list[dict[str, list[Any]]] = []
    for group_tag, name, value in _walk(data, 8):
        if name is None:
            if group_tag == PRINTER_GROUP:
                groups.append({})
            continue
        if groups and group_tag == PRINTER_GROUP:
            groups[-1].setdefault(name, []).append(value)
    return status, groups


def _walk(data: bytes, pos: int) -> Iterator[tuple[int, str | None, Any]]:
    """Yields (group tag, None, None) at each group start and (group tag, attribute name, value) per value."""
    group, name = 0, ""
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag == END:
            return
        if tag < 0x10:
            group = tag
            yield group, None, None
            continue
        if pos + 2 > len(data):
            raise IppError("truncated IPP attribute")
        name_len = struct.unpack(">H", data[pos : pos + 2])[0]
        name = data[pos + 2 : pos + 2 + name_len].decode("utf-8", "replace") or name
        pos += 2 + name_len
        value_len = struct.unpack(">H", data[pos : pos + 2])[0]
        value = data[pos + 2 : pos + 2 + value_len]
        pos += 2 + value_len
        yield group, name, _value(tag, value)
    raise IppError("IPP response without end-of-attributes")


def _value(tag: int, raw: bytes) -> Any:
    if tag in (TAG_INTEGER, TAG_ENUM) and len(raw) == 4:
        return struct.unpack(">i", raw)[0]
    if tag == TAG_BOOLEAN and len(raw) == 1:
        return bool(raw[0])
    if tag in TEXT_TAGS or tag in (0x35, 0x36):
        return raw.decode("utf-8", "replace")
    return raw.hex()
