import shlex

from django.conf import settings
from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import CreateView, DetailView, UpdateView, View

from agents.choices import DirectiveKind
from agents.forms import SiteForm
from agents.models import Customer, DirectiveResult, Site
from agents.services import customers as svc
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


def linux_install_commands(request, site, key: str) -> dict[str, str]:
    """The site page's Linux commands, quoted for sh: a site named `O'Brien "HQ"` stays one argument of --name.
    Without a key (it is shown only once) a `<key>` placeholder the technician replaces."""
    script_url = request.build_absolute_uri(reverse("agent-install-script", args=["install-linux.sh"]))
    the_key = shlex.quote(key) if key else "<key>"
    name = '"$(hostname)"' + shlex.quote(f" @ {site.name}")
    return {
        "install_linux": f"curl -fsSL {shlex.quote(script_url)} | sudo sh -s -- --key {the_key} --name {name}",
        "enroll_linux": f"python3 meterbridge-agent.pyz enroll --portal {shlex.quote(settings.PORTAL_CENTRAL_URL)} "
        f"--key {the_key} --name {name}",
    }


def windows_install_commands(request, site, key: str) -> dict[str, str]:
    """The site page's PowerShell: the served install script run in one line, and the agent's own `windows install`
    for the manual steps. The site name is a single-quoted string (quotes doubled), so no name runs as code."""
    script_url = request.build_absolute_uri(reverse("agent-install-script", args=["install-windows.ps1"]))
    the_key = powershell_quote(key) if key else "<key>"
    # Windows PowerShell 5.1 passes a native argument without escaping " or a trailing \ in it (the script
    # does the same for -Name): dropped here, or a name could add options to the agent's command line.
    native_name = site.name.replace('"', "'").rstrip("\\")
    tls12 = "[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor 3072"
    fetch = f"irm -UseBasicParsing {powershell_quote(script_url)}"
    portal = powershell_quote(settings.PORTAL_CENTRAL_URL)
    return {
        "install_windows": f"{tls12}; & ([scriptblock]::Create(({fetch}))) -Key {the_key} "
        f"-Name {_computer_at(site.name)}",
        "install_windows_manual": f"py meterbridge-agent.pyz windows install --portal {portal} --key {the_key} "
        f"--name {_computer_at(native_name)}",
    }


def _computer_at(site_name: str) -> str:
    return f"($env:COMPUTERNAME + {powershell_quote(f' @ {site_name}')})"


POWERSHELL_QUOTES = "'\u2018\u2019\u201a\u201b"  # PowerShell ends a single-quoted string at any of these


def powershell_quote(text: str) -> str:
    """A PowerShell single-quoted string: nothing inside is expanded; each quote character is doubled, including
    the typographic ones PowerShell also accepts as quotes."""
    return "'" + "".join(c * 2 if c in POWERSHELL_QUOTES else c for c in text) + "'"


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
