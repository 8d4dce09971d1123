"""`make demo`'s steps inside the portal, run by deploy/demo.py with the demo's environment:

    python -m deploy.demo.portal_cli site --targets 127.0.1.0/27 --port 1161   # prints a fresh licence key
    python -m deploy.demo.portal_cli reads --every 120                        # queues reads until stopped

Django is set up in main(), never at import, and before portal_data (which imports the apps) is loaded.
"""

import argparse
import os
import sys
import time

DEMO_DEALER = "demo"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dealer", default=DEMO_DEALER)
    steps = parser.add_subparsers(dest="step", required=True)
    site = steps.add_parser("site", help="the demo customer and site; prints a fresh licence key")
    site.add_argument("--targets", required=True, help="what the site's agent sweeps, e.g. 127.0.1.0/27")
    site.add_argument("--port", type=int, default=1161)
    reads = steps.add_parser("reads", help="queue a meter read at every demo site every few minutes")
    reads.add_argument("--every", type=int, default=120, help="seconds between reads")
    reads.add_argument("--once", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")
    import django

    django.setup()
    from deploy.demo import portal_data  # the apps load only once Django is set up

    try:
        if args.step == "site":
            print(portal_data.demo_site_ensure(dealer_code=args.dealer, targets=args.targets, port=args.port))
            return 0
        while True:
            print(f"queued reads for {portal_data.demo_reads_queue(dealer_code=args.dealer)} site(s)", flush=True)
            if args.once:
                return 0
            time.sleep(args.every)
    except portal_data.NoDealer as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
