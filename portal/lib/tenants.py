"""The one place beat fan-out switches schemas: run a function once per active dealer."""

from collections.abc import Callable

from django_tenants.utils import tenant_context

from portal.dealers.models import Dealer


def active_dealers():
    return Dealer.objects.filter(is_active=True).exclude(schema_name="public").order_by("pk")


def for_each_tenant(func: Callable[[Dealer], object]) -> dict[str, object]:
    results = {}
    for dealer in active_dealers():
        with tenant_context(dealer):
            results[dealer.code] = func(dealer)
    return results
