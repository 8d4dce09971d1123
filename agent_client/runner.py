"""Run one directive (`discover`, `read`, `status`, `test`) and build its result JSON (docs/agent-protocol.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from agent_client.credential_test import run_test
from agent_client.discovery import networks
from agent_client.discovery.local_printers import local_printers
from agent_client.discovery.reads import read_found
from agent_client.discovery.sweep import Progress, SweepOptions, sweep
from agent_client.discovery.window import window_refusal
from agent_client.snmp.credentials import Credential, parse_credentials
from agent_client.snmp.guard import SendGuard
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import SnmpSession, Target
from agent_client.timeutil import now_iso

READ_CONCURRENCY = 32


async def run_directive(
    directive: dict[str, Any], session: SnmpSession, progress: Progress | None = None
) -> dict[str, Any]:
    kind = str(directive.get("kind"))
    params = directive.get("params") or {}
    session.guard = SendGuard.from_params(params)  # never-scan list and packets/s, whatever the kind
    if kind == "discover":
        return await run_discover(params, session, progress)
    if kind in ("read", "status"):
        return await run_read(kind, params, session)
    if kind == "test":
        return await run_test(params, session)
    error = {"target": "", "code": "unsupported", "message": f"unknown directive kind {kind!r}"}
    return {"kind": kind, "started_at": now_iso(), "finished_at": now_iso(), "errors": [error]}


async def run_discover(
    params: dict[str, Any], session: SnmpSession, progress: Progress | None = None
) -> dict[str, Any]:
    started = now_iso()
    own = networks.local_networks()
    refusal = window_refusal(params.get("window"), datetime.now(UTC))
    if refusal is not None:
        return refused_discover(started, own, refusal)
    options = SweepOptions.from_params(params, parse_credentials(params.get("credentials") or []))
    if not options.targets:
        options.targets = own
    local = await asyncio.to_thread(local_printers) if params.get("local_printers", False) else []
    added = printer_targets(local, options.targets)
    options.targets += added  # the never-scan list still applies to them (targets.expand)
    found = await sweep(options, session, progress)
    await read_found(found.devices, params, options.credentials, session)  # meters in the same result
    return {
        "kind": "discover",
        "started_at": started,
        "finished_at": now_iso(),
        "networks": own,
        "addresses_scanned": found.addresses_scanned,
        "responders": len(found.devices),
        "devices": found.devices,
        "local_printers": local,
        "local_printer_targets": added,
        "errors": found.errors,
    }


def printer_targets(local: list[dict[str, Any]], targets: list[str]) -> list[str]:
    """Addresses of the host's own network printers (a spooler queue on a TCP/IP port) not among the targets as
    given: the PC prints to them, so they are read even when the site's targets do not cover their segment."""
    given = {target.strip().lower() for target in targets}
    addresses = [str(p["address"]).strip() for p in local if p.get("connection") == "tcp" and p.get("address")]
    return [a for a in dict.fromkeys(addresses) if a.lower() not in given]


def refused_discover(started: str, own: list[str], reason: str) -> dict[str, Any]:
    """A discovery not run: it says nothing about which devices are there (the portal must not count any gone)."""
    error = {"target": "", "code": "outside_window", "message": reason}
    return {
        "kind": "discover",
        "started_at": started,
        "finished_at": now_iso(),
        "networks": own,
        "addresses_scanned": 0,
        "responders": 0,
        "devices": [],
        "local_printers": [],
        "local_printer_targets": [],
        "errors": [error],
    }


async def run_read(kind: str, params: dict[str, Any], session: SnmpSession) -> dict[str, Any]:
    started = now_iso()
    timeout, retries = float(params.get("timeout", 2.0)), int(params.get("retries", 1))
    slots = asyncio.Semaphore(READ_CONCURRENCY)
    devices = await asyncio.gather(*(_read_device(d, session, timeout, retries, slots) for d in params["devices"]))
    return {"kind": kind, "started_at": started, "finished_at": now_iso(), "devices": list(devices)}


async def _read_device(
    device: dict[str, Any], session: SnmpSession, timeout: float, retries: int, slots: asyncio.Semaphore
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "device_id": device.get("device_id"),
        "ip": device.get("ip"),
        "ok": False,
        "error": None,
        "varbinds": [],
        "elapsed_ms": 0,
        "requests": 0,
    }
    try:
        if not isinstance(device.get("credential"), dict):  # e.g. deleted in the portal after scheduling
            raise ValueError("no SNMP credential for this device")
        cred = Credential.from_dict(device["credential"])
        target = Target(str(device["ip"]), int(device.get("port", 161)), cred, timeout, retries)
        plan = Plan.from_dict(device.get("plan") or {})
    except (KeyError, ValueError, TypeError) as exc:
        out["error"] = {"code": "error", "message": f"bad device entry: {exc}"}
        return out
    async with slots:
        read = await PlanReader(session, target).read(plan)
    out.update(ok=read.ok, error=read.error, varbinds=[list(v) for v in read.varbinds])
    out.update(elapsed_ms=read.elapsed_ms, requests=read.requests)
    return out
