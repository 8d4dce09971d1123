"""Reads for the customers, sites, agents and directives pages and the dealer API's lists. Views filter them with
agents/filtersets.py; writes are in agents/services/."""

from django.db.models import Count, F, Prefetch, Q, QuerySet, Subquery

from agents.choices import DirectiveKind
from agents.models import Agent, Customer, Directive, DirectiveResult, Site, SnmpCredential


def customer_list() -> QuerySet[Customer]:
    """Every customer, archived too (the filter set hides those unless asked), with its count of active sites."""
    active_sites = Count("sites", filter=Q(sites__archived_at__isnull=True), distinct=True)
    return Customer.objects.annotate(site_count=active_sites).order_by("name")


def customer_sites(*, customer: Customer) -> QuerySet[Site]:
    """The customer page's sites: active first, with their agents."""
    return customer.sites.order_by("archived_at", "name").prefetch_related("agents")


def _results_newest_first() -> Prefetch:
    # The payload can be megabytes: lists show a result's state and error, never its contents.
    return Prefetch("results", queryset=DirectiveResult.objects.defer("payload").order_by("-received_at"))


def site_directives(*, site: Site, limit: int = 10) -> QuerySet[Directive]:
    """The site page's latest work (model ordering: newest first), each with its results."""
    return site.directives.select_related("leased_by").prefetch_related(_results_newest_first())[:limit]


def site_discovery_latest(*, site: Site) -> Directive | None:
    return site.directives.filter(kind=DirectiveKind.DISCOVER).order_by("-created_at").first()


def agent_list() -> QuerySet[Agent]:
    """The agents page: the most recently heard from first."""
    return Agent.objects.select_related("site", "site__customer").order_by("-last_seen_at")


def directive_list() -> QuerySet[Directive]:
    """The API's directives, newest first, each with its results."""
    directives = Directive.objects.select_related("site").prefetch_related(_results_newest_first())
    return directives.order_by("-created_at", "-pk")


def credentials_tried(queryset: QuerySet[SnmpCredential], *, site_public_id) -> QuerySet[SnmpCredential]:
    """What the site's agent tries, in the order tried: the site's own, then its customer's (as
    services.credentials.site_credentials, as one query the API can page)."""
    customer = Subquery(Site.objects.filter(public_id=site_public_id).values("customer_id")[:1])
    tried = queryset.filter(Q(site__public_id=site_public_id) | Q(customer_id=customer))
    return tried.order_by(F("site_id").asc(nulls_last=True), "position", "pk")
