"""An acknowledged result is interpreted at least once: queued after its upload commits, queued again by the
sweep when the broker was down or a worker died with it, re-run by an operator when it failed.

Queueing never fails an upload: the row is committed before the broker is asked, and a broker that does not
answer leaves `queued_at` empty for the sweep to find.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from portal.lib.queue import task_send

INTERPRET_RESULT_TASK = "meters.tasks.interpret_result"
MAX_ATTEMPTS = 5  # started this often without finishing (a worker killed each time): set aside as failed
SWEEP_BATCH = 500


def queue_again_after() -> timedelta:
    """Queued this long ago, yet neither interpreted nor failed: the message was lost (RESULT_REQUEUE_SECONDS)."""
    return timedelta(seconds=settings.RESULT_REQUEUE_SECONDS)


def first_queue_grace() -> timedelta:
    """An upload queues its own result right after its commit; the sweep leaves it that long to do so."""
    return timedelta(seconds=settings.RESULT_QUEUE_GRACE_SECONDS)


def result_queue(result: DirectiveResult) -> bool:
    """Asks a worker to interpret the result; False (logged) when the broker cannot be reached."""
    if not task_send(INTERPRET_RESULT_TASK, str(result.public_id)):
        return False
    DirectiveResult.objects.filter(pk=result.pk, status=ResultStatus.RECEIVED).update(queued_at=timezone.now())
    return True


def result_requeue_if_waiting(result: DirectiveResult) -> bool:
    """A duplicate upload of a result not yet interpreted: its first queueing may have been lost."""
    if result.status != ResultStatus.RECEIVED or (result.queued_at and not _overdue(result, timezone.now())):
        return False
    return result_queue(result)


def results_stuck(*, now: datetime | None = None):
    """Received results whose queueing failed, or that were queued long ago and are neither done nor failed."""
    now = now or timezone.now()
    never_queued = Q(queued_at__isnull=True, received_at__lt=now - first_queue_grace())
    return DirectiveResult.objects.filter(
        never_queued | Q(queued_at__lt=now - queue_again_after()), status=ResultStatus.RECEIVED
    )


def results_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat, every few minutes: results that keep killing their worker are failed; the other stuck ones queued."""
    now = now or timezone.now()
    given_up = (
        results_stuck(now=now)
        .filter(attempts__gte=MAX_ATTEMPTS)
        .update(
            status=ResultStatus.FAILED,
            error=f"Gave up after {MAX_ATTEMPTS} attempts that never finished (the worker died each time).",
        )
    )
    stuck = list(results_stuck(now=now).only("pk", "public_id").order_by("received_at")[:SWEEP_BATCH])
    queued = sum(result_queue(result) for result in stuck)
    return {"queued": queued, "not_queued": len(stuck) - queued, "failed": given_up}


def result_retry(result: DirectiveResult) -> bool:
    """An operator's re-run of a failed result: its tries start again from zero. False if it was not failed."""
    reset = DirectiveResult.objects.filter(pk=result.pk, status=ResultStatus.FAILED).update(
        status=ResultStatus.RECEIVED, attempts=0, queued_at=None, error=""
    )
    if reset:
        result_queue(result)
    return bool(reset)


def result_attempt_started(result_id: str) -> bool:
    """Counts a try before it runs (committed on its own), so a result that kills every worker is found."""
    started = DirectiveResult.objects.filter(public_id=result_id, status=ResultStatus.RECEIVED).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now()
    )
    return bool(started)


def result_attempt_interrupted(result_id: str, error: str) -> None:
    """A transient failure (database or broker): not the result's fault, so the try is given back."""
    DirectiveResult.objects.filter(public_id=result_id, status=ResultStatus.RECEIVED, attempts__gt=0).update(
        attempts=F("attempts") - 1, error=f"Will retry after: {error}"[:5000]
    )


def result_failed(result_id: str, error: str) -> None:
    DirectiveResult.objects.filter(public_id=result_id, status=ResultStatus.RECEIVED).update(
        status=ResultStatus.FAILED, error=error[:5000]
    )


def _overdue(result: DirectiveResult, now: datetime) -> bool:
    return result.queued_at is not None and result.queued_at < now - queue_again_after()
