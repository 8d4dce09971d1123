"""The site page's discovery parts: what the customer's IT agreed to and a running scan's progress (a small partial
the page polls with htmx while a discovery is queued or running). "Scan now" itself is meters/views/site_work.py."""

from django.utils import timezone
from django.views.generic import DetailView

from agents.models import Site
from agents.scan_scope import site_broadcast, site_scan_window
from agents.selectors import site_discovery_latest
from portal.lib.views import DealerPageMixin, PublicIdObjectMixin


def discovery_context(site: Site) -> dict:
    window = site_scan_window(site)
    return {
        "broadcast": site_broadcast(site),
        "scan_window": window,
        "window_open": window is None or window.is_open(timezone.now()),
        "scan": site_discovery_latest(site=site),
    }


class SiteScanProgressView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    """The partial the site page polls: it keeps polling while the latest discovery is queued or running."""

    queryset = Site.objects.all()
    template_name = "agents/includes/scan_progress.html"
    context_object_name = "site"

    def get_context_data(self, **kwargs):
        return super().get_context_data(scan=site_discovery_latest(site=self.object), **kwargs)
