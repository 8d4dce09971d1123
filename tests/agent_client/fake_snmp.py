"""A small real SNMP agent over UDP for answers no recording can give: hostile walks, bad values, v1-only.

It decodes real requests and encodes real responses with pysnmp's message classes; only its *content* is
scripted. Runs in a thread on a random loopback address.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Callable
from typing import Any

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api, rfc1905
from pysnmp.proto import rfc1902 as t

Mib = dict[str, Any]
NextRule = Callable[[str, Mib], tuple[str, Any] | None]


def _key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split("."))


def honest_next(oid: str, mib: Mib) -> tuple[str, Any] | None:
    after = sorted((o for o in mib if _key(o) > _key(oid)), key=_key)
    return (after[0], mib[after[0]]) if after else None


def looping_next(oid: str, mib: Mib) -> tuple[str, Any] | None:
    """Answers a GETNEXT with the very OID it was asked about (seen on broken embedded agents)."""
    return (oid, t.Integer32(1)) if oid in mib else honest_next(oid, mib)


def backwards_next(oid: str, mib: Mib) -> tuple[str, Any] | None:
    """Past the first row of a column, answers with that first row again: the walk goes backwards."""
    column = oid.rsplit(".", 2)[0]
    first = min((o for o in mib if o.rsplit(".", 2)[0] == column), key=_key, default=oid)
    return (first, mib[first]) if oid in mib and oid != first else honest_next(oid, mib)


def endless_next(oid: str, mib: Mib) -> tuple[str, Any] | None:
    """Always a larger OID under the same column: a walk that never ends on its own."""
    return (oid + ".1", t.Integer32(7)) if oid.startswith("1.3.6.1.2.1.43.11.1.1.9") else honest_next(oid, mib)


class FakeSnmpAgent:
    def __init__(
        self, mib: Mib, versions: tuple[int, ...] = (0, 1), next_rule: NextRule = honest_next, max_varbinds: int = 0
    ) -> None:
        self.mib, self.versions, self.next_rule = mib, versions, next_rule
        self.max_varbinds = max_varbinds  # answer tooBig past this many varbinds (0: no limit)
        self.requests = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((f"127.{random.randint(2, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}", 0))
        self.sock.settimeout(0.2)
        self.ip, self.port = self.sock.getsockname()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeSnmpAgent:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            reply = self.answer(data)
            if reply is not None:
                self.sock.sendto(reply, addr)

    def answer(self, data: bytes) -> bytes | None:
        version = int(api.decodeMessageVersion(data))
        if version not in self.versions:
            return None  # a v1-only device ignores v2c entirely
        self.requests += 1
        proto = api.PROTOCOL_MODULES[version]
        msg, _ = decoder.decode(data, asn1Spec=proto.Message())
        pdu = proto.apiMessage.get_pdu(msg)
        response = proto.apiPDU.get_response(pdu)
        self._fill(proto, pdu, response, version)
        proto.apiMessage.set_pdu(msg, response)
        return bytes(encoder.encode(msg))

    def _fill(self, proto: Any, pdu: Any, response: Any, version: int) -> None:
        oids = [str(oid) for oid, _ in proto.apiPDU.get_varbinds(pdu)]
        if pdu.isSameTypeWith(proto.GetRequestPDU()):
            found = [(oid, self.mib.get(oid)) for oid in oids]
        elif version == 1 and pdu.isSameTypeWith(proto.GetBulkRequestPDU()):
            found = self._bulk(oids, int(proto.apiBulkPDU.get_max_repetitions(pdu)))
        else:
            found = [self.next_rule(oid, self.mib) or (oid, None) for oid in oids]
        if self.max_varbinds and len(found) > self.max_varbinds:  # like a small embedded agent's buffer
            proto.apiPDU.set_error_status(response, 1)
            proto.apiPDU.set_varbinds(response, [])
            return
        missing = [i for i, (_, value) in enumerate(found) if value is None]
        if missing and version == 0:  # SNMPv1: the whole PDU fails with noSuchName at the first miss
            proto.apiPDU.set_error_status(response, 2)
            proto.apiPDU.set_error_index(response, missing[0] + 1)
            proto.apiPDU.set_varbinds(response, [(oid, proto.Null("")) for oid in oids])
            return
        filler = rfc1905.noSuchObject if pdu.isSameTypeWith(proto.GetRequestPDU()) else rfc1905.endOfMibView
        proto.apiPDU.set_varbinds(response, [(oid, filler if value is None else value) for oid, value in found])

    def _bulk(self, oids: list[str], repetitions: int) -> list[tuple[str, Any]]:
        rows: list[tuple[str, Any]] = []
        for oid in oids:
            current = oid
            for _ in range(max(1, repetitions)):
                step = self.next_rule(current, self.mib)
                if step is None:
                    rows.append((current, None))
                    break
                rows.append(step)
                current = step[0]
        return rows


def printer_mib(**overrides: Any) -> Mib:
    """A minimal printer: system group, serial, one marker counter, two supplies."""
    mib: Mib = {
        "1.3.6.1.2.1.1.1.0": t.OctetString("Fake Printer 9000"),
        "1.3.6.1.2.1.1.2.0": t.ObjectIdentifier("1.3.6.1.4.1.99999.1"),
        "1.3.6.1.2.1.1.5.0": t.OctetString("fake-9000"),
        "1.3.6.1.2.1.43.5.1.1.17.1": t.OctetString("FAKE123"),
        "1.3.6.1.2.1.43.10.2.1.4.1.1": t.Counter32(4242),
        "1.3.6.1.2.1.43.11.1.1.6.1.1": t.OctetString("Black Toner"),
        "1.3.6.1.2.1.43.11.1.1.6.1.2": t.OctetString("Cyan Toner"),
        "1.3.6.1.2.1.43.11.1.1.8.1.1": t.Integer32(100),
        "1.3.6.1.2.1.43.11.1.1.8.1.2": t.Integer32(100),
        "1.3.6.1.2.1.43.11.1.1.9.1.1": t.Integer32(55),
        "1.3.6.1.2.1.43.11.1.1.9.1.2": t.Integer32(-3),
    }
    mib.update(overrides)
    return {k: v for k, v in mib.items() if v is not None}
