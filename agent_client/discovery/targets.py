"""Turn discovery targets (CIDRs, ranges, single addresses, host names) into a list of IPv4 addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator

from agent_client.snmp.guard import Exclusions

MAX_ADDRESSES = 65536  # a /16: past this a typo ("10.0.0.0/8") would scan for hours


class TargetError(ValueError):
    pass


def expand(targets: Iterable[str], exclude: Iterable[str] | Exclusions = ()) -> tuple[list[str], list[dict[str, str]]]:
    """Addresses in the order given, without duplicates or exclusions, plus one error per unusable target."""
    excluded = exclude if isinstance(exclude, Exclusions) else Exclusions(exclude)
    seen: dict[str, None] = {}
    errors: list[dict[str, str]] = []
    for target in targets:
        try:
            for ip in addresses(target.strip()):
                if ip not in excluded:
                    seen.setdefault(ip, None)
                if len(seen) > MAX_ADDRESSES:
                    raise TargetError(f"more than {MAX_ADDRESSES} addresses to scan; split the targets")
        except TargetError as exc:
            errors.append({"target": target, "code": "bad_target", "message": str(exc)})
    return list(seen), errors


def addresses(target: str) -> Iterator[str]:
    if "/" in target:
        yield from _network(target)
    elif "-" in target and _looks_like_range(target):
        yield from _range(target)
    else:
        yield _single(target)


def _network(target: str) -> Iterator[str]:
    try:
        net = ipaddress.IPv4Network(target, strict=False)
    except ValueError as exc:
        raise TargetError(f"not an IPv4 network: {target}") from exc
    if net.num_addresses > MAX_ADDRESSES:
        raise TargetError(f"{target} has more than {MAX_ADDRESSES} addresses")
    hosts = list(net.hosts()) if net.prefixlen < 31 else list(net)
    yield from (str(h) for h in hosts)


def _looks_like_range(target: str) -> bool:
    return all(part.replace(".", "").isdigit() for part in target.split("-", 1))


def _range(target: str) -> Iterator[str]:
    """`10.0.0.5-10.0.0.40` or the short form `10.0.0.5-40`."""
    first_text, last_text = (p.strip() for p in target.split("-", 1))
    try:
        first = ipaddress.IPv4Address(first_text)
        if "." not in last_text:
            last_text = first_text.rsplit(".", 1)[0] + "." + last_text
        last = ipaddress.IPv4Address(last_text)
    except ValueError as exc:
        raise TargetError(f"not an address range: {target}") from exc
    if last < first or int(last) - int(first) >= MAX_ADDRESSES:
        raise TargetError(f"bad address range: {target}")
    yield from (str(ipaddress.IPv4Address(n)) for n in range(int(first), int(last) + 1))


def _single(target: str) -> str:
    try:
        return str(ipaddress.IPv4Address(target))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(target, None, socket.AF_INET, socket.SOCK_DGRAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetError(f"cannot resolve {target}") from exc
    return str(infos[0][4][0])
