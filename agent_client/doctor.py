"""`meterbridge-agent doctor`: what a technician checks when an agent is not reporting, one line each.

Every check ends in a verdict (OK, WARN, FAIL, or -- when it does not apply) with a sentence and, when not OK,
what to do. The portal is asked only `GET /healthz` (served on every portal host, before tenant routing): no
agent call, because `GET /agent/v1/directives` leases work and a heartbeat overwrites the agent's reported health.
The exit code is 0 only when nothing failed or warned.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import email.utils
import json
import os
import socket
import sqlite3
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_client import config as config_mod
from agent_client.errors import ConfigError

TIMEOUT = 10.0
SKEW_WARN = 120.0  # seconds: reads carry the agent's clock, so a few minutes off shifts them in the portal
SYS_DESCR = "1.3.6.1.2.1.1.1.0"
MARKS = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL", "skip": "--  "}


@dataclass(frozen=True)
class Verdict:
    check: str
    status: str  # ok | warn | fail | skip
    message: str
    fix: str = ""

    def line(self) -> str:
        tail = f" -> {self.fix}" if self.fix and self.status in ("warn", "fail") else ""
        return f"[{MARKS[self.status]}] {self.check:<14} {self.message}{tail}"


def add_doctor_parser(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help="check portal, proxy, CA, clock, SNMP and the state folder")
    doctor.add_argument("--portal", help="portal URL to check (default: the one in the config)")
    doctor.add_argument(
        "--snmp",
        action="append",
        default=[],
        metavar="IP[:PORT]",
        help="also GET sysDescr from this device (repeatable)",
    )
    doctor.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per network step (default 10)")
    doctor.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    path = Path(args.config) if args.config else config_mod.default_config_path()
    verdicts = run_doctor(path, args.portal, args.snmp, args.timeout)
    for verdict in verdicts:
        print(verdict.line())
    return 0 if all(v.status in ("ok", "skip") for v in verdicts) else 1


def run_doctor(path: Path, portal: str | None, snmp: list[str], timeout: float = TIMEOUT) -> list[Verdict]:
    cfg, config_verdict = _load(path)
    verdicts = [config_verdict, *check_state(path, cfg)]
    portal_url = portal or (cfg.portal_url if cfg else "")
    ca_bundle, proxy_setting = (cfg.ca_bundle, cfg.proxy) if cfg else ("", "")
    ca_verdict, context = check_ca(ca_bundle)
    verdicts.append(ca_verdict)
    if not portal_url:
        verdicts.append(Verdict("portal", "fail", "no portal URL known", "enrol first, or pass --portal URL"))
    elif context is None:
        verdicts.append(Verdict("portal", "skip", "not checked: the agent cannot connect until the CA file is fixed"))
    else:
        verdicts += check_portal(portal_url, context, ca_bundle, proxy_setting, timeout)
    verdicts += [check_snmp(address, _cached_credential(path, cfg, address), timeout) for address in snmp]
    return verdicts


def _load(path: Path) -> tuple[config_mod.AgentConfig | None, Verdict]:
    try:
        cfg = config_mod.load(path)
    except ConfigError as exc:
        return None, Verdict("config", "fail", str(exc), "run `meterbridge-agent enroll`, or pass --config")
    if not cfg.token:
        return cfg, Verdict("config", "fail", f"{path} has no agent token", "enrol this agent again")
    return cfg, Verdict("config", "ok", f"{path}, agent {cfg.agent_id or '?'} of dealer {cfg.dealer or '?'}")


# --- the state folder ------------------------------------------------------------------------------------------


def check_state(path: Path, cfg: config_mod.AgentConfig | None) -> list[Verdict]:
    verdicts = [_writable_folder("state folder", path.parent)]
    outbox = cfg.outbox_file(path) if cfg else path.with_name("outbox.sqlite3")
    if outbox.parent != path.parent:
        verdicts.append(_writable_folder("outbox folder", outbox.parent))
    if outbox.exists() and not os.access(outbox, os.R_OK | os.W_OK):
        fix = "run the doctor as the agent's service user, or give that user the file"
        verdicts.append(Verdict("outbox", "fail", f"{outbox} is not writable by this user", fix))
    else:
        verdicts.append(Verdict("outbox", "ok", f"{outbox} {'is writable' if outbox.exists() else 'can be created'}"))
    return verdicts


def _writable_folder(name: str, folder: Path) -> Verdict:
    """Writes and removes a real file: permission bits alone miss read-only mounts, ACLs and full disks."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as exc:
        fix = "run as the agent's service user, or fix the folder's owner and permissions"
        return Verdict(name, "fail", f"cannot write to {folder} ({exc.strerror or exc})", fix)
    return Verdict(name, "ok", f"{folder} is writable")


# --- the custom CA ---------------------------------------------------------------------------------------------


def check_ca(ca_bundle: str) -> tuple[Verdict, ssl.SSLContext | None]:
    """The TLS context the agent uses; None when the configured CA file cannot be used (the portal's TLS check
    would only repeat that)."""
    if not ca_bundle:
        return Verdict("custom CA", "skip", "none configured: the system's trusted CAs are used"), _context("")
    fix = "copy the CA's PEM file there, or enrol again with --ca-bundle pointing at it"
    if not os.access(ca_bundle, os.R_OK):
        return Verdict("custom CA", "fail", f"{ca_bundle} does not exist or is not readable", fix), None
    try:
        context = _context(ca_bundle)
    except (ssl.SSLError, OSError, ValueError) as exc:
        return Verdict("custom CA", "fail", f"{ca_bundle} is not a PEM certificate file ({exc})", fix), None
    count = context.cert_store_stats().get("x509_ca", 0) + context.cert_store_stats().get("x509", 0)
    if not count:
        return Verdict("custom CA", "fail", f"{ca_bundle} holds no certificate", fix), None
    return Verdict("custom CA", "ok", f"{ca_bundle} holds {count} certificate(s)"), context


def _context(ca_bundle: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_bundle or None)


# --- the portal and the proxy ----------------------------------------------------------------------------------


def check_portal(
    url: str, context: ssl.SSLContext, ca_bundle: str, proxy_setting: str, timeout: float
) -> list[Verdict]:
    parts = urllib.parse.urlsplit(url)
    host, https = parts.hostname or "", parts.scheme == "https"
    try:
        port = parts.port or (443 if https else 80)
    except ValueError:
        port = 0
    if parts.scheme not in ("http", "https") or not host or not port:
        fix = "give it as https://portal.example.com (the address the dealer gave)"
        return [Verdict("portal", "fail", f"{url!r} is not a portal URL", fix)]
    proxy = _proxy_for(parts.scheme, host, proxy_setting)
    if proxy:
        verdicts = [check_proxy(proxy, host, port, https, timeout)]
    else:
        verdicts = _direct(host, port, https, context, timeout)
    if any(v.status == "fail" for v in verdicts):
        return verdicts
    return verdicts + _http(url, ca_bundle, proxy, timeout)


def _proxy_for(scheme: str, host: str, setting: str) -> str:
    """The config's proxy wins; otherwise HTTPS_PROXY/HTTP_PROXY unless NO_PROXY covers the portal (as urllib)."""
    if setting:
        return setting
    if urllib.request.proxy_bypass(host):
        return ""
    return urllib.request.getproxies().get(scheme, "")


def _direct(host: str, port: int, https: bool, context: ssl.SSLContext, timeout: float) -> list[Verdict]:
    where = f"{host}:{port}"
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})
    except OSError as exc:
        fix = "check the portal URL and this PC's DNS server"
        return [Verdict("portal DNS", "fail", f"{host} does not resolve ({_why(exc)})", fix)]
    verdicts = [Verdict("portal DNS", "ok", f"{host} is {', '.join(map(str, addresses[:3]))}")]
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        fix = "is the portal up? a firewall may block this PC's outgoing connections to that port"
        return [*verdicts, Verdict("portal TCP", "fail", f"cannot connect to {where} ({_why(exc)})", fix)]
    verdicts.append(Verdict("portal TCP", "ok", f"connected to {where}"))
    with sock:
        return verdicts + ([_tls(sock, host, context)] if https else [])


def _tls(sock: socket.socket, host: str, context: ssl.SSLContext) -> Verdict:
    try:
        with context.wrap_socket(sock, server_hostname=host) as tls:
            return Verdict("portal TLS", "ok", f"certificate of {host} verified ({tls.version()})")
    except ssl.SSLCertVerificationError as exc:
        fix = "if the network inspects TLS, get its CA's PEM file and enrol with --ca-bundle FILE"
        return Verdict("portal TLS", "fail", f"the certificate of {host} is not trusted ({exc.verify_message})", fix)
    except (ssl.SSLError, OSError) as exc:
        return Verdict("portal TLS", "fail", f"TLS handshake with {host} failed ({_why(exc)})", "check the URL's port")


def check_proxy(proxy: str, host: str, port: int, https: bool, timeout: float) -> Verdict:
    """One request through the proxy by hand: a CONNECT for https (what urllib does), a plain GET for http."""
    parts = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    where = f"{parts.hostname}:{parts.port or 8080}"
    shown = f"proxy {where}"  # never the credentials in the URL
    head = (
        f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        if https
        else (f"GET http://{host}:{port}/healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n")
    )
    if parts.username:
        secret = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
        head += f"Proxy-Authorization: Basic {base64.b64encode(secret.encode()).decode()}\r\n"
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 8080), timeout=timeout) as sock:
            sock.sendall((head + "\r\n").encode())
            status_line = sock.makefile("rb").readline(1024).decode("latin-1").strip()
    except OSError as exc:
        fix = "check the proxy address in the config or HTTPS_PROXY"
        return Verdict("proxy", "fail", f"cannot reach {shown} ({_why(exc)})", fix)
    return _proxy_verdict(status_line, shown, bool(parts.username), f"{host}:{port}")


def _proxy_verdict(status_line: str, shown: str, has_credentials: bool, target: str) -> Verdict:
    fields = status_line.split(" ", 2)
    code = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
    if code == 407:
        fix = "fix the user:password in the proxy URL (enrol with --proxy http://user:pass@host:port)"
        what = "wrong proxy credentials" if has_credentials else "the proxy wants credentials and none are set"
        return Verdict("proxy", "fail", f"{shown}: HTTP 407, {what}", fix)
    if 200 <= code < 400:  # CONNECT's 200, or the portal's own answer through the proxy
        return Verdict("proxy", "ok", f"{shown} lets this agent through to {target}")
    fix = "ask the network admin to allow the portal's address through the proxy"
    return Verdict("proxy", "fail", f"{shown} refused the way to {target} ({status_line or 'no answer'})", fix)


def _http(url: str, ca_bundle: str, proxy: str, timeout: float) -> list[Verdict]:
    from agent_client.portal import USER_AGENT, build_opener

    target = url.rstrip("/") + "/healthz"
    request = urllib.request.Request(target, headers={"User-Agent": USER_AGENT})  # noqa: S310 (http(s) checked)
    sent = time.time()
    try:
        with build_opener(ca_bundle, proxy).open(request, timeout=timeout) as response:
            status, date = response.status, response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        status, date = exc.code, exc.headers.get("Date")
    except (urllib.error.URLError, OSError) as exc:
        return [_unreachable(target, getattr(exc, "reason", exc))]
    skew = _skew(date, (sent + time.time()) / 2)
    return [_http_verdict(target, status), skew]


def _unreachable(target: str, reason: Any) -> Verdict:
    if isinstance(reason, ssl.SSLCertVerificationError):
        fix = "if the network inspects TLS, get its CA's PEM file and enrol with --ca-bundle FILE"
        return Verdict("portal HTTP", "fail", f"{target}: certificate not trusted ({reason.verify_message})", fix)
    if "407" in str(reason):
        return Verdict("portal HTTP", "fail", f"{target}: the proxy wants other credentials (407)", "fix the proxy URL")
    return Verdict("portal HTTP", "fail", f"{target} unreachable ({_why(reason)})", "is the portal up?")


def _http_verdict(target: str, status: int) -> Verdict:
    if status == 200:
        return Verdict("portal HTTP", "ok", f"{target} answered HTTP 200")
    if status == 407:
        return Verdict("portal HTTP", "fail", f"{target}: HTTP 407 from the proxy", "fix the proxy's user:password")
    if status >= 500:
        return Verdict(
            "portal HTTP", "fail", f"{target} answered HTTP {status}", "the portal is in trouble: tell the dealer"
        )
    fix = "check the portal URL: this web server is not a Meterbridge portal"
    return Verdict("portal HTTP", "fail", f"{target} answered HTTP {status}", fix)


def _skew(date: str | None, local: float) -> Verdict:
    try:
        portal_time = email.utils.parsedate_to_datetime(date or "")
    except (TypeError, ValueError):
        return Verdict("clock", "skip", "the portal sent no Date header to compare with")
    skew = local - portal_time.timestamp()
    ahead = "ahead of" if skew > 0 else "behind"
    if abs(skew) > SKEW_WARN:
        fix = "reads are time-stamped by this PC: turn on time sync (NTP / Windows Time)"
        return Verdict("clock", "warn", f"this PC is {_duration(abs(skew))} {ahead} the portal", fix)
    return Verdict("clock", "ok", f"within {_duration(max(abs(skew), 1.0))} of the portal's clock")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _why(exc: Any) -> str:
    return str(getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc or type(exc).__name__)


# --- SNMP ------------------------------------------------------------------------------------------------------


def _cached_credential(path: Path, cfg: config_mod.AgentConfig | None, address: str) -> dict[str, Any] | None:
    """The credential of the last read directive's device at that IP (kept in the outbox for offline reads)."""
    outbox_file = cfg.outbox_file(path) if cfg else path.with_name("outbox.sqlite3")
    if not outbox_file.exists():
        return None
    from agent_client.offline import LAST_READ_KEY
    from agent_client.outbox import DEFAULT_MAX_BYTES, Outbox

    try:
        outbox = Outbox(outbox_file, cfg.outbox_max_bytes if cfg else DEFAULT_MAX_BYTES)
        try:
            last = json.loads(outbox.get_state(LAST_READ_KEY) or "{}")
        finally:
            outbox.close()
        devices = last.get("params", {}).get("devices", [])
    except (OSError, ValueError, AttributeError, sqlite3.Error):  # a damaged outbox is the outbox check's business
        return None
    ip = _split_address(address)[0]
    return next(
        (
            d["credential"]
            for d in devices
            if isinstance(d, dict) and d.get("ip") == ip and isinstance(d.get("credential"), dict)
        ),
        None,
    )


def _split_address(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    return host, int(port) if port.isdigit() and 0 < int(port) < 65536 else (161 if not port else -1)


def check_snmp(address: str, credential: dict[str, Any] | None, timeout: float) -> Verdict:
    from agent_client.snmp.credentials import Credential

    ip, port = _split_address(address)
    try:
        ip = str(socket.getaddrinfo(ip, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0])
    except (OSError, UnicodeError, OverflowError) as exc:
        fix = "give the device's IPv4 address, e.g. --snmp 192.168.1.20 (or 192.168.1.20:161)"
        return Verdict(f"SNMP {address}", "fail", f"not an address this PC can reach ({_why(exc)})", fix)
    try:
        cred = Credential.from_dict(credential) if credential else Credential("doctor", "2c", "public")
    except (ValueError, TypeError) as exc:
        return Verdict(
            f"SNMP {ip}", "fail", f"the portal's credential for it is unusable ({exc})", "edit it in the portal"
        )
    used = f"SNMPv{cred.version} {'(the portal credential)' if credential else 'community public'}"
    return asyncio.run(_snmp_get(ip, port, cred, used, min(timeout, 5.0)))


async def _snmp_get(ip: str, port: int, cred: Any, used: str, timeout: float) -> Verdict:
    from agent_client.errors import SnmpAuthError, SnmpError, SnmpTimeout
    from agent_client.snmp.codec import text_of
    from agent_client.snmp.session import SnmpSession, Target

    session, name = SnmpSession(), f"SNMP {ip}" + (f":{port}" if port != 161 else "")
    try:
        varbinds = await session.get(Target(ip, port, cred, timeout, 1), [SYS_DESCR])
    except SnmpTimeout:
        fix = "is the device on, and SNMP enabled? a wrong community also gets no answer"
        return Verdict(name, "fail", f"no answer to {used} (timeout)", fix)
    except SnmpAuthError as exc:
        return Verdict(name, "fail", f"refused {used}: {exc}", "check the SNMPv3 user and keys in the portal")
    except SnmpError as exc:
        return Verdict(name, "fail", f"{used}: {exc}", "see the device's SNMP settings")
    finally:
        session.close()
    descr = (text_of(varbinds[0]) if varbinds else None) or "(empty sysDescr)"
    return Verdict(name, "ok", f"answered {used}: {descr[:120]}")
