from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import CreateView, DetailView, UpdateView, View

from agents.choices import DirectiveKind
from agents.forms import SiteForm
from agents.models import Customer, DirectiveResult, Site
from agents.services import customers as svc
from agents.services.install_commands import linux_install_commands, windows_install_commands
from agents.views.discovery import discovery_context, scan_now
from agents.views.permissions import KeyManagerRequiredMixin
from meters.services.plans import read_directive_request
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
        latest_results = DirectiveResult.objects.defer("payload").order_by("-received_at")
        context["directives"] = site.directives.select_related("leased_by").prefetch_related(
            Prefetch("results", queryset=latest_results)
        )[:10]
        context["new_key"] = self.request.session.pop(f"new-key-{site.public_id}", None)
        context.update(discovery_context(site))
        context.update(linux_install_commands(self.request, site, context["new_key"] or ""))
        context.update(windows_install_commands(self.request, site, context["new_key"] or ""))
        return context


class SiteCreateView(EditorRequiredMixin, CreateView):
    form_class = SiteForm
    template_name = "agents/site_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(Customer.objects.active(), public_id=kwargs["customer_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(customer=self.customer, **kwargs)

    def form_valid(self, form):
        site = svc.site_create(customer=self.customer, **form.cleaned_data)
        messages.success(self.request, f"Site {site.name} created. Generate a license key to install an agent.")
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
            messages.success(request, f"{site.name} archived; its license keys and agents are switched off.")
        return redirect("site-detail", public_id=site.public_id)


SCAN_NOW_KINDS = (DirectiveKind.DISCOVER, DirectiveKind.STATUS, DirectiveKind.READ)


class SiteScanNowView(EditorRequiredMixin, PublicIdObjectMixin, View):
    model = Site

    def post(self, request, public_id):
        site = self.get_object()
        kind = request.POST.get("kind", DirectiveKind.DISCOVER)
        if kind not in SCAN_NOW_KINDS:  # a credential test has its own buttons and targets
            kind = DirectiveKind.DISCOVER
        if kind == DirectiveKind.DISCOVER:
            scan_now(request, site)  # inside the site's scan window, or when it opens
            return redirect("site-detail", public_id=site.public_id)
        if read_directive_request(site=site, kind=kind, requested_by=request.user.email) is None:
            messages.info(request, "No monitored devices to read yet: run a discovery first.")
            return redirect("site-detail", public_id=site.public_id)
        messages.success(request, f"{DirectiveKind(kind).label} queued; the agent picks it up at its next poll.")
        return redirect("site-detail", public_id=site.public_id)
