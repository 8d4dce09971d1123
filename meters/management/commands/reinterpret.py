from datetime import UTC

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_tenants.utils import tenant_context

from agents.models import DirectiveResult
from meters.services.ingest import result_interpret
from portal.dealers.selectors import dealer_by_code


class Command(BaseCommand):
    help = "Re-run interpretation of a dealer's stored raw results, oldest first (after a profile improves)."

    def add_arguments(self, parser):
        parser.add_argument("--dealer", required=True, help="the dealer's code")
        parser.add_argument("--since", help="only results received on or after this date (YYYY-MM-DD)")

    def handle(self, *args, dealer, since, **options):
        tenant = dealer_by_code(code=dealer)
        if tenant is None:
            raise CommandError(f"No active dealer with the code '{dealer}'.")
        with tenant_context(tenant):
            results = DirectiveResult.objects.select_related("directive__site").order_by("received_at")
            if since:
                results = results.filter(received_at__gte=_since(since))
            self._run(results)

    def _run(self, results) -> None:
        totals = {"results": 0, "reads": 0, "errors": 0}
        for result in results.iterator(chunk_size=200):
            summary = result_interpret(result=result, steady=False)
            totals["results"] += 1
            totals["reads"] += summary.reads
            totals["errors"] += len(summary.errors)
        self.stdout.write(
            f"Re-interpreted {totals['results']} results: {totals['reads']} meter reads, {totals['errors']} errors."
        )


def _since(text: str):
    """A date (midnight UTC) or a full timestamp."""
    try:
        stamp = parse_datetime(text) or parse_datetime(f"{parse_date(text)}T00:00:00")
    except (TypeError, ValueError):
        stamp = None
    if stamp is None:
        raise CommandError(f"--since wants a date like 2026-11-01, not '{text}'.")
    return stamp if timezone.is_aware(stamp) else timezone.make_aware(stamp, UTC)
