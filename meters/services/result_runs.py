"""One stored result interpreted exactly once, however often its task is delivered (at least once: see
agents.services.results).

A large read or status result is interpreted as chunks of its devices, each a task of its own on the results
queue, so that several worker processes (on several hosts) share one upload. The plan of chunks is kept in the
result's payload (CHUNKS: "start-stop" -> null until done); each chunk runs in its own transaction, which also
marks it done, so a chunk delivered twice is interpreted once. The chunk that finds every other one done marks
the result interpreted. Discoveries are never split: their devices are created, and the new-device email
queued, once per result.
"""

import json
import os

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agents.choices import DirectiveKind, ResultStatus
from agents.models import DirectiveResult
from agents.services.deltas import is_delta
from meters.services.ingest import IngestSummary, reads_ingest, result_interpret
from portal.lib.collector import without_collector
from portal.lib.queue import task_send

INTERPRET_RESULT_TASK = "meters.tasks.interpret_result"
CHUNKS = "interpretation_chunks"

SPLIT_KINDS = (DirectiveKind.READ, DirectiveKind.STATUS)

# A chunk done is progress: the stuck-results sweep counts its wait from the last one, so a large result still
# being worked through is not queued again (nor failed) while its chunks finish.
_CHUNK_DONE_SQL = """
UPDATE agents_directiveresult SET payload = jsonb_set(payload, ARRAY[%(plan)s, %(chunk)s], %(done)s::jsonb),
    queued_at = now()
WHERE id = %(pk)s RETURNING (payload -> %(plan)s)::text
"""
# Entries the chunk interpreted in full are stored whole (position -> entry), as result_interpret stores them.
_WHOLE_SQL = """
UPDATE agents_directiveresult SET payload = jsonb_set(payload, '{devices}', (
    SELECT coalesce(jsonb_agg(coalesce(%(whole)s::jsonb -> (d.n - 1)::text, d.e) ORDER BY d.n), '[]'::jsonb)
    FROM jsonb_array_elements(payload -> 'devices') WITH ORDINALITY AS d(e, n)))
WHERE id = %(pk)s
"""


@without_collector  # loading and interpreting a large payload: portal.lib.collector
def result_run(result_id: str) -> IngestSummary | None:
    """Interprets a received result in one transaction that holds its row, or splits it into chunks queued for
    any worker. A second delivery while it runs skips it (None), one after it finished finds it interpreted
    (None), and a worker killed half-way leaves nothing behind: the next delivery starts from scratch and
    counts every device it finds new again (a split result: queues the chunks not yet done again)."""
    with transaction.atomic():
        result = (
            DirectiveResult.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("directive__site")
            .filter(public_id=result_id, status=ResultStatus.RECEIVED)
            .first()
        )
        if result is None:
            return None
        plan = _chunk_plan(result)
        if plan is None:
            return result_interpret(result=result)
        return _chunks_queue(result, plan)


def chunk_size() -> int:
    return settings.RESULT_CHUNK_DEVICES


def _chunk_plan(result: DirectiveResult) -> dict | None:
    """The result's chunks ("start-stop" -> null, or what the chunk did), or None to interpret it whole."""
    payload = result.payload if isinstance(result.payload, dict) else {}
    if isinstance(payload.get(CHUNKS), dict):
        return payload[CHUNKS]  # planned by an earlier delivery: the same chunks
    devices, size = payload.get("devices"), chunk_size()
    if result.directive.kind not in SPLIT_KINDS or not isinstance(devices, list) or len(devices) <= size:
        return None
    plan = {f"{start}-{min(start + size, len(devices))}": None for start in range(0, len(devices), size)}
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agents_directiveresult SET payload = jsonb_set(payload, ARRAY[%s], %s::jsonb) WHERE id = %s",
            [CHUNKS, json.dumps(plan), result.pk],
        )
    return plan


def _chunks_queue(result: DirectiveResult, plan: dict) -> IngestSummary:
    """Queues every chunk not done yet, once the plan is committed."""
    result_id, waiting = str(result.public_id), [chunk for chunk, done in plan.items() if done is None]
    transaction.on_commit(lambda: [task_send(INTERPRET_RESULT_TASK, result_id, chunk) for chunk in waiting])
    return IngestSummary(chunks=len(plan))


@without_collector
def result_chunk_run(result_id: str, chunk: str) -> IngestSummary | None:
    """Interprets one chunk of a split result, in one transaction that also marks it done; the last chunk marks
    the result interpreted. None when the chunk is done, being done by another worker, or not of this result."""
    with transaction.atomic():
        if not _chunk_lock(result_id, chunk):
            return None
        result = (
            DirectiveResult.objects.select_related("directive__site")
            .filter(public_id=result_id, status=ResultStatus.RECEIVED)
            .first()
        )
        plan = (result.payload.get(CHUNKS) if result and isinstance(result.payload, dict) else None) or {}
        if chunk not in plan or plan[chunk] is not None:
            return None
        start, stop = (int(n) for n in chunk.split("-"))
        part = result.payload["devices"][start:stop]
        changes_only = [n for n, entry in enumerate(part) if is_delta(entry)]
        summary = reads_ingest(result, {**result.payload, "devices": part})
        whole = {str(start + n): part[n] for n in changes_only if not is_delta(part[n])}
        _chunk_done(result, chunk, summary, whole)
        return summary


def _chunk_lock(result_id: str, chunk: str) -> bool:
    """A transaction lock on (result, chunk): a second delivery of a chunk being interpreted skips it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s), hashtext(%s))", [result_id, chunk])
        return cursor.fetchone()[0]


def _chunk_done(result: DirectiveResult, chunk: str, summary: IngestSummary, whole: dict) -> None:
    """Marks the chunk done (with what it did and which process did it), and the result interpreted when it was
    the last. The result's row is locked from here to the commit: chunks finishing together take turns."""
    done = {
        "devices": summary.devices,
        "reads": summary.reads,
        "errors": summary.errors[:100],
        "pid": os.getpid(),
        "at": timezone.now().isoformat(),
    }
    with connection.cursor() as cursor:
        if whole:
            cursor.execute(_WHOLE_SQL, {"whole": json.dumps(whole), "pk": result.pk})
        cursor.execute(_CHUNK_DONE_SQL, {"plan": CHUNKS, "chunk": chunk, "done": json.dumps(done), "pk": result.pk})
        plan = json.loads(cursor.fetchone()[0])
    if all(value is not None for value in plan.values()):
        errors = [error for value in plan.values() for error in value.get("errors") or []]
        DirectiveResult.objects.filter(pk=result.pk).update(
            status=ResultStatus.INTERPRETED, interpreted_at=timezone.now(), error="\n".join(errors)[:5000]
        )
