"""tenant-schemas-celery on a real worker: a task runs in the schema of the dealer that queued it."""

import pytest
from django_tenants.utils import tenant_context

from agents.models import Directive
from agents.tasks import site_request_directive
from tests.support.factories import make_site


def test_task_queued_in_dealer_a_context_reads_dealer_a_rows_on_a_real_worker(committed, celery_worker):
    acme, beta = committed["acme"].dealer, committed["beta"].dealer
    with tenant_context(acme):
        site = make_site(customer_name="Celery Customer")
        queued = site_request_directive.delay(str(site.public_id), "discover", "test")
    directive_id = queued.get(timeout=60)
    with tenant_context(acme):
        directive = Directive.objects.get(public_id=directive_id)
        assert (directive.site_id, directive.kind, directive.requested_by) == (site.pk, "discover", "test")
    with tenant_context(beta):
        assert not Directive.objects.filter(public_id=directive_id).exists()
        wrong_dealer = site_request_directive.delay(str(site.public_id), "discover")
    with pytest.raises(Exception, match="does not exist"):
        wrong_dealer.get(timeout=60)
