"""A discovery sweep: probe every address, then read the identity of each responder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_client.discovery import identity, networks, targets
from agent_client.errors import SnmpError
from agent_client.snmp.credentials import Credential
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.probe import PROBE_OIDS, ProbeAnswer, Prober, WireStats
from agent_client.snmp.session import SnmpSession, Target

IDENTIFY_CONCURRENCY = 32
Progress = Callable[[int, int], None]  # (addresses done, addresses in total)


@dataclass
class SweepOptions:
    targets: list[str]
    credentials: list[Credential]
    exclude: list[str] = field(default_factory=list)
    port: int = 161
    timeout: float = 1.0
    retries: int = 1
    concurrency: int = 256
    rate_limit: float = 0.0
    broadcast: bool = False
    broadcast_addresses: list[str] | None = None  # default: those of the host's own networks
    # What to read from each responder: the agent's own list plus whatever the portal's profiles ask for.
    identity_plan: Plan = field(default_factory=lambda: Plan(identity.IDENTITY_GET, identity.IDENTITY_WALK))

    @classmethod
    def from_params(cls, params: dict[str, Any], credentials: list[Credential]) -> SweepOptions:
        return cls(
            targets=list(params.get("targets") or []), credentials=credentials,
            exclude=list(params.get("exclude") or []), port=int(params.get("port", 161)),
            timeout=float(params.get("timeout", 1.0)), retries=int(params.get("retries", 1)),
            concurrency=max(1, int(params.get("concurrency", 256))), rate_limit=float(params.get("rate_limit", 0)),
            broadcast=bool(params.get("broadcast", False)), identity_plan=identity_plan(params.get("identity")),
        )  # fmt: skip


def identity_plan(extra: Any) -> Plan:
    """The built-in identity OIDs, plus the portal's (`params["identity"]`), without duplicates."""
    extra = extra if isinstance(extra, dict) else {}
    get = list(dict.fromkeys([*identity.IDENTITY_GET, *_oids(extra.get("get"))]))
    walk = list(dict.fromkeys([*identity.IDENTITY_WALK, *_oids(extra.get("walk"))]))
    return Plan(get, walk)


def _oids(value: Any) -> list[str]:
    return [str(oid).strip(".") for oid in value if isinstance(oid, str) and oid] if isinstance(value, list) else []


@dataclass
class SweepResult:
    addresses_scanned: int
    devices: list[dict[str, Any]]
    errors: list[dict[str, str]]
    wire: WireStats


async def sweep(options: SweepOptions, session: SnmpSession, progress: Progress | None = None) -> SweepResult:
    hosts, errors = targets.expand(options.targets, options.exclude)
    counter = _Counter(len(hosts), progress)
    prober = Prober(options.port, options.timeout, options.retries, options.concurrency, options.rate_limit)
    communities = [c for c in options.credentials if not c.is_v3]
    answers = await prober.probe_all(hosts, communities, counter.tick) if communities else {}
    if options.broadcast and communities:
        hosts += await _broadcast(prober, options, communities, answers)
    v3 = [c for c in options.credentials if c.is_v3]
    if v3:
        silent = [h for h in hosts if h not in answers]
        answers |= await _probe_v3(session, options, silent, v3)
    counter.finish()
    slots = asyncio.Semaphore(IDENTIFY_CONCURRENCY)
    ordered = [answers[h] for h in hosts if h in answers]
    devices = await asyncio.gather(*(_identify(session, options, a, slots, errors) for a in ordered))
    return SweepResult(len(hosts), list(devices), errors, prober.stats)


async def _broadcast(
    prober: Prober, options: SweepOptions, communities: list[Credential], answers: dict[str, ProbeAnswer]
) -> list[str]:
    """Adds responders to a broadcast that the targets did not cover; returns their addresses."""
    addresses = options.broadcast_addresses
    if addresses is None:
        addresses = networks.broadcast_addresses(networks.local_networks())
    excluded = set(targets.expand(options.exclude)[0])
    heard = await prober.broadcast(addresses, communities)
    new = {ip: a for ip, a in heard.items() if ip not in answers and ip not in excluded}
    answers.update(new)
    return list(new)


async def _probe_v3(
    session: SnmpSession, options: SweepOptions, hosts: Sequence[str], creds: Sequence[Credential]
) -> dict[str, ProbeAnswer]:
    slots = asyncio.Semaphore(options.concurrency)

    async def one(ip: str) -> ProbeAnswer | None:
        async with slots:
            for cred in creds:  # in the order given; an auth failure moves on to the next user
                try:
                    vbs = await session.get(
                        Target(ip, options.port, cred, options.timeout, options.retries), PROBE_OIDS
                    )
                    return ProbeAnswer(ip, cred, vbs)
                except SnmpError:
                    continue
            return None

    found = await asyncio.gather(*(one(ip) for ip in hosts))
    return {a.ip: a for a in found if a is not None}


async def _identify(
    session: SnmpSession, options: SweepOptions, answer: ProbeAnswer, slots: asyncio.Semaphore,
    errors: list[dict[str, str]],
) -> dict[str, Any]:  # fmt: skip
    target = Target(answer.ip, options.port, answer.credential, max(options.timeout, 2.0), options.retries)
    async with slots:
        read = await PlanReader(session, target).read(options.identity_plan)
    if read.error is not None:
        errors.append({"target": answer.ip, **read.error})
    varbinds = read.varbinds or answer.varbinds
    return identity.device_record(answer.ip, options.port, answer.credential.id, varbinds)


class _Counter:
    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None and self.done < self.total:
            self.progress(self.total, self.total)
