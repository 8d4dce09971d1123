"""One filter set per list, shared by the dealer API and the page that lists the same rows (NetBox's habit, as
meters/filtersets.py). The parameters and their refusals are the ones the API had before these sets: a value
that is not an id or not a choice answers 400 with the reason."""

import django_filters
from django.db.models import Q

from agents.choices import DirectiveKind, DirectiveStatus
from agents.models import Agent, Customer, Directive, LicenseKey, Site, SnmpCredential
from agents.selectors import credentials_tried
from portal.lib.filters import PublicIdFilter, choice_filter


class ActiveUnlessAskedFilterSet(django_filters.FilterSet):
    """Archived rows are history: listed only with `?archived=true`; otherwise the active ones."""

    archived = django_filters.CharFilter(method="keep", help_text="`true`: archived ones too.")

    def filter_queryset(self, queryset):
        if not self.archived_asked():  # runs with no parameter at all, which a declared filter never does
            queryset = queryset.active()
        return super().filter_queryset(queryset)

    def archived_asked(self) -> bool:
        return self.form.cleaned_data.get("archived") == "true"

    def keep(self, queryset, name, value):
        return queryset  # read by filter_queryset


class CustomerFilterSet(ActiveUnlessAskedFilterSet):
    """The customers page (`?q=`, `?show=all`) and GET /api/v1/customers/ (`?archived=true`)."""

    q = django_filters.CharFilter(method="search", label="Search", help_text="Part of the name or account number.")
    show = django_filters.CharFilter(method="keep", help_text="`all`: archived ones too (the customers page's).")

    class Meta:
        model = Customer
        fields = ["q", "archived", "show"]

    def archived_asked(self) -> bool:
        return super().archived_asked() or self.form.cleaned_data.get("show") == "all"

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(account_number__icontains=value)) if value else queryset


class SiteFilterSet(ActiveUnlessAskedFilterSet):
    customer = PublicIdFilter(field_name="customer__public_id", help_text="One customer's sites.")

    class Meta:
        model = Site
        fields = ["customer", "archived"]


class LicenseKeyFilterSet(django_filters.FilterSet):
    site = PublicIdFilter(field_name="site__public_id", help_text="One site's keys.")

    class Meta:
        model = LicenseKey
        fields = ["site"]


class AgentFilterSet(django_filters.FilterSet):
    """The agents page and GET /api/v1/agents/."""

    site = PublicIdFilter(field_name="site__public_id", help_text="One site's agents.")

    class Meta:
        model = Agent
        fields = ["site"]


class DirectiveFilterSet(django_filters.FilterSet):
    site = PublicIdFilter(field_name="site__public_id", help_text="One site's directives.")
    kind = choice_filter(DirectiveKind)
    status = choice_filter(DirectiveStatus)

    class Meta:
        model = Directive
        fields = ["site", "kind", "status"]


class SnmpCredentialFilterSet(django_filters.FilterSet):
    site = PublicIdFilter(method="filter_site", help_text="A site's own credentials.")
    customer = PublicIdFilter(field_name="customer__public_id", help_text="A customer's credentials (all its sites).")
    effective = django_filters.CharFilter(
        method="keep",
        help_text="`true`, with `site`: every credential its agent tries, in the order tried (the site's own, then "
        "its customer's).",
    )

    class Meta:
        model = SnmpCredential
        fields = ["site", "customer", "effective"]

    def filter_site(self, queryset, name, value):
        if self.form.cleaned_data.get("effective") == "true":
            return credentials_tried(queryset, site_public_id=value)
        return queryset.filter(site__public_id=value)

    def keep(self, queryset, name, value):
        return queryset  # read by filter_site
