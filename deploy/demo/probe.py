"""Is the simulator serving yet? An SNMP GET of sysDescr on a few of its addresses."""

import asyncio
import time
from collections.abc import Callable

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    get_cmd,
)

SYS_DESCR = "1.3.6.1.2.1.1.1.0"


def wait_until_answering(
    addresses: list[str], port: int, community: str, *, alive: Callable[[], bool], timeout: float
) -> bool:
    """True once every address answers; False if `alive()` turns false or `timeout` seconds pass."""
    return asyncio.run(_wait(addresses, port, CommunityData(community), alive, timeout))


async def _wait(
    addresses: list[str], port: int, community: CommunityData, alive: Callable[[], bool], timeout: float
) -> bool:
    engine = SnmpEngine()  # one engine for every attempt: building one takes about half a second
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            if all([await _answers(engine, community, address, port) for address in addresses]):
                return True
            await asyncio.sleep(0.3)
        return False
    finally:
        engine.close_dispatcher()


async def _answers(engine: SnmpEngine, community: CommunityData, address: str, port: int) -> bool:
    target = await UdpTransportTarget.create((address, port), timeout=0.5, retries=0)
    request = ObjectType(ObjectIdentity(SYS_DESCR))
    error, status, _, var_binds = await get_cmd(engine, community, target, ContextData(), request, lookupMib=False)
    return not error and not status and bool(var_binds)
