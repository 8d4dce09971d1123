"""Fleet background work. Results are interpreted in the schema of the dealer whose agent sent them."""

import logging

from celery import shared_task
from django.db import IntegrityError, InterfaceError, OperationalError, connection
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from agents.services.results import (
    result_attempt_interrupted,
    result_attempt_started,
    result_failed,
    results_sweep,
)
from meters.services.lifecycle import devices_update_lifecycle
from meters.services.partitions import partitions_ensure
from meters.services.result_runs import result_chunk_run, result_run
from meters.services.schedules import sites_dispatch_due
from portal.lib.retry import backoff_seconds
from portal.lib.tenants import for_each_tenant

log = logging.getLogger(__name__)
INTERPRET_RESULT = "meters.tasks.interpret_result"
# Failures of the parts around the result, not of the result: the try is given back and retried with back-off.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, KombuError, RedisError, ConnectionError, TimeoutError)
# 2 s after the first failure, doubling to at most 5 minutes: the sweep catches what eight tries miss.
RETRY_BACKOFF = {"base": 2, "cap": 300}


@shared_task(name=INTERPRET_RESULT, bind=True, max_retries=8)
def interpret_result(self, result_id: str, chunk: str = "") -> dict:
    """Interprets a result once, or one `chunk` ("start-stop") of a large one (meters.services.result_runs).
    Transient errors retry with back-off (and the sweep queues it again if even that fails); a concurrent race
    on a new device's row retries as a counted try; any other error is the result's own: it is marked failed
    with the error, for an operator to see and re-run."""
    try:
        if chunk:
            summary = result_chunk_run(result_id, chunk)
            if summary is None:
                return {"skipped": "chunk done, being done, or the result no longer waiting"}
        elif not result_attempt_started(result_id):
            return {"skipped": "already interpreted or failed"}
        else:
            summary = result_run(result_id)
            if summary is None:
                result_attempt_interrupted(result_id, "another worker was interpreting it")
                return {"skipped": "being interpreted by another worker"}
    except TRANSIENT_ERRORS as exc:
        if not chunk:  # a chunk counts no try of its own: its result's tries count the deliveries that split it
            _give_back(result_id, exc)
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries, **RETRY_BACKOFF)) from exc
    except IntegrityError as exc:
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries, **RETRY_BACKOFF)) from exc
    except Exception as exc:
        log.exception("interpreting result %s failed", result_id)
        result_failed(result_id, f"{type(exc).__name__}: {exc}")
        return {"failed": type(exc).__name__}
    if summary.chunks:
        return {"chunks": summary.chunks}
    return {"devices": summary.devices, "reads": summary.reads, "new": summary.new_devices, "errors": summary.errors}


def _give_back(result_id: str, exc: Exception) -> None:
    """Drops the broken connection first; if the database is still away the try stays counted (harmless)."""
    connection.close()
    try:
        result_attempt_interrupted(result_id, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    except (OperationalError, InterfaceError):
        log.warning("result %s: could not record the interrupted try (database away)", result_id)


@shared_task
def sweep_stuck_results() -> dict[str, object]:
    """Beat, every two minutes: acknowledged results whose queueing was lost are queued again, in every dealer."""
    return for_each_tenant(lambda dealer: results_sweep())


@shared_task
def update_device_lifecycles() -> dict[str, object]:
    """Beat, daily: stale after 7 days without a read, retired from reports after 42, in every dealer."""
    return for_each_tenant(lambda dealer: devices_update_lifecycle())


@shared_task
def dispatch_due_directives() -> dict[str, object]:
    """Beat, every few minutes: queue the discoveries, reads and status scans due at each site."""
    return for_each_tenant(lambda dealer: sites_dispatch_due())


@shared_task
def ensure_meter_partitions(months_ahead: int = 3) -> dict[str, object]:
    """Beat, daily: each dealer's meter history has its month partitions three months ahead, and reads that
    waited in the DEFAULT partition move into their month. A dealer whose locks are busy is retried tomorrow."""
    return for_each_tenant(lambda dealer: _partitions_ensure_or_wait(months_ahead))


def _partitions_ensure_or_wait(months_ahead: int) -> list[str] | str:
    try:
        return partitions_ensure(months_ahead=months_ahead)
    except OperationalError as exc:  # a lock timeout: the months ahead leave time for tomorrow's run
        log.warning("meter partitions not ensured: %s", exc)
        return f"retry: {type(exc).__name__}"
