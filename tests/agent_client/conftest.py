"""Agent test helpers: run coroutines with one SNMP session, credentials for the simulator's printers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from agent_client.snmp.credentials import Credential
from agent_client.snmp.session import SnmpSession

T = TypeVar("T")


@pytest.fixture
def run_snmp() -> Callable[[Callable[[SnmpSession], Awaitable[T]]], T]:
    """Run `coro_fn(session)` in a fresh event loop with a fresh pysnmp engine."""

    def runner(coro_fn: Callable[[SnmpSession], Awaitable[T]]) -> T:
        async def main() -> T:
            session = SnmpSession()
            try:
                return await coro_fn(session)
            finally:
                session.close()

        return asyncio.run(main())

    return runner


def v2c(community: str = "public", cred_id: str = "c1") -> Credential:
    return Credential(cred_id, "2c", community)


def v1(community: str = "public", cred_id: str = "c1") -> Credential:
    return Credential(cred_id, "1", community)


def as_dict(cred: Credential) -> dict[str, Any]:
    return {
        "id": cred.id,
        "version": cred.version,
        "community": cred.community,
        "user": cred.user,
        "auth_protocol": cred.auth_protocol,
        "auth_key": cred.auth_key,
        "priv_protocol": cred.priv_protocol,
        "priv_key": cred.priv_key,
        "context": cred.context,
    }
