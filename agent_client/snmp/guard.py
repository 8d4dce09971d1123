"""What the customer's IT allows the agent to send: never a packet to a never-scan address, at most `rate` a second.

Both are enforced where datagrams leave (the prober's socket and pysnmp's transport both call `SendGuard.spend`
for each one), so no code path can reach an excluded address: a sweep, a broadcast, a retry, a read or a test.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Iterable

from agent_client.errors import SnmpError


class SnmpExcluded(SnmpError):
    """The address is on the site's never-scan list: nothing was sent."""

    code = "excluded"


class Exclusions:
    """The never-scan list: addresses, CIDRs (the network and broadcast addresses included), ranges
    (`10.0.0.5-40`) and host names (resolved once, when the directive starts)."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self.networks: list[ipaddress.IPv4Network] = []
        self.ranges: list[tuple[int, int]] = []
        self.unusable: list[str] = []  # reported by the sweep; the portal validates what a dealer types
        for item in items:
            if item.strip():
                self._add(item.strip())

    def __contains__(self, ip: object) -> bool:
        try:
            address = ipaddress.IPv4Address(str(ip))
        except ValueError:
            return False
        number = int(address)
        return any(address in net for net in self.networks) or any(a <= number <= b for a, b in self.ranges)

    def __bool__(self) -> bool:
        return bool(self.networks or self.ranges)

    def _add(self, item: str) -> None:
        try:
            if "/" in item:
                self.networks.append(ipaddress.IPv4Network(item, strict=False))
            elif "-" in item and all(part.replace(".", "").strip().isdigit() for part in item.split("-", 1)):
                self.ranges.append(_range(item))
            else:
                self.networks += [ipaddress.IPv4Network(ip) for ip in _resolve(item)]
        except (ValueError, OSError, UnicodeError):
            self.unusable.append(item)


def _range(item: str) -> tuple[int, int]:
    first_text, last_text = (part.strip() for part in item.split("-", 1))
    if "." not in last_text:
        last_text = first_text.rsplit(".", 1)[0] + "." + last_text
    first, last = int(ipaddress.IPv4Address(first_text)), int(ipaddress.IPv4Address(last_text))
    if last < first:
        raise ValueError(f"bad range {item}")
    return first, last


def _resolve(name: str) -> set[str]:
    try:
        return {str(ipaddress.IPv4Address(name))}
    except ValueError:
        pass
    return {str(info[4][0]) for info in socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_DGRAM)}


class RateLimiter:
    """Spaces packets at `rate` per second (0 = no limit). A sender claims the next slot (`wait`) and sends at
    once; every packet that leaves is reported (`spent`), so one sent late keeps the gap to the next, and one sent
    without a claim (pysnmp's SNMPv3 engine discovery ahead of the request proper) takes a slot of its own. Slots
    missed while the event loop was busy are not made up for: no burst after a stall."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_slot = 0.0
        self.claims = 0
        self._turn = asyncio.Lock()  # senders take slots one at a time, in the order they asked

    async def wait(self) -> None:
        if not self.interval:
            return
        async with self._turn:
            while (delay := self.next_slot - time.monotonic()) > 0:  # a packet may leave while this one sleeps
                await asyncio.sleep(delay)
            self.next_slot = time.monotonic() + self.interval
            self.claims += 1

    def spent(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.claims:
            self.claims -= 1
            self.next_slot = max(self.next_slot, now + self.interval)
        else:
            self.next_slot = max(self.next_slot, now) + self.interval


class SendGuard:
    """One per directive, shared by every sender of it: the budget is the directive's, not each socket's."""

    def __init__(self, exclude: Iterable[str] = (), rate: float = 0.0) -> None:
        self.exclusions = Exclusions(exclude)
        self.limiter = RateLimiter(rate)
        self.blocked = 0  # datagrams refused at the socket: a bug upstream if ever more than zero

    @classmethod
    def from_params(cls, params: dict[str, object]) -> SendGuard:
        exclude = params.get("exclude")
        rate = params.get("rate_limit") or 0
        items = [str(item) for item in exclude] if isinstance(exclude, list) else []
        return cls(items, float(rate) if isinstance(rate, int | float) and rate > 0 else 0.0)

    def allows(self, ip: str) -> bool:
        return ip not in self.exclusions

    def check(self, ip: str) -> None:
        if not self.allows(ip):
            raise SnmpExcluded(f"{ip} is on the site's never-scan list: not contacted")

    async def slot(self) -> None:
        """Waits for this directive's next packet slot."""
        await self.limiter.wait()

    def spend(self, ip: str) -> bool:
        """Called for every datagram as it leaves; False means it must not be sent."""
        if not self.allows(ip):
            self.blocked += 1
            return False
        self.limiter.spent()
        return True
