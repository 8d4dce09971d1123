from django.contrib import messages
from django.db import connection
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import CreateView, DetailView, UpdateView, View

from agents import selectors
from agents.forms import SiteForm
from agents.models import Customer, Site
from agents.services import customers as svc
from agents.services.install_commands import linux_install_commands, windows_install_commands
from agents.views.discovery import discovery_context
from agents.views.permissions import KeyManagerRequiredMixin
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin


class SiteDetailView(DealerPageMixin, PublicIdObjectMixin, DetailView):
    queryset = Site.objects.select_related("customer")
    template_name = "agents/site_detail.html"
    context_object_name = "site"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = self.object
        context["keys"] = site.license_keys.select_related("created_by")
        context["agents"] = site.agents.all()
        context["directives"] = selectors.site_directives(site=site)
        context["new_key"] = self.request.session.pop(f"new-key-{site.public_id}", None)
        context.update(discovery_context(site))
        context.update(linux_install_commands(site, context["new_key"] or ""))
        context.update(windows_install_commands(site, context["new_key"] or ""))
        return context


class SiteCreateView(EditorRequiredMixin, CreateView):
    form_class = SiteForm
    template_name = "agents/site_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer.objects.active(), public_id=kwargs["customer_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def get_initial(self):
        return {**super().get_initial(), "time_zone": connection.tenant.time_zone}

    def form_valid(self, form):
        site = svc.site_create(customer=self.customer, **form.cleaned_data)
        messages.success(self.request, f"Site {site.name} created. Generate a licence key to install an agent.")
        return redirect("site-detail", public_id=site.public_id)


class SiteUpdateView(EditorRequiredMixin, PublicIdObjectMixin, UpdateView):
    queryset = Site.objects.select_related("customer")
    form_class = SiteForm
    template_name = "agents/site_form.html"
    context_object_name = "site"

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.object.customer, **kwargs)

    def form_valid(self, form):
        site = svc.site_update(site=self.object, **form.cleaned_data)
        messages.success(self.request, f"Saved {site.name}.")
        return redirect("site-detail", public_id=site.public_id)


class SiteArchiveView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    model = Site

    def post(self, request, public_id):
        site = self.get_object()
        if request.POST.get("restore"):
            svc.site_restore(site=site)
            messages.success(request, f"{site.name} is active again. Generate a new key for its agent.")
        else:
            svc.site_archive(site=site)
            messages.success(request, f"{site.name} archived; its licence keys and agents are switched off.")
        return redirect("site-detail", public_id=site.public_id)
