"""The "Test" buttons: per device (device page) and per credential (customer and site pages). Editors only.

The test runs at the site's agent; the device page polls a small partial (htmx) until the outcome arrives.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView, View

from agents.models import Site, SnmpCredential
from agents.views.credentials import owner_page
from meters.models import Device
from meters.services.credential_tests import TestRefused, credential_test_request, device_test_request
from meters.templatetags.credential_tests import device_test_context
from portal.lib.ids import is_uuid
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin

QUEUED = "The agent at the site tests it at its next poll; the result shows here."


class DeviceTestView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = Device.objects.select_related("site")

    def post(self, request, public_id):
        device = self.get_object()
        try:
            device_test_request(device=device, requested_by=request.user.email)
        except TestRefused as refused:
            messages.error(request, f"Not tested: {refused}")
        else:
            messages.success(request, f"Test of {device.display_name} queued. {QUEUED}")
        return redirect("device-detail", public_id=device.public_id)


class DeviceTestStateView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    """The device's test area alone, polled while a test waits for the agent."""

    queryset = Device.objects.select_related("site", "credential")
    template_name = "meters/_device_test.html"
    context_object_name = "device"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **device_test_context(self.object)}


class CredentialTestView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = SnmpCredential.objects.select_related("site", "customer")

    def post(self, request, public_id):
        credential = self.get_object()
        chosen = request.POST.get("site", "")
        site = get_object_or_404(Site.objects.active(), public_id=chosen) if is_uuid(chosen) else None
        try:
            directives = credential_test_request(
                credential=credential,
                requested_by=request.user.email,
                address=request.POST.get("address", ""),
                site=site,
            )
        except TestRefused as refused:
            messages.error(request, f"Not tested: {refused}")
        else:
            where = "its site" if len(directives) == 1 else f"{len(directives)} sites"
            messages.success(request, f"Test queued at {where}. {QUEUED}")
        return redirect(owner_page(credential))
