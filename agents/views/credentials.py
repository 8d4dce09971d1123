"""SNMP credentials on the customer and site pages: add, edit (secrets never shown again), remove, reorder.
Technicians and admins; viewers see the list only. The "Test" buttons are meters' (they test devices)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, View

from agents.forms import SnmpCredentialForm
from agents.models import Customer, Site, SnmpCredential
from agents.services import credentials as svc
from agents.templatetags.credentials import credentials_panel_context
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin

hide_secrets = method_decorator(sensitive_post_parameters(*svc.SECRETS), name="dispatch")  # from error reports


def owner_page(credential: SnmpCredential) -> str:
    if credential.site_id:
        return reverse("site-detail", args=[credential.site.public_id]) + "#snmp-credentials"
    return reverse("customer-detail", args=[credential.customer.public_id]) + "#snmp-credentials"


@hide_secrets
class CredentialCreateView(EditorRequiredMixin, FormView):
    form_class = SnmpCredentialForm
    template_name = "agents/credential_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.site = self.customer = None
        if "site_id" in kwargs:
            self.site = get_object_or_404(Site.objects.active().select_related("customer"), public_id=kwargs["site_id"])
        else:
            self.customer = get_object_or_404(Customer.objects.active(), public_id=kwargs["customer_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(site=self.site, customer=self.customer or self.site.customer, **kwargs)

    def form_valid(self, form):
        try:
            credential = svc.credential_create(site=self.site, customer=self.customer, **form.cleaned_data)
        except svc.CredentialInvalid as invalid:
            form.add_service_errors(invalid.errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Added {svc.credential_title(credential)}. Its secret is not shown again.")
        return redirect(owner_page(credential))


@hide_secrets
class CredentialUpdateView(EditorRequiredMixin, PublicIdObjectMixin, FormView):
    queryset = SnmpCredential.objects.select_related("site__customer", "customer")
    form_class = SnmpCredentialForm
    template_name = "agents/credential_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object() if request.user.is_authenticated else None
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "stored": self.object}

    def get_initial(self):
        credential = self.object
        return {
            "label": credential.label,
            "version": credential.version,
            "user": credential.v3_user,
            "auth_protocol": credential.auth_protocol,
            "priv_protocol": credential.priv_protocol,
            "context": credential.v3_context,
        }

    def get_context_data(self, **kwargs):
        credential = self.object
        customer = credential.customer or credential.site.customer
        return super().get_context_data(credential=credential, site=credential.site, customer=customer, **kwargs)

    def form_valid(self, form):
        try:
            credential = svc.credential_update(credential=self.object, **form.cleaned_data)
        except svc.CredentialInvalid as invalid:
            form.add_service_errors(invalid.errors)
            return self.form_invalid(form)
        messages.success(self.request, f"Saved {svc.credential_title(credential)}.")
        return redirect(owner_page(credential))


class SiteCredentialsPanelView(DealerPageMixin, PublicIdObjectMixin, View):
    """The site page's credentials panel alone: the page polls it (htmx) while a test waits for the agent."""

    queryset = Site.objects.select_related("customer")

    def get(self, request, public_id):
        context = credentials_panel_context(site=self.get_object())
        return TemplateResponse(request, "agents/includes/snmp_credentials.html", context)


class CredentialRemoveView(EditorRequiredMixin, PublicIdObjectMixin, View):
    queryset = SnmpCredential.objects.select_related("site", "customer")

    def post(self, request, public_id):
        credential = self.get_object()
        back = owner_page(credential)
        svc.credential_delete(credential=credential)
        messages.success(request, f"Removed {svc.credential_title(credential)}.")
        return redirect(back)


class CredentialMoveView(EditorRequiredMixin, PublicIdObjectMixin, View):
    """Up or down one place in the order tried."""

    queryset = SnmpCredential.objects.select_related("site", "customer")

    def post(self, request, public_id):
        credential = self.get_object()
        step = -1 if request.POST.get("direction") == "up" else 1
        svc.credential_move(credential=credential, position=max(0, credential.position + step))
        return redirect(owner_page(credential))
