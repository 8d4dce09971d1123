"""The discovery probe: one small SNMPv1/v2c request to many hosts at once, over raw UDP.

The probe is a GETNEXT of `1.3`, the shortest OID there is (3 bytes where sysObjectID.0 takes 10): any agent
that takes the community answers it with the first object of its view (sysDescr.0 on most; sysUpTime.0 or an
interface row on some Brother recordings), so it finds the same hosts as a GET would, in the smallest datagram.
On a /24 ~500 of them cross the LAN (probes, retries, and the ICMP errors that quote them), so each byte saved
here is ~0.5 KB a sweep. Whatever it answered is not read again by the identity read.

pysnmp's hlapi costs a transport target and engine bookkeeping per host, too slow for a /24 in ~2 s; this sends
one small datagram per host and credential and matches answers by request-id and source address.

Each host gets its own connected UDP socket: the kernel then reports the ICMP "port unreachable" of a host that
runs no SNMP agent on that socket (an unconnected socket never hears of it), and such a host gets no retry. On a
/24 where most addresses are PCs and phones without SNMP, that is most of a sweep's retries, and bytes.

The kernel also hands a connected socket only datagrams from its own host and port, so a host's request-ids need
only be unique to that host: they count from 1 and fit BER's one-byte INTEGER, 3 bytes less per probe than a
random 31-bit id (and per ICMP error, which quotes the probe). A /24 sends ~500 of them.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
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
from agent_client.snmp.guard import RateLimiter, SendGuard
from agent_client.snmp.session import plain_varbind

PROBE_NEXT = ("1.3",)  # GETNEXT of the root of every MIB an agent serves (see above)
PROBE_OIDS = ("1.3.6.1.2.1.1.2.0",)  # SNMPv3 probes, through pysnmp: a GET of sysObjectID, every agent has it


@dataclass(frozen=True)
class ProbeAnswer:
    ip: str
    credential: Credential
    varbinds: list[Varbind]


Answered = Callable[[ProbeAnswer | None], None] | None  # told of each host as its probe ends


@dataclass
class WireStats:
    packets_sent: int = 0
    bytes_sent: int = 0
    packets_received: int = 0
    bytes_received: int = 0


def encode_probe(cred: Credential, request_id: int) -> bytes:
    return encode_request(cred, request_id, PROBE_NEXT, get_next=True)


def encode_request(cred: Credential, request_id: int, oids: Sequence[str], get_next: bool = False) -> bytes:
    proto = api.PROTOCOL_MODULES[api.SNMP_VERSION_1 if cred.version == "1" else api.SNMP_VERSION_2C]
    pdu = proto.GetNextRequestPDU() if get_next else proto.GetRequestPDU()
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
        self.waiting: dict[tuple[str, int], asyncio.Future[list[Varbind]]] = {}  # by (host, request-id)
        self.collecting: dict[int, Credential] = {}  # broadcast requests: any source may answer
        self.collected: list[ProbeAnswer] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.stats.packets_received += 1
        self.stats.bytes_received += len(data)
        decoded = decode_response(data)
        if decoded is None:
            return
        request_id, varbinds = decoded
        if request_id in self.collecting:
            self.collected.append(ProbeAnswer(addr[0], self.collecting[request_id], varbinds))
        future = self.waiting.get((addr[0], request_id))  # a reply from another host is not this one's answer
        if future is not None and not future.done():
            future.set_result(varbinds)

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable and the like: the host stays silent
        pass

    def refused(self, ip: str) -> None:
        """The host said no SNMP agent listens (ICMP unreachable): its probes end now, and it is not retried."""
        for (waiting_ip, _), future in list(self.waiting.items()):
            if waiting_ip == ip and not future.done():
                future.set_exception(ConnectionRefusedError(ip))


class _HostEndpoint(asyncio.DatagramProtocol):
    """One host's connected socket: answers go to the shared receiver, ICMP errors mark the host refused."""

    def __init__(self, receiver: _Receiver, ip: str) -> None:
        self.receiver, self.ip = receiver, ip

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.receiver.datagram_received(data, addr)

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError | ConnectionResetError):  # Linux; Windows reports a reset
            self.receiver.refused(self.ip)


@dataclass
class Prober:
    port: int = 161
    timeout: float = 1.0
    retries: int = 1
    concurrency: int = 256
    rate_limit: float = 0.0
    stats: WireStats = field(default_factory=WireStats)
    guard: SendGuard = field(default_factory=SendGuard)  # the directive's, shared with its SNMP session

    def __post_init__(self) -> None:
        if self.rate_limit > 0 and not self.guard.limiter.interval:  # a rate given the older way
            self.guard.limiter = RateLimiter(self.rate_limit)

    async def probe_all(
        self, hosts: Sequence[str], creds: Sequence[Credential], on_done: Answered = None
    ) -> dict[str, ProbeAnswer]:
        """Probe every host with every v1/v2c credential; returns the answering hosts, in the order given.
        `on_done` hears of each host as soon as its probe ends, with its answer or None."""
        ctx = _ProbeContext(None, _Receiver(self.stats), asyncio.Semaphore(self.concurrency))
        await asyncio.gather(*(self._probe_host(ctx, h, creds, on_done) for h in hosts))
        return {h: ctx.answers[h] for h in hosts if h in ctx.answers}

    async def broadcast(self, addresses: Sequence[str], creds: Sequence[Credential]) -> dict[str, ProbeAnswer]:
        """One GET per broadcast address and credential; every host answering within the timeout is found,
        reported with the earliest credential (in the order given) it answered to."""
        loop = asyncio.get_running_loop()
        transport, receiver = await loop.create_datagram_endpoint(
            lambda: _Receiver(self.stats), family=socket.AF_INET, allow_broadcast=True
        )
        ctx = _ProbeContext(transport, receiver, asyncio.Semaphore(1))
        try:
            for address in (a for a in addresses if self.guard.allows(a)):  # a never-scan network's own broadcast
                for cred in creds:
                    rid = ctx.new_id()
                    receiver.collecting[rid] = cred
                    await self.guard.slot()
                    self._send(ctx, encode_probe(cred, rid), address)
            await asyncio.sleep(self.timeout)
        finally:
            transport.close()
        rank = {id(cred): i for i, cred in enumerate(creds)}
        found: dict[str, ProbeAnswer] = {}
        for answer in sorted(receiver.collected, key=lambda a: rank.get(id(a.credential), 0)):
            if self.guard.allows(answer.ip):  # an excluded host heard the broadcast: its answer is dropped
                found.setdefault(answer.ip, answer)
        return found

    async def _probe_host(self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential], on_done: Answered) -> None:
        async with ctx.slots:
            answer = await self._probe_connected(ctx, ip, creds) if self.guard.allows(ip) else None
        if answer is not None:
            ctx.answers[ip] = answer
        if on_done is not None:
            on_done(answer)

    async def _probe_connected(self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential]) -> ProbeAnswer | None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: _HostEndpoint(ctx.receiver, ip), remote_addr=(ip, self.port)
            )
        except OSError:  # no route to it at all (or not an address this host can reach): silent
            return None
        try:
            return await self._tries(_HostContext(transport, ctx), ip, creds)
        finally:
            transport.close()

    async def _tries(self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential]) -> ProbeAnswer | None:
        for _attempt in range(self.retries + 1):
            try:
                answer = await self._attempt(ctx, ip, creds)
            except ConnectionRefusedError:  # ICMP unreachable: no SNMP agent there, asking again changes nothing
                return None
            if answer is not None:
                return answer
        return None

    async def _attempt(self, ctx: _ProbeContext, ip: str, creds: Sequence[Credential]) -> ProbeAnswer | None:
        """Send every credential at once (a silent host then costs one timeout, not one per community) and
        report the earliest in the given order among those that answered. Raises ConnectionRefusedError when
        the host refused with no answer to any credential."""
        loop = asyncio.get_running_loop()
        pending = {ctx.new_id(): (cred, loop.create_future()) for cred in creds}
        for rid, (cred, future) in pending.items():
            ctx.receiver.waiting[(ip, rid)] = future
            await self.guard.slot()
            self._send(ctx, encode_probe(cred, rid), ip)
        futures = [f for _, f in pending.values()]
        await asyncio.wait(futures, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
        for rid in pending:
            ctx.receiver.waiting.pop((ip, rid), None)
        finished = [(cred, f) for cred, f in pending.values() if f.done() and not f.cancelled()]
        done = [(cred, f.result()) for cred, f in finished if f.exception() is None]
        for f in futures:
            f.cancel()
        if done:
            return ProbeAnswer(ip, done[0][0], done[0][1])
        if finished:  # every finished probe was refused
            raise ConnectionRefusedError(ip)
        return None

    def _send(self, ctx: _ProbeContext, data: bytes, ip: str) -> None:
        if not self.guard.spend(ip):
            return
        self.stats.packets_sent += 1
        self.stats.bytes_sent += len(data)
        ctx.send(data, (ip, self.port))


@dataclass
class _ProbeContext:
    transport: asyncio.DatagramTransport | None  # broadcasts share one socket; host probes have their own
    receiver: _Receiver
    slots: asyncio.Semaphore
    answers: dict[str, ProbeAnswer] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(random.randint(1, 2**30)))

    def new_id(self) -> int:
        return next(self.ids) % (2**31 - 1) or 1

    def send(self, data: bytes, address: tuple[str, int]) -> None:
        assert self.transport is not None, "a broadcast context has its socket"
        self.transport.sendto(data, address)


class _HostContext(_ProbeContext):
    """A host probe's context: its own connected socket and request-ids (from 1), the sweep's receiver and answers."""

    def __init__(self, transport: asyncio.DatagramTransport, sweep: _ProbeContext) -> None:
        super().__init__(transport, sweep.receiver, sweep.slots, sweep.answers, itertools.count(1))

    def send(self, data: bytes, address: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data)  # connected: the address is the socket's
