"""The SNMP credentials panel of the customer and site pages, with what the last "Test" of each said."""

from django import template

from agents.models import Customer, Site
from agents.services.credentials import credential_title, credentials_testing, site_credentials, test_outcome

register = template.Library()


def credentials_panel_context(*, site: Site | None = None, customer: Customer | None = None) -> dict:
    """A site's panel lists what its agent tries, in order: its own, then its customer's (edited there)."""
    if site is not None:
        rows, customer = site_credentials(site), site.customer
    else:
        rows = list(customer.snmp_credentials.filter(site__isnull=True).order_by("position", "pk"))
    testing = credentials_testing(rows)
    for row in rows:
        row.title, row.outcome = credential_title(row), test_outcome(row.last_test)
        row.testing, row.inherited = row.pk in testing, site is not None and row.site_id is None
    return {
        "rows": rows,
        "own_count": sum(1 for row in rows if not row.inherited),
        "site": site,
        "customer": customer,
        "any_testing": bool(testing),
        "test_sites": [] if site is not None else list(customer.sites.active().order_by("name")),
    }


@register.inclusion_tag("agents/includes/snmp_credentials.html", takes_context=True)
def snmp_credentials_panel(context, site: Site | None = None, customer: Customer | None = None) -> dict:
    page = {name: context.get(name) for name in ("user", "request", "csrf_token")}
    return {**credentials_panel_context(site=site, customer=customer), **page}


@register.inclusion_tag("agents/includes/test_badge.html")
def test_badge(outcome, testing: bool = False) -> dict:
    return {"outcome": outcome, "testing": testing}
