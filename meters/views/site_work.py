"""The site page's "Scan now" buttons (discovery, status scan, meter read): the page is agents', the work is
meters' (the directives' plans come from vendor profiles), and agents must not import meters. The API side is
meters/api/site_work.py."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import View

from agents.choices import DirectiveKind
from agents.models import Site
from agents.scan_scope import site_scan_window
from meters.services.plans import read_directive_request
from meters.services.schedules import discovery_request
from portal.lib.locale import weekday_and_time
from portal.lib.views import EditorRequiredMixin, PublicIdObjectMixin

SCAN_NOW_KINDS = (DirectiveKind.DISCOVER, DirectiveKind.STATUS, DirectiveKind.READ)


def scan_now(request, site: Site) -> None:
    """A "Scan now": inside the scan window (or with none) it is queued; outside it waits for the window, unless the
    user confirmed "Scan now anyway", which is recorded with their name."""
    outside = request.POST.get("outside_window") == "1"
    queued = discovery_request(site=site, requested_by=request.user.email, outside_window=outside)
    if queued.directive is not None:
        messages.success(request, "Discovery queued; the agent picks it up at its next poll.")
        return
    when = weekday_and_time(timezone.localtime(queued.runs_at, site.tzinfo))
    messages.info(
        request,
        f"Outside the scan window agreed with the customer ({site_scan_window(site)}): the scan runs when it "
        f"opens, {when} site time. To scan now anyway, use the button in Discovery settings.",
    )


class SiteScanNowView(EditorRequiredMixin, PublicIdObjectMixin, View):
    model = Site

    def post(self, request, public_id):
        site = self.get_object()
        kind = request.POST.get("kind", DirectiveKind.DISCOVER)
        if kind not in SCAN_NOW_KINDS:  # a credential test has its own buttons and targets
            kind = DirectiveKind.DISCOVER
        if kind == DirectiveKind.DISCOVER:
            scan_now(request, site)  # inside the site's scan window, or when it opens
        elif read_directive_request(site=site, kind=kind, requested_by=request.user.email) is None:
            messages.info(request, "No monitored devices to read yet: run a discovery first.")
        else:
            messages.success(request, f"{DirectiveKind(kind).label} queued; the agent picks it up at its next poll.")
        return redirect("site-detail", public_id=site.public_id)
