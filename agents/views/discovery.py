"""The site page's discovery parts: what the customer's IT agreed to, "Scan now" within it, and a running scan's
progress (a small partial the page polls with htmx while a discovery is queued or running)."""

from django.contrib import messages
from django.utils import formats, timezone
from django.views.generic import DetailView

from agents.choices import DirectiveKind
from agents.models import Directive, Site
from agents.scan_scope import site_broadcast, site_scan_window
from meters.services.schedules import discovery_request
from portal.lib.views import DealerPageMixin, PublicIdObjectMixin


def latest_discovery(site: Site) -> Directive | None:
    return site.directives.filter(kind=DirectiveKind.DISCOVER).order_by("-created_at").first()


def discovery_context(site: Site) -> dict:
    window = site_scan_window(site)
    return {
        "broadcast": site_broadcast(site),
        "scan_window": window,
        "window_open": window is None or window.is_open(timezone.now()),
        "scan": latest_discovery(site),
    }


def scan_now(request, site: Site) -> None:
    """A "Scan now": inside the scan window (or with none) it is queued; outside it waits for the window, unless the
    user confirmed "Scan now anyway", which is recorded with their name."""
    outside = request.POST.get("outside_window") == "1"
    queued = discovery_request(site=site, requested_by=request.user.email, outside_window=outside)
    if queued.directive is not None:
        messages.success(request, "Discovery queued; the agent picks it up at its next poll.")
        return
    when = formats.date_format(timezone.localtime(queued.runs_at, site.tzinfo), "D j M, H:i")
    messages.info(
        request,
        f"Outside the scan window agreed with the customer ({site_scan_window(site)}): the scan runs when it "
        f"opens, {when} site time. To scan now anyway, use the button in Discovery settings.",
    )


class SiteScanProgressView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    """The partial the site page polls: it keeps polling while the latest discovery is queued or running."""

    queryset = Site.objects.all()
    template_name = "agents/includes/scan_progress.html"
    context_object_name = "site"

    def get_context_data(self, **kwargs):
        return super().get_context_data(scan=latest_discovery(self.object), **kwargs)
