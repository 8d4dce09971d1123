"""The discovery probe: one raw UDP socket, SNMPv1/v2c GETs of sysObjectID to many hosts at once.

pysnmp's hlapi costs a transport target and engine bookkeeping per host, too slow for a /24 in ~2 s; this sends
one small datagram per host and credential and matches answers by request-id and source address.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyasn1.codec.ber import decoder, encoder
from pyasn1.error import PyAsn1Error
from pysnmp.error import PySnmpError
from pysnmp.proto import api

from agent_client.errors import SnmpError
from agent_client.snmp.codec import Varbind
from agent_client.snmp.credentials import Credential
from agent_client.snmp.session import plain_varbind

PROBE_OIDS = ("1.3.6.1.2.1.1.2.0",)  # sysObjectID: every agent has it; one OID keeps a /24 sweep small


@dataclass(frozen=True)
class ProbeAnswer:
    ip: str
    credential: Credential
    varbinds: list[Varbind]


@dataclass
class WireStats:
    packets_sent: int = 0
    bytes_sent: int = 0
    packets_received: int = 0
    bytes_received: int = 0


def encode_get(cred: Credential, request_id: int, oids: Sequence[str]) -> bytes:
    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_1 if cred.version == "1" else api.SNMP_VERSION_2C]
    pdu = proto.GetRequestPDU()
    proto.apiPDU.set_defaults(pdu)
    proto.apiPDU.set_request_id(pdu, request_id)
    proto.apiPDU.set_varbinds(pdu, [(oid, proto.Null("")) for oid in oids])
    msg = proto.Message()
    proto.apiMessage.set_defaults(msg)
    proto.apiMessage.set_community(msg, cred.community)
    proto.apiMessage.set_pdu(msg, pdu)
    return bytes(encoder.encode(msg))


def decode_response(data: bytes) -> tuple[int, list[Varbind]] | None:
    """(request-id, varbinds) of a clean response; None for anything else (garbage, error-status, non-response)."""
    try:
        proto = api.PROTOCOL_MODULES[int(api.decodeMessageVersion(data))]
        msg, _ = decoder.decode(data, asn1Spec=proto.Message())
        pdu = proto.apiMessage.get_pdu(msg)
        if not pdu.isSameTypeWith(proto.GetResponsePDU()) or int(proto.apiPDU.get_error_status(pdu)):
            return None
        varbinds = [plain_varbind(name, value) for name, value in proto.apiPDU.get_varbinds(pdu)]
        return int(proto.apiPDU.get_request_id(pdu)), varbinds
    except (PyAsn1Error, PySnmpError, SnmpError, KeyError, ValueError, TypeError):
        return None


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, stats: WireStats) -> None:
        self.stats = stats
        self.waiting: dict[int, tuple[str, asyncio.Future[list[Varbind]]]] = {}
        self.collecting: dict[int, Credential] = {}  # broadcast requests: any source may answer
        self.collected: list[ProbeAnswer] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.stats.packets_received += 1
        self.stats.bytes_received += len(data)
        decoded = decode_response(data)
        if decoded is not None and decoded[0] in self.collecting:
            self.collected.append(ProbeAnswer(addr[0], self.collecting[decoded[0]], decoded[1]))
        if decoded is None or decoded[0] not in self.waiting:
            return
        ip, future = self.waiting[decoded[0]]
        if addr[0] == ip and not future.done():  # a reply from another host with a guessed id is ignored
            future.set_result(decoded[1])

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable and the like: the host stays silent
        pass


class RateLimiter:
    """Spaces packets at `rate` per second (0 = no limit) for networks whose firewalls dislike scans."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class Prober:
    port: int = 161
    timeout: float = 1.0
    retries: int = 1
    concurrency: int = 256
    rate_limit: float = 0.0
    stats: WireStats = field(default_factory=WireStats)

    async def probe_all(
        self, hosts: Sequence[str], creds: Sequence[Credential], on_done: Callable[[], None] | None = None
    ) -> dict[str, ProbeAnswer]:
        """Probe every host with every v1/v2c credential; returns the answering hosts."""
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(lambda: _Receiver(self.stats), family=socket.AF_INET)
        ctx = _ProbeContext(transport, receiver, asyncio.Semaphore(self.concurrency), RateLimiter(self.rate_limit))
        try:
            answers = await asyncio.gather(*(self._probe_host(ctx, h, creds, on_done) for h in hosts))
        finally:
            transport.close()
        return {a.ip: a for a in answers if a is not None}

    async def broadcast(self, addresses: Sequence[str], creds: Sequence[Credential]) -> dict[str, ProbeAnswer]:
        """One GET per broadcast address and credential; every host answering within the timeout is found,
        reported with the earliest credential (in the order given) it answered to."""
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(
            lambda: _Receiver(self.stats), family=socket.AF_INET, allow_broadcast=True
        )
        ctx = _ProbeContext(transport, receiver, asyncio.Semaphore(1), RateLimiter(self.rate_limit))
        try:
            for address in addresses:
                for cred in creds:
                    rid = ctx.new_id()
                    receiver.collecting[rid] = cred
                    await ctx.limiter.wait()
                    self._send(ctx, encode_get(cred, rid, PROBE_OIDS), address)
            await asyncio.sleep(self.timeout)
        finally:
            transport.close()
        rank = {id(cred): i for i, cred in enumerate(creds)}
        found: dict[str, ProbeAnswer] = {}
        for answer in sorted(receiver.collected, key=lambda a: rank.get(id(a.credential), 0)):
            found.setdefault(answer.ip, answer)
        return found

    async def _probe_host(
        self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential], on_done: Callable[[], None] | None
    ) -> ProbeAnswer | None:
        async with ctx.slots:
            try:
                for _attempt in range(self.retries + 1):
                    answer = await self._attempt(ctx, ip, creds)
                    if answer is not None:
                        return answer
                return None
            finally:
                if on_done is not None:
                    on_done()

    async def _attempt(self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential]) -> ProbeAnswer | None:
        """Send every credential at once (a silent host then costs one timeout, not one per community) and
        report the earliest in the given order among those that answered."""
        loop = asyncio.get_running_loop()
        pending = {ctx.new_id(): (cred, loop.create_future()) for cred in creds}
        for rid, (cred, future) in pending.items():
            ctx.receiver.waiting[rid] = (ip, future)
            await ctx.limiter.wait()
            self._send(ctx, encode_get(cred, rid, PROBE_OIDS), ip)
        futures = [f for _, f in pending.values()]
        await asyncio.wait(futures, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        for rid in pending:
            ctx.receiver.waiting.pop(rid, None)
        done = [(cred, f.result()) for cred, f in pending.values() if f.done() and not f.cancelled()]
        for f in futures:
            f.cancel()
        return ProbeAnswer(ip, done[0][0], done[0][1]) if done else None

    def _send(self, ctx: _ProbeContext, data: bytes, ip: str) -> None:
        self.stats.packets_sent += 1
        self.stats.bytes_sent += len(data)
        ctx.transport.sendto(data, (ip, self.port))


@dataclass
class _ProbeContext:
    transport: asyncio.DatagramTransport
    receiver: _Receiver
    slots: asyncio.Semaphore
    limiter: RateLimiter
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(random.randint(1, 2**30)))

    def new_id(self) -> int:
        return next(self.ids) % (2**31 - 1) or 1
