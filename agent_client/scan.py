"""`meterbridge-agent scan`: a one-off discovery from the command line, no portal needed."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from agent_client.snmp.credentials import AUTH_PROTOCOLS, PRIV_PROTOCOLS


def add_scan_parser(sub: Any) -> None:
    scan = sub.add_parser("scan", help="find printers now and print what they report")
    scan.add_argument("targets", nargs="+", help="CIDRs, ranges (10.0.0.5-40), addresses or host names")
    scan.add_argument("--community", action="append", default=[], help="SNMPv1/v2c community (repeatable)")
    scan.add_argument("--snmp-version", choices=("1", "2c"), default="2c", help="version for the communities")
    scan.add_argument("--v3-user", help="SNMPv3 user (tried after the communities)")
    scan.add_argument("--v3-auth-proto", choices=AUTH_PROTOCOLS, default="SHA")
    scan.add_argument("--v3-auth-key", default="")
    scan.add_argument("--v3-priv-proto", choices=PRIV_PROTOCOLS)
    scan.add_argument("--v3-priv-key", default="")
    scan.add_argument("--v3-context", default="")
    scan.add_argument("--port", type=int, default=161)
    scan.add_argument("--timeout", type=float, default=1.0, help="seconds per attempt")
    scan.add_argument("--retries", type=int, default=1)
    scan.add_argument("--concurrency", type=int, default=256, help="addresses in flight")
    scan.add_argument("--rate-limit", type=float, default=0, help="packets per second, 0 = no limit")
    scan.add_argument("--exclude", action="append", default=[], help="address, range or CIDR to skip")
    scan.add_argument("--broadcast", action="store_true", help="also broadcast on the host's own networks")
    scan.add_argument("--all", action="store_true", help="list every SNMP responder, not only printers")
    scan.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    scan.set_defaults(func=cmd_scan)


def credentials(args: argparse.Namespace) -> list[dict[str, Any]]:
    communities = args.community or ([] if args.v3_user else ["public"])
    creds: list[dict[str, Any]] = [
        {"id": f"c{i}", "version": args.snmp_version, "community": c} for i, c in enumerate(communities, 1)
    ]
    if args.v3_user:
        creds.append(
            {
                "id": "v3",
                "version": "3",
                "user": args.v3_user,
                "context": args.v3_context,
                "auth_protocol": args.v3_auth_proto if args.v3_auth_key else None,
                "auth_key": args.v3_auth_key,
                "priv_protocol": args.v3_priv_proto if args.v3_priv_key else None,
                "priv_key": args.v3_priv_key,
            }
        )
    return creds


def cmd_scan(args: argparse.Namespace) -> int:
    from agent_client.discovery.identity import METER_WALK, scan_row
    from agent_client.output import ProgressBar, table
    from agent_client.runner import run_discover
    from agent_client.snmp.session import SnmpSession

    # No portal reads the meters after a scan, and its table shows them: they are walked with the identity.
    params = {
        "targets": args.targets,
        "exclude": args.exclude,
        "credentials": credentials(args),
        "port": args.port,
        "timeout": args.timeout,
        "retries": args.retries,
        "concurrency": args.concurrency,
        "rate_limit": args.rate_limit,
        "broadcast": args.broadcast,
        "identity": {"walk": METER_WALK},
    }
    progress = ProgressBar(enabled=False if args.json or not sys.stdout.isatty() else None)

    async def scan() -> dict[str, Any]:
        session = SnmpSession()
        try:
            return await run_discover(params, session, progress)
        finally:
            session.close()

    result = asyncio.run(scan())
    rows = [scan_row(d) for d in result["devices"] if args.all or d["is_printer"]]
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    for error in result["errors"]:
        print(f"warning: {error['target']}: {error['message']}", file=sys.stderr)
    return 0
