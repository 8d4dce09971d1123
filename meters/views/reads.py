"""The device page's table of past reads: on the page itself, and as the partial its paging and date jump swap in."""

import zoneinfo
from datetime import date, timedelta

from django import forms
from django.views.generic import DetailView

from meters.models import Device
from meters.read_table import read_page
from meters.selectors import device_detail
from portal.lib.views import DealerPageMixin, PublicIdObjectMixin


class ReadsQuery(forms.Form):
    """Where the table starts: before or after a read's time, or at the end of a day (site's zone)."""

    reads_before = forms.DateTimeField(required=False)
    reads_after = forms.DateTimeField(required=False)
    reads_on = forms.DateField(required=False, label="Reads up to", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_reads_on(self):
        on = self.cleaned_data["reads_on"]
        if on is not None and on >= date.max - timedelta(days=1):  # the day's end would pass the calendar's
            raise forms.ValidationError("That date is out of range.")
        return on


def site_zone(device: Device) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(device.site.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def reads_context(request, device: Device) -> dict:
    """The table's context; a bad date is said beside the jump form and the newest reads are shown."""
    query = ReadsQuery(request.GET)
    start = {}
    if query.is_valid():
        data = query.cleaned_data
        start = {"before": data["reads_before"], "after": data["reads_after"], "on": data["reads_on"]}
    return {"reads": read_page(device=device, zone=site_zone(device), **start), "reads_query": query}


class DeviceReadsView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    """Only the table, for the HTMX swap; its links also work without HTMX (they lead to the device page)."""

    template_name = "meters/_device_reads.html"
    context_object_name = "device"

    def get_queryset(self):
        return device_detail(queryset=Device.objects.all())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(tz=self.object.site.time_zone, **reads_context(self.request, self.object))
        return context
