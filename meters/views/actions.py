"""Edits on the device page: monitored on/off, accept or dismiss a flagged read. Editors only (viewers get 403)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import View

from meters.models import Device, MeterFlag
from meters.services.devices import device_set_monitored
from meters.services.flags import FlagAlreadyDecided, flag_accept, flag_dismiss
from portal.lib.views import EditorRequiredMixin, PublicIdObjectMixin


class DeviceMonitoredView(EditorRequiredMixin, PublicIdObjectMixin, View):
    model = Device

    def post(self, request, public_id):
        device = device_set_monitored(device=self.get_object(), monitored=request.POST.get("monitored") == "1")
        state = "is monitored again" if device.is_monitored else "is no longer read or reported"
        messages.success(request, f"{device.display_name} {device.serial} {state}.")
        return redirect("device-detail", public_id=device.public_id)


class FlagDecisionView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = MeterFlag.objects.select_related("device", "read")

    def post(self, request, public_id):
        flag = self.get_object()
        try:
            if request.POST.get("decision") == "accept":
                flag_accept(flag=flag, by=request.user.email)
                messages.success(request, _accepted(flag))
            else:
                flag_dismiss(flag=flag, by=request.user.email)
                messages.success(request, f"Flag dismissed: the {flag.meter_kind} read stands as {flag.current:,}.")
        except FlagAlreadyDecided as decided:  # a double click, or a colleague was first
            messages.info(request, str(decided))
        return redirect("device-detail", public_id=flag.device.public_id)


def _accepted(flag: MeterFlag) -> str:
    if flag.kind == "reset":
        return f"Offset accepted: {flag.meter_kind} counts on from {flag.previous:,}, with the pages since added."
    return f"Accepted: the {flag.meter_kind} read of {flag.current:,} is real."
