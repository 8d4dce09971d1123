"""The host's own IPv4 networks, reported to the portal so a dealer can pick segments to scan."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import subprocess


def local_networks() -> list[str]:
    """Connected IPv4 networks (no loopback, no link-local), from `ip -j addr` on Linux, else a best guess."""
    found = _from_ip_command() if shutil.which("ip") else []
    return found or _from_default_route()


def _from_ip_command() -> list[str]:
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr"], capture_output=True, text=True, timeout=5, check=True).stdout
        links = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    nets = [
        ipaddress.IPv4Interface(f"{info['local']}/{info['prefixlen']}").network
        for link in links
        for info in link.get("addr_info", [])
        if info.get("family") == "inet"
    ]
    return sorted({str(n) for n in nets if _usable(n)})


def _from_default_route() -> list[str]:
    """The address the host would use to reach the Internet, assumed /24 (no packet is sent by a UDP connect)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
            address = sock.getsockname()[0]
        except OSError:
            return []
    net = ipaddress.IPv4Interface(f"{address}/24").network
    return [str(net)] if _usable(net) else []


def _usable(net: ipaddress.IPv4Network) -> bool:
    return not (net.is_loopback or net.is_link_local or net.prefixlen >= 32)


def broadcast_addresses(networks: list[str]) -> list[str]:
    return [
        str(ipaddress.IPv4Network(n).broadcast_address) for n in networks if ipaddress.IPv4Network(n).prefixlen < 31
    ]
