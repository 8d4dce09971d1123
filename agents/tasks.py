"""Agent-side background work. Tasks queued from a dealer's request run in that dealer's schema."""

from celery import shared_task

from agents.models import Site
from agents.services.directives import directive_request, directives_requeue_expired
from portal.lib.tenants import for_each_tenant


@shared_task
def site_request_directive(site_id: str, kind: str, requested_by: str = "schedule") -> str:
    """Queues a directive for one site of the current dealer; returns its id."""
    site = Site.objects.get(public_id=site_id)
    return str(directive_request(site=site, kind=kind, requested_by=requested_by).public_id)


@shared_task
def requeue_expired_leases() -> dict[str, object]:
    """Beat: directives whose agent never answered go back to pending, in every dealer's schema."""
    return for_each_tenant(lambda dealer: directives_requeue_expired())
