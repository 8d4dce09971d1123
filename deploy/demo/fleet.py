"""The demo fleet: generate simulated printers, serve them with snmpsim on loopback addresses, stop them.

    .venv/bin/python deploy/demo/fleet.py generate --out var/demo/fleet [--count 24] [--seed 1]
    .venv/bin/python deploy/demo/fleet.py serve --data var/demo/fleet --port 1161 [--pid-file F] [--log-file F]
    .venv/bin/python deploy/demo/fleet.py stop --pid-file F

One printer per loopback address (127.0.1.1, 127.0.1.2, ...), community `public`.
"""

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `deploy.demo` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from deploy.demo import layout, process


def _generate(args: argparse.Namespace) -> int:
    manifest = layout.write_fleet(
        Path(args.out),
        seed=args.seed,
        count=args.count,
        base_address=args.base_address,
        speed=args.speed,
        epoch=args.epoch,
    )
    for device in manifest["devices"]:
        print(f"{device['address']:<16} {device['vendor']:<15} {device['model']:<36} {device['serial']}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    data = Path(args.data)
    addresses = layout.addresses(data, count=args.count)
    pid_file = Path(args.pid_file) if args.pid_file else data / "snmpsim.pid"
    log_file = Path(args.log_file) if args.log_file else data / "snmpsim.log"
    pid = process.start(data, addresses, args.port, pid_file=pid_file, log_file=log_file, verbose=args.verbose)
    print(f"demo fleet: {len(addresses)} printers on {addresses[0]}..{addresses[-1]} port {args.port}, pid {pid}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    stopped = process.stop(Path(args.pid_file))
    print("demo fleet stopped" if stopped else "demo fleet was not running")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fleet.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    generate = commands.add_parser("generate", help="write snmpsim data for a simulated fleet")
    generate.add_argument("--out", required=True, help="data folder to write (its old printers are replaced)")
    generate.add_argument("--count", type=int, default=24)
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument("--base-address", default="127.0.1.0", help="printer n answers on base + n")
    generate.add_argument("--speed", type=float, default=1.0, help="print faster (tests): 60 = a minute per second")
    generate.add_argument("--epoch", type=int, default=None, help="unix time the counters start from (default now)")
    generate.set_defaults(handler=_generate)
    serve = commands.add_parser("serve", help="start snmpsim in the background for a generated fleet")
    serve.add_argument("--data", required=True)
    serve.add_argument("--port", type=int, default=1161)
    serve.add_argument("--count", type=int, default=None, help="serve only the first N printers")
    serve.add_argument("--pid-file", default=None, help="default: DATA/snmpsim.pid")
    serve.add_argument("--log-file", default=None, help="default: DATA/snmpsim.log")
    serve.add_argument("--verbose", action="store_true", help="log every request")
    serve.set_defaults(handler=_serve)
    stop = commands.add_parser("stop", help="stop a fleet started with serve")
    stop.add_argument("--pid-file", required=True)
    stop.set_defaults(handler=_stop)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (process.FleetError, layout.FleetError) as exc:
        print(f"fleet.py: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
