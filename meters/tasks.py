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
from meters.services.result_runs import result_run
from meters.services.schedules import sites_dispatch_due
from portal.lib.tenants import for_each_tenant

log = logging.getLogger(__name__)
INTERPRET_RESULT = "meters.tasks.interpret_result"
# Failures of the parts around the result, not of the result: the try is given back and retried with back-off.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, KombuError, RedisError, ConnectionError, TimeoutError)
RETRY_BACKOFF_MAX = 300


@shared_task(name=INTERPRET_RESULT, bind=True, max_retries=8)
def interpret_result(self, result_id: str) -> dict:
    """Interprets a result once. Transient errors retry with back-off (and the sweep queues it again if even
    that fails); a concurrent race on a new device's row retries as a counted try; any other error is the
    result's own: it is marked failed with the error, for an operator to see and re-run."""
    try:
        if not result_attempt_started(result_id):
            return {"skipped": "already interpreted or failed"}
        summary = result_run(result_id)
        if summary is None:
            result_attempt_interrupted(result_id, "another worker was interpreting it")
            return {"skipped": "being interpreted by another worker"}
    except TRANSIENT_ERRORS as exc:
        _give_back(result_id, exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except IntegrityError as exc:
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    except Exception as exc:
        log.exception("interpreting result %s failed", result_id)
        result_failed(result_id, f"{type(exc).__name__}: {exc}")
        return {"failed": type(exc).__name__}
    return {"devices": summary.devices, "reads": summary.reads, "new": summary.new_devices, "errors": summary.errors}


def _give_back(result_id: str, exc: Exception) -> None:
    """Drops the broken connection first; if the database is still away the try stays counted (harmless)."""
    connection.close()
    try:
        result_attempt_interrupted(result_id, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    except (OperationalError, InterfaceError):
        log.warning("result %s: could not record the interrupted try (database away)", result_id)


def _backoff(retries: int) -> int:
    return min(RETRY_BACKOFF_MAX, 2 ** (retries + 1))


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
