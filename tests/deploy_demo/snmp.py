"""Reading the demo fleet as a manager would: SNMPv2c GET and walk with pysnmp's asyncio API."""

import asyncio
from typing import Any

from pyasn1.type import univ
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    get_cmd,
    walk_cmd,
)
from pysnmp.proto.rfc1905 import NoSuchInstance, NoSuchObject

COMMUNITY = CommunityData("public")


class Manager:
    """One SNMP engine on one event loop for a whole test module (an engine takes ~0.5 s to build)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._engine = SnmpEngine()

    def close(self) -> None:
        self._engine.close_dispatcher()
        self._loop.run_until_complete(_cancel_pending())
        self._loop.close()

    def get(self, address: str, oids: list[str]) -> dict[str, Any]:
        """One GET request for all `oids` (one instant on the device); absent ones map to None."""
        return self._loop.run_until_complete(self._get(address, oids))

    def walk(self, address: str, oid: str) -> dict[str, Any]:
        return self._loop.run_until_complete(self._walk(address, oid))

    async def _get(self, address: str, oids: list[str]) -> dict[str, Any]:
        target = await UdpTransportTarget.create((address, self.port), timeout=2.0, retries=1)
        objects = [ObjectType(ObjectIdentity(oid)) for oid in oids]
        error, status, _, var_binds = await get_cmd(
            self._engine, COMMUNITY, target, ContextData(), *objects, lookupMib=False
        )
        assert not error and not status, f"{address}: {error or status.prettyPrint()}"
        return {str(name): _plain(value) for name, value in var_binds}

    async def _walk(self, address: str, oid: str) -> dict[str, Any]:
        target, found = await UdpTransportTarget.create((address, self.port), timeout=2.0, retries=1), {}
        start = ObjectType(ObjectIdentity(oid))
        async for error, status, _, var_binds in walk_cmd(
            self._engine, COMMUNITY, target, ContextData(), start, lexicographicMode=False, lookupMib=False
        ):
            assert not error and not status, f"{address}: {error or status.prettyPrint()}"
            found.update({str(name): _plain(value) for name, value in var_binds})
        return found


async def _cancel_pending() -> None:
    """Cancel what the dispatcher left on the loop (its timer task). gather() runs inside the loop here:
    outside one, on Python 3.11, it looks up the thread's current loop, which asyncio.run() elsewhere in
    the session may have cleared ("There is no current event loop in thread 'MainThread'")."""
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _plain(value: Any) -> Any:
    if isinstance(value, NoSuchInstance | NoSuchObject):
        return None
    if isinstance(value, univ.ObjectIdentifier):
        return str(value)
    if isinstance(value, univ.OctetString):  # also IpAddress
        return value.asOctets()
    return int(value)
