"""The portal's "Export billing" download: the API's export behind the dealer's sign-in (viewers included)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from portal.lib.views import DealerPageMixin
from reports.billing.forms import BillingExportForm
from reports.billing.responses import billing_export_response


class BillingExportDownloadView(DealerPageMixin, View):
    def get(self, request):
        form = BillingExportForm(request.GET)
        if form.is_valid():
            return billing_export_response(form.export_request())
        messages.error(request, f"No billing export: {form.reason()}")
        return redirect(self._back(request))

    @staticmethod
    def _back(request) -> str:
        """The page the form was on (device list or customer page), else the device list."""
        referer = request.headers.get("referer", "")
        safe = url_has_allowed_host_and_scheme(referer, {request.get_host()}, require_https=request.is_secure())
        return referer if referer and safe else "device-list"
