"""One filter set for the devices list page and the dealer API (NetBox's habit)."""

import django_filters
from django.db.models import Q

from meters.choices import Lifecycle
from meters.models import Device
from meters.selectors import open_alerts_exist


class DeviceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    customer = django_filters.UUIDFilter(field_name="site__customer__public_id")
    site = django_filters.UUIDFilter(field_name="site__public_id")
    lifecycle = django_filters.ChoiceFilter(choices=Lifecycle.choices, label="Status")
    manufacturer = django_filters.CharFilter(lookup_expr="iexact")
    toner_below = django_filters.NumberFilter(
        field_name="lowest_supply_percent", lookup_expr="lt", label="Toner below %"
    )
    in_alert = django_filters.BooleanFilter(method="filter_in_alert", label="In alert")
    monitored = django_filters.BooleanFilter(field_name="is_monitored")

    class Meta:
        model = Device
        fields = ["q", "customer", "site", "lifecycle", "manufacturer", "toner_below", "in_alert", "monitored"]

    def search(self, queryset, name, value):
        terms = Q()
        for field in ("serial", "model", "manufacturer", "ip", "location", "hostname", "site__customer__name"):
            terms |= Q(**{f"{field}__icontains": value})
        return queryset.filter(terms)

    def filter_in_alert(self, queryset, name, value):
        # An EXISTS, not a join: a join on alerts__cleared_at__isnull also matches devices with no alert at all.
        open_alert = open_alerts_exist()
        return queryset.filter(open_alert) if value else queryset.exclude(open_alert)
