"""The fleet overview a dealer lands on at "/": tiles, monthly volume, top customers, what needs a look."""

from django.views.generic import TemplateView

from agents.models import Customer, Site
from meters import selectors
from portal.lib.views import DealerPageMixin


class OverviewView(DealerPageMixin, TemplateView):
    """The fleet overview a dealer opens every morning: tiles, monthly volume, top customers, what needs a look."""

    template_name = "meters/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        toner = self.request.tenant.toner_alert_percent
        volume = selectors.fleet_volume()
        context.update(
            summary=selectors.fleet_summary(toner_percent=toner),
            toner_percent=toner,
            months=volume.months,
            top_customers=volume.top_customers,
            silent_agents=selectors.agents_silent(),
            toner_low=selectors.devices_toner_low(toner_percent=toner),
            in_alert=selectors.devices_in_alert(),
            to_confirm=Site.objects.active().filter(needs_confirmation=True).select_related("customer")[:20],
        )
        context["has_customers"] = bool(context["top_customers"]) or Customer.objects.active().exists()
        return context
