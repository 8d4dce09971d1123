"""Celery queues by kind of work, so that each kind gets its own workers, on their own hosts as a dealer base grows:
interpreting agents' results never waits behind a 10,000-device report, and email never waits behind either.

A queue is named `<prefix>.<kind>`. The prefix is MB_CELERY_QUEUE (default "meterbridge"): parallel test sessions and
benchmarks on one broker never share queues. Workers take `-Q` from `queues_arg` (deploy/portal/meterbridge-worker@
.service runs one kind per unit). No Django here: settings import it.
"""

from __future__ import annotations

from typing import Any

RESULTS, REPORTS, EMAIL, PERIODIC = "results", "reports", "email", "periodic"
KINDS = (RESULTS, REPORTS, EMAIL, PERIODIC)
# Beat's fan-out (dispatchers, sweeps, the heartbeat) and anything not named here go to PERIODIC.
ROUTES = {
    "meters.tasks.interpret_result": RESULTS,
    "reports.tasks.run_report": REPORTS,
    "reports.tasks.send_email": EMAIL,
    "reports.tasks.notify_new_devices": EMAIL,
    "portal.accounts.tasks.send_password_reset": EMAIL,
}


def queue_name(prefix: str, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown queue kind {kind!r}; one of {', '.join(KINDS)}")
    return f"{prefix}.{kind}"


def default_queue(prefix: str) -> str:
    return queue_name(prefix, PERIODIC)


def task_routes(prefix: str) -> dict[str, dict[str, str]]:
    return {task: {"queue": queue_name(prefix, kind)} for task, kind in ROUTES.items()}


def queues_arg(prefix: str, kinds: tuple[str, ...] = KINDS) -> str:
    """The worker's `-Q` value: every kind by default (one worker does it all, as in the demo and the tests)."""
    return ",".join(queue_name(prefix, kind) for kind in kinds)


def route_to(app: Any, prefix: str) -> None:
    """Points a Celery app's sending at the queues of `prefix` (tests switch an app to their own queues)."""
    routing_set(app, default_queue(prefix), task_routes(prefix))


def routing_set(app: Any, default: str, routes: Any) -> None:
    app.conf.task_default_queue, app.conf.task_routes = default, routes
    # Celery reads the routes once into its router: read them again (the router is rebuilt on next use).
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def main(argv: list[str]) -> int:
    """`python -m portal.queues PREFIX [KIND...]` prints the `-Q` value, for shell scripts and unit files."""
    prefix, *kinds = argv or ["meterbridge"]
    print(queues_arg(prefix, tuple(kinds) or KINDS))
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
