"""Scan targets and never-scan lists as dealers type them, one entry a line: an IPv4 address, a network
(`192.168.1.0/24`), a range (`10.0.0.5-10.0.0.40` or `10.0.0.5-40`) or a host name; `#` starts a comment line.

The agent reads the same lines (agent_client/discovery/targets.py, agent_client/snmp/guard.py); the portal checks
them when they are saved and keeps excluded devices out of the plans it sends. Host names only the agent can
resolve, on the customer's network.
"""

import ipaddress
import re

MAX_TARGET_ADDRESSES = 65536  # the agent's own limit per target: past a /16, a typo ("10.0.0.0/8") scans for hours
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){LABEL}(\.{LABEL})*\.?$")
Span = tuple[int, int]  # first and last address, as integers


def scope_lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip() and not line.strip().startswith("#")]


def scope_errors(text: str, *, limit: int | None = None) -> list[str]:
    """One sentence per line that is no address, network, range or host name (or spans more than `limit`)."""
    errors = []
    for line in scope_lines(text):
        try:
            span = entry_span(line)
        except ValueError as exc:
            errors.append(f"'{line}': {exc}")
            continue
        if limit and span and span[1] - span[0] + 1 > limit:
            errors.append(
                f"'{line}' has more than {limit} addresses: split it, or narrow it to the printers' segments."
            )
    return errors


def entry_span(line: str) -> Span | None:
    """The addresses an entry covers; None for a host name. ValueError says what is wrong with it."""
    if "/" in line:
        try:
            net = ipaddress.IPv4Network(line, strict=False)
        except ValueError:
            raise ValueError("not an IPv4 network such as 192.168.1.0/24.") from None
        return int(net.network_address), int(net.broadcast_address)
    if "-" in line and all(part.replace(".", "").strip().isdigit() for part in line.split("-", 1)):
        return _range(line)
    try:
        address = int(ipaddress.IPv4Address(line))
    except ValueError:
        if line.replace(".", "").isdigit() or not HOST_NAME.match(line):
            raise ValueError("not an IPv4 address, network, range or host name.") from None
        return None
    return address, address


def _range(line: str) -> Span:
    first_text, last_text = (part.strip() for part in line.split("-", 1))
    if "." not in last_text:
        last_text = first_text.rsplit(".", 1)[0] + "." + last_text
    try:
        first, last = int(ipaddress.IPv4Address(first_text)), int(ipaddress.IPv4Address(last_text))
    except ValueError:
        raise ValueError("not an address range such as 10.0.0.5-10.0.0.40.") from None
    if last < first:
        raise ValueError("the range ends before it starts.")
    return first, last


class AddressSet:
    """The addresses a list of entries covers (host names aside): `"10.0.0.7" in AddressSet(lines)`."""

    def __init__(self, lines: list[str]):
        self.spans: list[Span] = []
        for line in lines:
            try:
                span = entry_span(line)
            except ValueError:
                continue  # refused when saved; an older row is the agent's to report
            if span is not None:
                self.spans.append(span)

    def __contains__(self, ip: object) -> bool:
        try:
            number = int(ipaddress.IPv4Address(str(ip)))
        except ValueError:
            return False
        return any(first <= number <= last for first, last in self.spans)
