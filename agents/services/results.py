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
from agents.models import Agent, DirectiveResult
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


MAX_LOCAL_PRINTERS = 100
LOCAL_PRINTER_TEXT = {
    "name": 200,
    "uri": 300,
    "make_model": 200,
    "state": 40,
    "state_message": 200,
    "connection": 20,
    "address": 255,
    "port": 100,
    "protocol": 10,
    "driver": 200,
    "location": 200,
}
MAX_MARKERS = 16
URI_CONNECTIONS = {
    "usb": "usb",
    "socket": "tcp",
    "ipp": "tcp",
    "ipps": "tcp",
    "lpd": "tcp",
    "http": "tcp",
    "https": "tcp",
    "smb": "network-share",
    "dnssd": "network",
    "mdns": "network",
}


def agent_local_printers_record(*, agent: Agent, payload: dict, seen_at: datetime) -> bool:
    """A discovery's `local_printers` become its agent's (docs/agent-protocol.md): at most MAX_LOCAL_PRINTERS,
    known keys only, text cut short; an entry of the wrong shape is dropped, never the result. A discovery refused
    outside its window (it looked at nothing) or from an agent that does not send them changes nothing, and an
    older result interpreted again never overwrites a newer one."""
    entries = payload.get("local_printers")
    refused = any(isinstance(e, dict) and e.get("code") == "outside_window" for e in payload.get("errors") or [])
    if not isinstance(entries, list) or refused:
        return False
    printers = [p for p in map(_local_printer, entries[: MAX_LOCAL_PRINTERS * 2]) if p][:MAX_LOCAL_PRINTERS]
    not_newer = Q(local_printers_seen_at__isnull=True) | Q(local_printers_seen_at__lte=seen_at)
    updated = Agent.objects.filter(not_newer, pk=agent.pk)
    return bool(updated.update(local_printers=printers, local_printers_seen_at=seen_at))


def _local_printer(entry) -> dict | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        return None
    if any(entry.get(key) is not None and not isinstance(entry[key], str) for key in LOCAL_PRINTER_TEXT):
        return None
    if entry.get("offline") is not None and not isinstance(entry["offline"], bool):
        return None
    printer = {key: _short(entry[key], size) if entry.get(key) else None for key, size in LOCAL_PRINTER_TEXT.items()}
    printer["connection"] = printer["connection"] or _connection_of(printer["uri"] or "")  # CUPS: by its URI
    printer["offline"] = bool(entry.get("offline"))
    markers = entry.get("markers") if isinstance(entry.get("markers"), list) else []
    printer["markers"] = [m for m in map(_marker, markers[:MAX_MARKERS]) if m]
    return printer


def _connection_of(uri: str) -> str:
    scheme = uri.partition(":")[0].lower() if "://" in uri else ""
    return URI_CONNECTIONS.get(scheme, "other")


def _marker(marker) -> dict | None:
    if not isinstance(marker, dict) or not isinstance(marker.get("name"), str):
        return None
    level = marker.get("level")
    return {
        "name": _short(marker["name"], 100),
        **{key: _short(marker[key], 40) for key in ("type", "color") if isinstance(marker.get(key), str)},
        "level": level if isinstance(level, int) and not isinstance(level, bool) and -3 <= level <= 100 else None,
    }


def _short(text: str, size: int) -> str:
    return text.replace("\x00", "").strip()[:size]
