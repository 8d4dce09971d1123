from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from agents.services.results import result_retry, results_sweep
from portal.dealers.selectors import dealer_by_code
from portal.lib.ids import is_uuid


class Command(BaseCommand):
    help = (
        "Interpret a dealer's failed results again, after their cause was fixed (every failed one, or one by its "
        "id), and queue the ones waiting too long. Each result is interpreted once however often this runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dealer", required=True, help="the dealer's code")
        parser.add_argument("--result", help="only this result (its id)")

    def handle(self, *args, dealer, result, **options):
        tenant = dealer_by_code(code=dealer)
        if tenant is None:
            raise CommandError(f"No active dealer with the code '{dealer}'.")
        if result and not is_uuid(result):
            raise CommandError(f"--result wants a result id (a UUID), not '{result}'.")
        with tenant_context(tenant):
            failed = DirectiveResult.objects.filter(status=ResultStatus.FAILED).order_by("received_at")
            if result:
                failed = failed.filter(public_id=result)
            for row in failed:
                self.stdout.write(f"{row.public_id}: was failed: {row.error.splitlines()[0] if row.error else ''}")
            retried = sum(result_retry(row) for row in failed)
            swept = results_sweep() if not result else {"queued": 0}
        self.stdout.write(f"Queued {retried} failed results again and {swept['queued']} waiting ones.")
