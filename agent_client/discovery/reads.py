"""Reading the meters of the printers a discovery found, in the same run, so one round trip brings the portal
devices and their meters (docs/agent-protocol.md, "Reads in the discovery").

The portal sends `read_plan`: a `base` plan every printer gets and, by sysObjectID prefix, what each vendor's
profiles read beyond it. Telling profiles apart takes the portal's vendor knowledge; the agent only matches the
longest prefix of the device's sysObjectID (none: every prefix's additions) and says which it used (`read.plan`),
so the portal knows whether the read holds everything the device's own profile asks for. A portal that sends no
`read_plan` gets no reads.
"""

from __future__ import annotations

import asyncio
from typing import Any

from agent_client.snmp.credentials import Credential
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import SnmpSession, Target

READ_CONCURRENCY = 32


async def read_found(
    devices: list[dict[str, Any]], params: dict[str, Any], credentials: list[Credential], session: SnmpSession
) -> None:
    """Adds a `read` to the record of each printer (or device with a vendor's sysObjectID) found, in place."""
    read_plan = params.get("read_plan")
    if not isinstance(read_plan, dict):
        return
    given = read_plan.get("by_prefix")
    by_prefix: dict[str, Any] = given if isinstance(given, dict) else {}
    by_id = {credential.id: credential for credential in credentials}
    slots = asyncio.Semaphore(READ_CONCURRENCY)
    try:
        timeout, retries = float(read_plan.get("timeout", 2.0)), int(read_plan.get("retries", 1))
    except (TypeError, ValueError):  # a garbled plan costs its limits, not the discovery
        timeout, retries = 2.0, 1
    wanted = [d for d in devices if d.get("is_printer") or plan_key(d.get("sys_object_id"), by_prefix)]
    await asyncio.gather(
        *(
            _read(d, read_plan, by_prefix, by_id.get(str(d.get("credential_id"))), session, (timeout, retries), slots)
            for d in wanted
        )
    )


def plan_key(sys_object_id: Any, by_prefix: dict[str, Any]) -> str:
    """The longest prefix in `by_prefix` the sysObjectID falls under; "" (the base alone) when none does."""
    oid = str(sys_object_id or "").strip(".")
    keys = [key for key in by_prefix if oid == key or oid.startswith(key + ".")]
    return max(keys, key=len, default="")


def plan_for(read_plan: dict[str, Any], by_prefix: dict[str, Any], key: str) -> Plan:
    """The base and what the device's prefix adds; with no prefix of its own (a sysObjectID no profile claims, or
    none read), what every prefix adds: whichever profile the portal then finds, the read holds what it needs."""
    extras = [by_prefix.get(key) or {}] if key else list(by_prefix.values())
    parts = [read_plan.get("base") or {}, *extras]
    get = list(dict.fromkeys(oid for part in parts for oid in part.get("get", [])))
    walk = list(dict.fromkeys(oid for part in parts for oid in part.get("walk", [])))
    return Plan.from_dict({"get": get, "walk": walk})


async def _read(
    device: dict[str, Any],
    read_plan: dict[str, Any],
    by_prefix: dict[str, Any],
    credential: Credential | None,
    session: SnmpSession,
    limits: tuple[float, int],
    slots: asyncio.Semaphore,
) -> None:
    key = plan_key(device.get("sys_object_id"), by_prefix)
    if credential is None:  # the credential that answered the probe is the one to read with
        return
    try:
        plan = plan_for(read_plan, by_prefix, key)
        target = Target(str(device["ip"]), int(device.get("port", 161)), credential, *limits)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        device["read"] = {
            "plan": key,
            "ok": False,
            "error": {"code": "error", "message": f"bad read plan: {exc}"},
            "varbinds": [],
        }
        return
    async with slots:
        read = await PlanReader(session, target).read(plan)
    device["read"] = {
        "plan": key,
        "ok": read.ok,
        "error": read.error,
        "varbinds": [list(v) for v in read.varbinds],
        "elapsed_ms": read.elapsed_ms,
        "requests": read.requests,
    }
