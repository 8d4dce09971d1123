"""What each datagram of a measured sweep was for: probes, their retries, ICMP refusals, identity reads.

Works on the IP datagrams `WireCounter` kept, with a small BER reader of its own (v1/v2c messages only), so the
breakdown does not lean on the agent's own encoder it measures. A request to an address that was not asked
anything before is its probe; the same request again to that address is a retry; anything else is an identity
read.
Answers take the kind of the request to their host whose request-id they carry.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any

Asked = dict[bytes, tuple[str, tuple[bytes, ...]]]  # host -> (PDU, OIDs) of its first request
KindOfId = dict[tuple[bytes, int], str]  # (host, request-id) -> kind of request: the agent's ids count per host

PDU_NAMES = {0xA0: "get", 0xA1: "getnext", 0xA2: "response", 0xA5: "getbulk"}
ANSWER_OF = {"probe": "probe_answer", "probe_retry": "probe_answer", "identity_request": "identity_answer"}


def _tlv(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, value, offset after it) of the BER element at `at`."""
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        length, at = int.from_bytes(data[at : at + size], "big"), at + size
    return tag, data[at : at + length], at + length


def _elements(data: bytes) -> list[tuple[int, bytes]]:
    found, at = [], 0
    while at < len(data):
        tag, value, at = _tlv(data, at)
        found.append((tag, value))
    return found


def snmp_summary(message: bytes) -> tuple[str, int, tuple[bytes, ...]] | None:
    """(PDU name, request-id, encoded OIDs) of a v1/v2c message; None for anything else."""
    try:
        _, body, _ = _tlv(message, 0)
        version, _community, (pdu_tag, pdu) = _elements(body)[:3]
        if version[1] not in (b"\x00", b"\x01"):
            return None
        request_id, _status, _index, (_, varbind_list) = _elements(pdu)[:4]
        oids = tuple(_elements(vb)[0][1] for _, vb in _elements(varbind_list))
        return PDU_NAMES.get(pdu_tag, hex(pdu_tag)), int.from_bytes(request_id[1], "big", signed=True), oids
    except (IndexError, ValueError):
        return None


def breakdown(datagrams: Iterable[bytes], port: int) -> dict[str, dict[str, Any]]:
    """Packets, IP bytes and (for requests) varbinds asked, per kind of datagram, in the order first seen."""
    first_asked: Asked = {}
    kind_of_id: KindOfId = {}
    totals: dict[str, dict[str, Any]] = {}
    for ip in datagrams:
        kind, varbinds = _classify(ip, port, first_asked, kind_of_id)
        row = totals.setdefault(kind, {"packets": 0, "ip_bytes": 0, "sizes": set(), "varbinds": 0})
        row["packets"] += 1
        row["ip_bytes"] += len(ip)
        row["sizes"].add(len(ip))
        row["varbinds"] += varbinds
    return {kind: _finish(row) for kind, row in totals.items()}


def _classify(ip: bytes, port: int, first_asked: Asked, kind_of_id: KindOfId) -> tuple[str, int]:
    header = (ip[0] & 0x0F) * 4
    if ip[9] == 1:
        return "icmp_port_unreachable", 0
    dport = struct.unpack("!H", ip[header + 2 : header + 4])[0]
    summary = snmp_summary(ip[header + 8 :])
    if summary is None:
        return "other", 0
    pdu, request_id, oids = summary
    if dport != port:
        return ANSWER_OF.get(kind_of_id.get((ip[12:16], request_id), ""), "other_answer"), 0
    destination = ip[16:20]
    if destination not in first_asked:
        first_asked[destination], kind = (pdu, oids), "probe"
    else:
        kind = "probe_retry" if (pdu, oids) == first_asked[destination] else "identity_request"
    kind_of_id[(destination, request_id)] = kind
    return kind, len(oids)


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    sizes = sorted(row.pop("sizes"))
    row["ip_bytes_each"] = sizes[0] if len(sizes) == 1 else f"{sizes[0]}-{sizes[-1]}"
    if not row["varbinds"]:
        del row["varbinds"]
    return row
