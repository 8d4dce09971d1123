"""The one seam for SNMP I/O through pysnmp: requests in, plain varbinds out, the agent's own exceptions.

Everything pysnmp-specific (engine, auth data, value classes, error indications) stays in this module. Every
datagram pysnmp sends goes through the session's `SendGuard` (never-scan list, packets per second): retries are
made here, one paced attempt at a time, rather than inside pysnmp where they could not be paced.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pyasn1.error import PyAsn1Error
from pysnmp.carrier.asyncio.dgram.udp import UdpAsyncioTransport
from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch import asyncio as hl

from agent_client.errors import (
    SnmpAuthError,
    SnmpError,
    SnmpMalformed,
    SnmpNoSuchName,
    SnmpTimeout,
    SnmpTooBig,
)
from agent_client.snmp.codec import MAX_OCTETS, Varbind, octets
from agent_client.snmp.credentials import Credential
from agent_client.snmp.guard import SendGuard

AUTH = {
    "MD5": hl.usmHMACMD5AuthProtocol,
    "SHA": hl.usmHMACSHAAuthProtocol,
    "SHA224": hl.usmHMAC128SHA224AuthProtocol,
    "SHA256": hl.usmHMAC192SHA256AuthProtocol,
    "SHA384": hl.usmHMAC256SHA384AuthProtocol,
    "SHA512": hl.usmHMAC384SHA512AuthProtocol,
}
PRIV = {
    "DES": hl.usmDESPrivProtocol,
    "3DES": hl.usm3DESEDEPrivProtocol,
    "AES": hl.usmAesCfb128Protocol,
    "AES128": hl.usmAesCfb128Protocol,
    "AES192": hl.usmAesCfb192Protocol,
    "AES256": hl.usmAesCfb256Protocol,
}
AUTH_INDICATIONS = frozenset(
    {
        "UnknownUserName",
        "WrongDigest",
        "UnknownSecurityName",
        "DecryptionError",
        "UnsupportedSecurityLevel",
        "NotInTimeWindow",
        "AuthenticationFailure",
        "AuthenticationError",
        "UnknownCommunityName",
    }
)
# Most specific first: Counter32/Gauge32/TimeTicks are Integer subclasses, IpAddress is an OctetString one;
# Counter and Gauge are the SNMPv1 (RFC 1155) names; pysnmp's EndOfMibView & co. derive from OctetString.
TYPE_NAMES = (
    ("NoSuchObject", "nosuchobject"),
    ("NoSuchInstance", "nosuchinstance"),
    ("EndOfMibView", "endofmibview"),
    ("Counter64", "counter64"),
    ("Counter32", "counter32"),
    ("Counter", "counter32"),
    ("Gauge32", "uint"),
    ("Gauge", "uint"),
    ("Unsigned32", "uint"),
    ("TimeTicks", "timeticks"),
    ("Integer32", "int"),
    ("Integer", "int"),
    ("IpAddress", "ipaddr"),
    ("Opaque", "hex"),
    ("Bits", "hex"),
    ("OctetString", "octets"),
    ("ObjectIdentifier", "oid"),
    ("Null", "null"),
)


@dataclass(frozen=True)
class Target:
    ip: str
    port: int
    credential: Credential
    timeout: float = 2.0
    retries: int = 1


class SnmpSession:
    """One pysnmp engine shared by every request of a run (engine set-up is the expensive part)."""

    def __init__(self, guard: SendGuard | None = None) -> None:
        self._engine = hl.SnmpEngine()
        self._transports: dict[tuple[str, int, float], hl.UdpTransportTarget] = {}
        self.guard = guard or SendGuard()  # the runner sets each directive's own

    async def get(self, target: Target, oids: Sequence[str]) -> list[Varbind]:
        return await self._request(hl.get_cmd, target, oids)

    async def get_next(self, target: Target, oids: Sequence[str]) -> list[Varbind]:
        return await self._request(hl.next_cmd, target, oids)

    async def get_bulk(self, target: Target, oids: Sequence[str], max_repetitions: int) -> list[Varbind]:
        return await self._request(hl.bulk_cmd, target, oids, 0, max_repetitions)

    def close(self) -> None:
        self._engine.close_dispatcher()

    async def _request(self, command: Any, target: Target, oids: Sequence[str], *bulk: int) -> list[Varbind]:
        self.guard.check(target.ip)
        for attempt in range(max(0, target.retries) + 1):
            await self.guard.slot()
            try:
                return await self._attempt(command, target, oids, bulk)
            except SnmpTimeout:
                if attempt >= target.retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _attempt(self, command: Any, target: Target, oids: Sequence[str], bulk: tuple[int, ...]) -> list[Varbind]:
        objects = [hl.ObjectType(hl.ObjectIdentity(oid)) for oid in oids]
        try:
            transport = await self._transport(target)
            auth, context = auth_data(target.credential)
            ind, status, index, varbinds = await command(
                self._engine, auth, transport, context, *bulk, *objects, lookupMib=False
            )
        except (PySnmpError, PyAsn1Error, ValueError, TypeError) as exc:
            raise SnmpMalformed(f"{type(exc).__name__}: {exc}") from exc
        raise_for_error(ind, status, index)
        return [plain_varbind(name, value) for name, value in varbinds]

    async def _transport(self, target: Target) -> hl.UdpTransportTarget:
        key = (target.ip, target.port, target.timeout)
        if key not in self._transports:
            made = await _GuardedTarget.create((target.ip, target.port), timeout=target.timeout, retries=0)
            made.session = self
            self._transports[key] = made
        return self._transports[key]


class _GuardedUdp(UdpAsyncioTransport):  # type: ignore[misc]
    """pysnmp's UDP socket, asking the session's guard before each datagram leaves."""

    def __init__(self, session: SnmpSession) -> None:
        super().__init__()
        self.session = session

    def send_message(self, outgoingMessage: Any, transportAddress: Any) -> None:
        if self.session.guard.spend(str(transportAddress[0])):
            super().send_message(outgoingMessage, transportAddress)


class _GuardedTarget(hl.UdpTransportTarget):  # type: ignore[misc]
    """The engine's one UDP socket is made by the first target it is given: ours make a guarded one."""

    session: SnmpSession

    def open_client_mode(self) -> Any:
        self.transport = _GuardedUdp(self.session).open_client_mode(self.iface)
        return self.transport


def auth_data(cred: Credential) -> tuple[Any, hl.ContextData]:
    context = hl.ContextData(contextName=cred.context.encode()) if cred.context else hl.ContextData()
    if cred.priv_protocol and importlib.util.find_spec("cryptography") is None:
        raise SnmpError("SNMPv3 privacy (authPriv) needs the Python package 'cryptography' on this host")
    if not cred.is_v3:
        return hl.CommunityData(cred.community, mpModel=0 if cred.version == "1" else 1), context
    return (
        hl.UsmUserData(
            cred.user,
            authKey=cred.auth_key or None,
            privKey=cred.priv_key or None,
            authProtocol=AUTH[cred.auth_protocol] if cred.auth_protocol else hl.usmNoAuthProtocol,
            privProtocol=PRIV[cred.priv_protocol] if cred.priv_protocol else hl.usmNoPrivProtocol,
        ),
        context,
    )


def raise_for_error(indication: Any, status: Any, index: Any) -> None:
    if indication:
        name = type(indication).__name__
        if name == "RequestTimedOut":
            raise SnmpTimeout("no response before the timeout")
        if name == "TooBig":
            raise SnmpTooBig("the request or its answer is too big")
        if name in AUTH_INDICATIONS:
            raise SnmpAuthError(f"SNMP authentication failed ({name})")
        raise SnmpError(str(indication))
    code = int(status or 0)
    if code == 1:
        raise SnmpTooBig("the device answered tooBig")
    if code == 2:
        raise SnmpNoSuchName("noSuchName", int(index or 0) - 1)
    if code:
        raise SnmpError(f"SNMP error-status {getattr(status, 'prettyPrint', lambda: code)()}")


def plain_varbind(name: Any, value: Any) -> Varbind:
    oid = str(name)
    kind = next((plain for cls, plain in TYPE_NAMES if _is(value, cls)), None)
    if kind is None:
        raise SnmpMalformed(f"{oid}: unexpected value type {type(value).__name__}")
    if kind in ("nosuchobject", "nosuchinstance", "endofmibview", "null"):
        return oid, kind, None
    if kind in ("octets", "hex"):
        raw = bytes(value.asOctets())
        if len(raw) > MAX_OCTETS:
            raise SnmpMalformed(f"{oid}: a {len(raw)}-byte value (limit {MAX_OCTETS})")
        return (oid, *octets(raw)) if kind == "octets" else (oid, "hex", raw.hex())
    if kind == "ipaddr":
        return oid, kind, ".".join(str(b) for b in bytes(value.asOctets()))
    if kind == "oid":
        return oid, kind, str(value)
    return oid, kind, int(value)


def _is(value: Any, class_name: str) -> bool:
    return any(cls.__name__ == class_name for cls in type(value).__mro__)
