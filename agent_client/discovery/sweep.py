"""A discovery sweep: probe every address, and read the identity of each responder as soon as it answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agent_client.discovery import identity, networks, targets
from agent_client.errors import SnmpError
from agent_client.snmp.codec import Varbind, in_subtree
from agent_client.snmp.credentials import Credential
from agent_client.snmp.guard import SendGuard
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.probe import PROBE_OIDS, Answered, ProbeAnswer, Prober, WireStats
from agent_client.snmp.session import SnmpSession, Target

IDENTIFY_CONCURRENCY = 32
# Identity columns are short (a printer's hrDevice rows, a NIC or three, one serial): walked side by side from 2
# rows each (doubling while they go on), a one-row column overshoots by a row instead of 7 of the next column.
IDENTITY_FIRST_REPETITIONS = 2
Progress = Callable[[int, int, int], None]  # (addresses probed, addresses in total, printers found)


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
            targets=list(params.get("targets") or []),
            credentials=credentials,
            exclude=list(params.get("exclude") or []),
            port=int(params.get("port", 161)),
            timeout=float(params.get("timeout", 1.0)),
            retries=int(params.get("retries", 1)),
            concurrency=max(1, int(params.get("concurrency", 256))),
            rate_limit=float(params.get("rate_limit", 0)),
            broadcast=bool(params.get("broadcast", False)),
            identity_plan=identity_plan(params.get("identity")),
        )


def identity_plan(extra: Any) -> Plan:
    """The built-in identity OIDs, plus the portal's (`params["identity"]`), without duplicates. A GET of an
    instance a walk reads anyway (the portal asks hrDeviceType.1 and walks hrDeviceType) is left out."""
    extra = extra if isinstance(extra, dict) else {}
    walk = list(dict.fromkeys([*identity.IDENTITY_WALK, *_oids(extra.get("walk"))]))
    get = [oid for oid in dict.fromkeys([*identity.IDENTITY_GET, *_oids(extra.get("get"))]) if not _walked(oid, walk)]
    return Plan(get, walk)


def _walked(oid: str, roots: Sequence[str]) -> bool:
    return any(in_subtree(oid, root) for root in roots)


def _oids(value: Any) -> list[str]:
    return [str(oid).strip(".") for oid in value if isinstance(oid, str) and oid] if isinstance(value, list) else []


@dataclass
class SweepResult:
    addresses_scanned: int
    devices: list[dict[str, Any]]
    errors: list[dict[str, str]]
    wire: WireStats


async def sweep(options: SweepOptions, session: SnmpSession, progress: Progress | None = None) -> SweepResult:
    # One guard for every packet of the sweep, the prober's and pysnmp's alike: one budget, one never-scan list.
    guard = session.guard = SendGuard(options.exclude, options.rate_limit)
    hosts, errors = targets.expand(options.targets, guard.exclusions)
    errors += [_unusable(item) for item in guard.exclusions.unusable]
    scan = _Scan(options, session, len(hosts), progress)
    prober = Prober(options.port, options.timeout, options.retries, options.concurrency, guard=guard)
    communities = [c for c in options.credentials if not c.is_v3]
    v3 = [c for c in options.credentials if c.is_v3]
    try:
        answers = await prober.probe_all(hosts, communities, scan.answered) if communities else {}
        if options.broadcast and communities:
            hosts += await _broadcast(prober, options, communities, answers, scan)
        if v3:
            on_done = scan.answered if not communities else scan.answered_late
            await _probe_v3(session, options, [h for h in hosts if h not in answers], v3, on_done)
        devices = await scan.devices(hosts)
    finally:
        scan.cancel()
    errors += scan.errors
    return SweepResult(len(hosts), devices, errors, prober.stats)


def _unusable(item: str) -> dict[str, str]:
    message = f"never-scan entry {item!r} is not an address, range, network or resolvable name: not applied"
    return {"target": item, "code": "bad_target", "message": message}


async def _broadcast(
    prober: Prober, options: SweepOptions, communities: list[Credential], answers: dict[str, ProbeAnswer], scan: _Scan
) -> list[str]:
    """Adds responders to a broadcast that the targets did not cover; returns their addresses. The prober sends
    nowhere on the never-scan list and drops answers from it."""
    addresses = options.broadcast_addresses
    if addresses is None:
        addresses = networks.broadcast_addresses(networks.local_networks())
    heard = await prober.broadcast(addresses, communities)
    new = {ip: a for ip, a in heard.items() if ip not in answers}
    answers.update(new)
    for answer in new.values():
        scan.answered_late(answer)
    return list(new)


async def _probe_v3(
    session: SnmpSession, options: SweepOptions, hosts: Sequence[str], creds: Sequence[Credential], on_done: Answered
) -> None:
    slots = asyncio.Semaphore(options.concurrency)

    async def one(ip: str) -> None:
        async with slots:
            answer = None
            for cred in creds:  # in the order given; an auth failure moves on to the next user
                try:
                    vbs = await session.get(
                        Target(ip, options.port, cred, options.timeout, options.retries), PROBE_OIDS
                    )
                    answer = ProbeAnswer(ip, cred, vbs)
                    break
                except SnmpError:
                    continue
        if on_done is not None:
            on_done(answer)

    await asyncio.gather(*(one(ip) for ip in hosts))


class _Scan:
    """One sweep's bookkeeping. A responder's identity is read as soon as it answers, so the progress can say how
    many printers were found while the rest of the segment is still being probed."""

    def __init__(self, options: SweepOptions, session: SnmpSession, total: int, progress: Progress | None) -> None:
        self.options, self.session, self.total, self.progress = options, session, total, progress
        self.probed = self.printers = 0
        self.reads: dict[str, asyncio.Task[dict[str, Any]]] = {}
        self.slots = asyncio.Semaphore(IDENTIFY_CONCURRENCY)
        self.errors: list[dict[str, str]] = []

    def answered(self, answer: ProbeAnswer | None) -> None:
        """A target address is done probing."""
        self.probed += 1
        self.answered_late(answer)

    def answered_late(self, answer: ProbeAnswer | None) -> None:
        """An answer that is not a target's first probe (a broadcast responder, a v3 user after the communities)."""
        if answer is not None and answer.ip not in self.reads:
            self.reads[answer.ip] = asyncio.ensure_future(self._identify(answer))
        self._report()

    async def _identify(self, answer: ProbeAnswer) -> dict[str, Any]:
        device = await _identify(self.session, self.options, answer, self.slots, self.errors)
        if device.get("is_printer"):
            self.printers += 1
            self._report()
        return device

    async def devices(self, order: list[str]) -> list[dict[str, Any]]:
        await asyncio.gather(*self.reads.values())
        self.probed = max(self.probed, self.total)
        self._report()
        return [self.reads[ip].result() for ip in order if ip in self.reads]

    def cancel(self) -> None:
        for task in self.reads.values():
            task.cancel()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(min(self.probed, self.total), self.total, self.printers)


async def _identify(
    session: SnmpSession,
    options: SweepOptions,
    answer: ProbeAnswer,
    slots: asyncio.Semaphore,
    errors: list[dict[str, str]],
) -> dict[str, Any]:
    target = Target(answer.ip, options.port, answer.credential, max(options.timeout, 2.0), options.retries)
    known, plan = _answered_by_probe(answer, options.identity_plan)
    async with slots:
        read = await PlanReader(session, target, first_repetitions=IDENTITY_FIRST_REPETITIONS).read(plan)
    if read.error is not None:
        errors.append({"target": answer.ip, **read.error})
    varbinds = [*known, *read.varbinds] or answer.varbinds  # a failed read still shows what the probe heard
    return identity.device_record(answer.ip, options.port, answer.credential.id, varbinds)


def _answered_by_probe(answer: ProbeAnswer, plan: Plan) -> tuple[list[Varbind], Plan]:
    """The probe's answer (sysDescr.0, as a rule) where the plan GETs it, and the plan without those GETs: what
    the probe already answered is not asked again, a varbind less each way per printer."""
    known = [vb for vb in answer.varbinds if vb[0] in plan.get and vb[1] not in identity.ABSENT]
    answered = {vb[0] for vb in known}
    return known, Plan([oid for oid in plan.get if oid not in answered], plan.walk)
