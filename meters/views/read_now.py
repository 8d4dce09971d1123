""" "Read now" on the device page: a read of that one device, queued for its site's agent. Editors only."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import View

from meters.models import Device
from meters.services.plans import device_read_refusal, devices_read_request
from portal.lib.views import EditorRequiredMixin, PublicIdObjectMixin


class DeviceReadNowView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = Device.objects.select_related("site")

    def post(self, request, public_id):
        device = self.get_object()
        refusal = device_read_refusal(device)
        if refusal is not None:
            messages.info(request, refusal[1])
        else:
            devices_read_request(site=device.site, devices=[device], requested_by=request.user.email)
            messages.success(
                request,
                f"Read of {device.display_name} queued: an agent that is listening starts it "
                "within seconds, others at their next poll.",
            )
        return redirect("device-detail", public_id=device.public_id)
