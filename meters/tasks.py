"""Fleet background work. Results are interpreted in the schema of the dealer whose agent sent them."""

from celery import shared_task

from agents.models import DirectiveResult
from meters.services.ingest import result_interpret
from meters.services.lifecycle import devices_update_lifecycle
from meters.services.schedules import sites_dispatch_due
from portal.lib.tenants import for_each_tenant

INTERPRET_RESULT = "meters.tasks.interpret_result"


@shared_task(name=INTERPRET_RESULT, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def interpret_result(result_id: str) -> dict:
    result = DirectiveResult.objects.select_related("directive__site").get(public_id=result_id)
    summary = result_interpret(result=result)
    return {"devices": summary.devices, "reads": summary.reads, "new": summary.new_devices, "errors": summary.errors}


@shared_task
def update_device_lifecycles() -> dict[str, object]:
    """Beat, daily: stale after 7 days without a read, retired from reports after 42, in every dealer."""
    return for_each_tenant(lambda dealer: devices_update_lifecycle())


@shared_task
def dispatch_due_directives() -> dict[str, object]:
    """Beat, every few minutes: queue the discoveries, reads and status scans due at each site."""
    return for_each_tenant(lambda dealer: sites_dispatch_due())
