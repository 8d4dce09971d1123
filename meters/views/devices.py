"""The devices list (one filter set with the dealer API) and the device page."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.generic import DetailView, ListView

from agents.models import Customer
from meters import selectors
from meters.choices import Lifecycle
from meters.filtersets import DeviceFilterSet
from meters.forecast import supply_forecasts
from meters.models import Device
from meters.views.htmx import is_htmx
from meters.views.reads import reads_context
from portal.lib.ids import is_uuid
from portal.lib.pagination import ForgivingPageMixin
from portal.lib.views import DealerPageMixin, PublicIdObjectMixin

SORT_COLUMNS = [
    ("customer", "Customer / site"),
    ("model", "Device"),
    ("serial", "Serial"),
    ("ip", "Address"),
    ("total", "Total pages"),
    ("toner", "Lowest supply"),
    ("last_read", "Last read"),
    ("status", "Status"),
]


CUSTOMER_OPTIONS_LIMIT = 500


class DeviceListView(DealerPageMixin, ForgivingPageMixin, ListView):
    template_name = "meters/device_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Device]:
        self.filterset = DeviceFilterSet(self.request.GET or None, queryset=Device.objects.all())
        queryset = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else Device.objects.all()
        return selectors.device_list(queryset, sort=self.sort)

    @property
    def sort(self) -> str:
        sort = self.request.GET.get("sort", "customer")
        return sort if sort.lstrip("-") in selectors.DEVICE_SORTS else "customer"

    def get_template_names(self) -> list[str]:
        return ["meters/_device_list_swap.html"] if is_htmx(self.request) else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filtered = bool(self.request.GET.dict().keys() - {"sort", "page"})
        context.update(
            filterset=self.filterset,
            sort=self.sort,
            sort_columns=SORT_COLUMNS,
            lifecycles=Lifecycle.choices,
            filtered=filtered,
        )
        if not is_htmx(self.request):
            context.update(customer_options=self._customer_options(), manufacturers=self._manufacturers())
        return context

    def _customer_options(self) -> str:
        """<option>s built in Python (a template loop costs ~40 ms for a thousand). Past CUSTOMER_OPTIONS_LIMIT
        customers a list is no way to pick one (and 10,000 of them weigh 1.4 MB on every page): the search box
        finds a customer by name, and the list keeps only the chosen one."""
        chosen = self.request.GET.get("customer", "")
        active = Customer.objects.active().order_by("name").values_list("public_id", "name")
        customers = list(active[: CUSTOMER_OPTIONS_LIMIT + 1])
        too_many = len(customers) > CUSTOMER_OPTIONS_LIMIT
        if too_many:
            customers = list(active.filter(public_id=chosen)) if is_uuid(chosen) else []
        rows = ((pk, " selected" if str(pk) == chosen else "", name) for pk, name in customers)
        options = format_html_join("", '<option value="{}"{}>{}</option>', rows)
        if too_many:
            note = f"More than {CUSTOMER_OPTIONS_LIMIT:,} customers: search by name"
            options += format_html('<option value="" disabled>{}</option>', note)
        return options

    def _manufacturers(self) -> list[str]:
        return selectors.device_manufacturers()


class DeviceDetailView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    template_name = "meters/device_detail.html"
    context_object_name = "device"

    def get_queryset(self) -> QuerySet[Device]:
        return selectors.device_detail(queryset=Device.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device, now = self.object, timezone.now()
        forecasts = supply_forecasts(selectors.device_supply_history(device=device), now=now)
        supplies = list(device.supplies.all())
        for supply in supplies:
            supply.forecast = forecasts.get(supply.key)
        context.update(
            tz=device.site.time_zone,
            supplies=supplies,
            latest=selectors.device_latest_read(device=device),
            history=selectors.device_read_history(device=device),
            alerts=selectors.device_alerts(device=device),
            flags=selectors.device_flags(device=device),
            events=selectors.device_events(device=device),
            **reads_context(self.request, device),
        )
        return context


class DeviceRawView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    """The last read exactly as the agent posted it, loaded on demand (it can be large)."""

    model = Device
    template_name = "meters/_device_raw.html"
    context_object_name = "device"

    def get_context_data(self, **kwargs):
        return super().get_context_data(raw=selectors.device_last_raw(device=self.object), **kwargs)
