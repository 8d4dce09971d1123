"""`meterbridge-agent`: enroll, run, scan, status, outbox. Config and clients are built here, never at import."""

from __future__ import annotations

import argparse
import asyncio
import functools
import getpass
import json
import logging
import os
import platform
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_client import __version__
from agent_client import config as config_mod
from agent_client.errors import AgentError
from agent_client.outbox import Outbox


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        return int(args.func(args))
    except AgentError as exc:
        print(f"meterbridge-agent: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meterbridge-agent", description="Meterbridge printer agent")
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--config", type=Path, default=None, help="config file (default: per-OS location)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    _enroll_parser(sub)
    run = sub.add_parser("run", help="the service loop")
    run.add_argument("--once", action="store_true", help="one heartbeat + poll + run + post cycle, then exit")
    run.add_argument("--stop-file", type=Path, help="stop cleanly once this file exists (Windows has no SIGTERM)")
    run.set_defaults(func=cmd_run)
    sub.add_parser("status", help="portal, last contact, last results, outbox depth").set_defaults(func=cmd_status)
    _outbox_parser(sub)
    from agent_client.scan import add_scan_parser  # the SNMP stack loads only for scan

    add_scan_parser(sub)
    from agent_client.doctor import add_doctor_parser

    add_doctor_parser(sub)
    from agent_client.windows.cli import add_windows_parser

    add_windows_parser(sub)
    return parser


def _enroll_parser(sub: Any) -> None:
    enroll = sub.add_parser("enroll", help="enrol this agent with the dealer's portal")
    add_enroll_arguments(enroll, portal_required=True)
    enroll.set_defaults(func=cmd_enroll)


def add_enroll_arguments(enroll: argparse.ArgumentParser, portal_required: bool) -> None:
    """Also `windows install`'s, which enrols as one of its steps."""
    enroll.add_argument("--portal", required=portal_required, help="portal URL, e.g. https://portal.example.com")
    enroll.add_argument("--key", help="licence key ('-' reads it from stdin; default: MB_LICENSE_KEY or a prompt)")
    enroll.add_argument("--dealer", help="dealer id (the 'Get Licence Key' flow, instead of --key)")
    enroll.add_argument(
        "--enrollment-password", help="dealer's enrolment password (default: MB_ENROLLMENT_PASSWORD or a prompt)"
    )
    enroll.add_argument("--customer", help="customer name (with --dealer)")
    enroll.add_argument("--site", help="site name (with --dealer)")
    enroll.add_argument("--report-email", action="append", default=[], help="report recipient (repeatable)")
    enroll.add_argument("--time-zone", help="site time zone, e.g. Europe/Berlin")
    enroll.add_argument(
        "--name", default="", help="what to call this agent, e.g. 'Reception PC' (default: '<hostname> @ <site>')"
    )
    enroll.add_argument("--ca-bundle", default="", help="PEM file of CAs to trust for the portal")
    enroll.add_argument("--proxy", default="", help="http://user:pass@proxy:3128 (default: HTTPS_PROXY)")


def _outbox_parser(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="results the portal kept refusing, set aside")
    actions = outbox.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("set-aside", help="list them (directive, status, reason, when)").set_defaults(
        func=cmd_outbox_list
    )
    actions.add_parser("retry-set-aside", help="queue them again for the next upload").set_defaults(
        func=cmd_outbox_retry
    )


def config_path(args: argparse.Namespace) -> Path:
    return Path(args.config) if args.config else config_mod.default_config_path()


def cmd_enroll(args: argparse.Namespace) -> int:
    from agent_client.portal import PortalClient

    client = PortalClient(args.portal, ca_bundle=args.ca_bundle, proxy=args.proxy)
    key = _license_key(args, client)
    os_name = f"{platform.system()} {platform.release()} {platform.machine()}"
    answer = client.enroll(key, platform.node(), os_name, name=args.name.strip())
    cfg = config_mod.AgentConfig(
        portal_url=args.portal,
        token=str(answer["token"]),
        agent_id=str(answer.get("agent_id", "")),
        dealer=str((answer.get("dealer") or {}).get("code", "")),
        site=str((answer.get("site") or {}).get("name", "")),
        poll_interval=int(answer.get("poll_interval", 300)),
        ca_bundle=args.ca_bundle,
        proxy=args.proxy,
    )
    path = config_path(args)
    config_mod.save(path, cfg)
    print(f"enrolled: agent {cfg.agent_id} for dealer {cfg.dealer or '?'}, site {cfg.site or '?'}; config {path}")
    return 0


def _license_key(args: argparse.Namespace, client: Any) -> str:
    if args.dealer:
        password = (
            args.enrollment_password
            or os.environ.get("MB_ENROLLMENT_PASSWORD")
            or getpass.getpass("Enrolment password: ")
        )
        payload = {
            "dealer": args.dealer,
            "enrollment_password": password,
            "customer_name": args.customer or "",
            "report_emails": args.report_email,
        }
        payload |= {k: v for k, v in (("site_name", args.site), ("time_zone", args.time_zone)) if v}
        return str(client.register(payload)["license_key"])
    if args.key == "-":
        return sys.stdin.readline().strip()
    return args.key or os.environ.get("MB_LICENSE_KEY") or getpass.getpass("Licence key: ")


def cmd_run(args: argparse.Namespace) -> int:
    from agent_client.portal import PortalClient
    from agent_client.service import Agent, run_service

    path = config_path(args)
    cfg = config_mod.load(path)
    save_token = functools.partial(config_mod.save_token, path)  # a rotated token lands in this config file
    client = PortalClient(cfg.portal_url, cfg.token, cfg.ca_bundle, cfg.proxy, save_token=save_token)
    outbox = Outbox(cfg.outbox_file(path), cfg.outbox_max_bytes)
    try:
        agent = Agent(client, outbox, cfg.poll_interval)
        asyncio.run(run_service(agent, once=args.once, stop_file=args.stop_file))
    finally:
        outbox.close()
    return 0


def open_outbox(args: argparse.Namespace) -> tuple[config_mod.AgentConfig, Outbox]:
    path = config_path(args)
    cfg = config_mod.load(path)
    return cfg, Outbox(cfg.outbox_file(path), cfg.outbox_max_bytes)


def cmd_status(args: argparse.Namespace) -> int:
    cfg, outbox = open_outbox(args)
    try:
        status = {
            "portal": cfg.portal_url,
            "agent_id": cfg.agent_id,
            "dealer": cfg.dealer,
            "site": cfg.site,
            "last_contact": outbox.get_state("last_contact"),
            "last_result": outbox.get_state("last_result"),
            "last_error": outbox.get_state("last_error"),
            "outbox_depth": outbox.depth(),
            "outbox_dropped": outbox.dropped(),
            "outbox_set_aside": outbox.set_aside_count(),
        }
    finally:
        outbox.close()
    print(json.dumps(status, indent=2) if getattr(args, "json", False) else _status_text(status))
    return 0


def _status_text(status: dict[str, Any]) -> str:
    return "\n".join(
        f"{key.replace('_', ' '):<15} {'-' if value in (None, '') else value}" for key, value in status.items()
    )


def cmd_outbox_list(args: argparse.Namespace) -> int:
    _cfg, outbox = open_outbox(args)
    try:
        entries = outbox.set_aside_detail(limit=1000)
    finally:
        outbox.close()
    for entry in entries:
        print(
            f"{entry['at']}  {entry['kind']:<8} {entry['directive_id']:<36}  HTTP {entry['status']}  {entry['reason']}"
        )
    print(f"{len(entries)} set aside" if entries else "nothing set aside")
    return 0


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    """The portal was fixed (or the result was): the running service sends them on its next cycle."""
    _cfg, outbox = open_outbox(args)
    try:
        moved = outbox.retry_set_aside()
    finally:
        outbox.close()
    print(f"{moved} set-aside result(s) queued again; the service sends them on its next cycle")
    return 0
