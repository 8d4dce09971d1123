"""One stored result interpreted exactly once, however often its task is delivered (at least once: see
agents.services.results)."""

from django.db import transaction

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from meters.services.ingest import IngestSummary, result_interpret


def result_run(result_id: str) -> IngestSummary | None:
    """Interprets a received result in one transaction that holds its row. A second delivery while it runs
    skips it (None), one after it finished finds it interpreted (None), and a worker killed half-way leaves
    nothing behind: the next delivery starts from scratch and counts every device it finds new again."""
    with transaction.atomic():
        result = (
            DirectiveResult.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("directive__site")
            .filter(public_id=result_id, status=ResultStatus.RECEIVED)
            .first()
        )
        if result is None:
            return None
        return result_interpret(result=result)
