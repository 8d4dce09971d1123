"""The device page's "Ask the customer for a meter reading" (editors), and the customer's page behind the link
(no sign-in: the link is the credential; the dealer's host picks the schema as for every page)."""

import logging

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views import View
from django.views.decorators.cache import never_cache
from rest_framework.throttling import SimpleRateThrottle

from meters.models import Device, ReadingRequest
from meters.services.manual_reads import entered_meters, last_good_read
from meters.services.reading_requests import LinkGone, reading_request_by_token, reading_request_cancel
from portal.lib.urls import absolute_url
from portal.lib.views import EditorRequiredMixin, PublicIdObjectMixin
from reports.readings.forms import MeterEntryForm, ReadingRequestForm
from reports.readings.services import meter_rows, reading_request_enter, reading_request_send

log = logging.getLogger(__name__)
OPENED = "reading_links_opened"  # session key: the requests whose links this browser opened


class ReadingRequestSendView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = Device.objects.select_related("site__customer")

    def post(self, request, public_id):
        device = self.get_object()
        form = ReadingRequestForm(request.POST)
        if not form.is_valid():
            messages.error(request, f"No link was sent: {form.problems()}")
            return redirect("device-detail", public_id=device.public_id)
        recipients = form.cleaned_data["recipients"]
        try:
            sent = reading_request_send(
                device=device,
                recipients=recipients,
                by=request.user.email,
                link_for=lambda token: absolute_url(reverse("reading-link", args=[token])),
            )
        except Exception as exc:  # the mail service refused or is away: nothing was kept, the clerk may retry
            log.warning("reading request email for device %s failed: %s", device.public_id, type(exc).__name__)
            messages.error(
                request,
                f"The email could not be sent ({type(exc).__name__}), so no link was made. "
                "Please try again in a few minutes.",
            )
            return redirect("device-detail", public_id=device.public_id)
        until = date_format(timezone.localtime(sent.expires_at, device.site.tzinfo), "j F Y")
        messages.success(
            request, f"Asked {', '.join(recipients)} for the meter reading: the link works once, until {until}."
        )
        return redirect("device-detail", public_id=device.public_id)


class ReadingRequestCancelView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = ReadingRequest.objects.select_related("device")

    def post(self, request, public_id):
        reading_request = self.get_object()
        if reading_request_cancel(request=reading_request, by=request.user.email):
            messages.success(request, f"The link sent to {', '.join(reading_request.sent_to)} no longer works.")
        else:
            messages.info(request, "That link was already used or cancelled.")
        return redirect("device-detail", public_id=reading_request.device.public_id)


# --- the customer's page ------------------------------------------------------------------------------------------


class ReadingLinkThrottle(SimpleRateThrottle):
    """Per client address, across every web process (the cache is Redis), signed in or not."""

    scope = "reading_link"
    rate = "60/hour"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


GONE = {
    "unknown": (
        404,
        "This link is not valid",
        "Please open the link from the email again, and check that the whole link was copied.",
    ),
    "used": (410, "This link has already been used", "The meter reading was received. Thank you!"),
    "expired": (410, "This link has expired", "Links work for a week. Please ask us for a new one."),
    "cancelled": (
        410,
        "This link no longer works",
        "A newer link may have been sent: please look for it in your email, or ask us for a new one.",
    ),
    "throttled": (429, "Too many attempts", "Please wait a few minutes and try again."),
}


def gone(request, state: str) -> HttpResponse:
    """The page for a link that cannot be used: it names no device, whoever holds the link."""
    status, title, text = GONE[state]
    response = render(
        request, "reports/readings/link_gone.html", {"title": title, "text": text, "state": state}, status=status
    )
    if state == "throttled":
        response["Retry-After"] = "600"
    return response


def throttled(request, view) -> bool:
    return not ReadingLinkThrottle().allow_request(request, view)


@method_decorator(never_cache, name="dispatch")
class ReadingLinkView(View):
    """The emailed link. Like Django's password-reset link, it is swapped at once for an address without the token
    (the browser's session remembers it was opened): the token then never reaches a Referer, a later log line
    or the page's address bar."""

    def get(self, request, token):
        if throttled(request, self):
            return gone(request, "throttled")
        link = reading_request_by_token(token=token)
        if link is None:
            return gone(request, "unknown")
        if link.state != "open":
            return gone(request, link.state)
        opened = set(request.session.get(OPENED, []))
        request.session[OPENED] = sorted(opened | {str(link.public_id)})
        return redirect("reading-form", public_id=link.public_id)


class OpenedLinkMixin:
    """The request behind a link this browser opened; the gone page for anything else."""

    def dispatch(self, request, public_id):
        if throttled(request, self):
            return gone(request, "throttled")
        link = None
        if str(public_id) in request.session.get(OPENED, []):
            requests = ReadingRequest.objects.select_related("device__site__customer", "read")
            link = requests.filter(public_id=public_id).first()
        if link is None:
            return gone(request, "unknown")
        self.link, self.device = link, link.device
        return super().dispatch(request, public_id)


@method_decorator(never_cache, name="dispatch")
class ReadingFormView(OpenedLinkMixin, View):
    """GET shows the device and the form; POST stores the read and uses the link up."""

    template_name = "reports/readings/enter.html"

    def get(self, request, public_id):
        if self.link.state != "open":
            return gone(request, self.link.state)
        return self.page(request, self.form())

    def post(self, request, public_id):
        if self.link.state != "open":
            return gone(request, self.link.state)
        form = self.form(request.POST)
        if not form.is_valid():
            return self.page(request, form)
        device_url = absolute_url(reverse("device-detail", args=[self.device.public_id]))
        try:
            done = reading_request_enter(
                request=self.link,
                entered=form.entered(),
                entered_by=form.cleaned_data["entered_by"],
                portal_url=device_url,
            )
        except LinkGone as gone_link:
            return gone(request, gone_link.state)
        if done.read is None:
            form.refuse_lower(done.check.too_low)
            return self.page(request, form)
        return redirect("reading-thanks", public_id=self.link.public_id)

    def form(self, data=None) -> MeterEntryForm:
        self.last = last_good_read(device=self.device)
        meters = entered_meters(device=self.device, last=self.last, at=timezone.now())
        return MeterEntryForm(
            data, meters=meters, last_at=self.last.read_at if self.last else None, tz=self.device.site.tzinfo
        )

    def page(self, request, form) -> HttpResponse:
        """The form again after a refused entry answers 200, as Django's forms do: a 4xx would be logged."""
        with timezone.override(self.device.site.tzinfo):
            return render(request, self.template_name, {"link": self.link, "device": self.device, "form": form})


@method_decorator(never_cache, name="dispatch")
class ReadingThanksView(OpenedLinkMixin, View):
    """After a stored entry: what was received (for the browser that opened the link only)."""

    def get(self, request, public_id):
        link, device = self.link, self.device
        if link.state == "open":
            return redirect("reading-form", public_id=link.public_id)
        if link.read is None:
            return gone(request, link.state)
        with timezone.override(device.site.tzinfo):
            return render(
                request,
                "reports/readings/thanks.html",
                {"link": link, "device": device, "read": link.read, "meters": meter_rows(link.read.values)},
            )
