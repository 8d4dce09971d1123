from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import ListView, View

from agents import selectors
from agents.errors import AgentApiError
from agents.filtersets import AgentFilterSet
from agents.forms import AgentNameForm, LicenseKeyForm
from agents.models import Agent, LicenseKey, Site
from agents.services.agent_releases import update_state
from agents.services.enrolment import agent_rename, agent_revoke, silent_for
from agents.services.keys import license_key_generate, license_key_revoke
from agents.services.tokens import ROTATION_NOTE, token_rotation_request
from agents.views.permissions import KeyManagerRequiredMixin
from portal.lib.pagination import ForgivingPageMixin
from portal.lib.views import DealerPageMixin, EditorRequiredMixin, PublicIdObjectMixin


class LicenseKeyCreateView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    """Generates a key and shows it once: it goes through the session to one page view, then is gone."""

    queryset = Site.objects.active()

    def post(self, request, public_id):
        site = self.get_object()
        form = LicenseKeyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The key was not created: " + "; ".join(form.errors.get("__all__", [])))
            return redirect("site-detail", public_id=site.public_id)
        days = form.cleaned_data["expires_in_days"]
        expires = timezone.now() + timedelta(days=days) if days else None
        _key, text = license_key_generate(
            site=site, created_by=request.user, label=form.cleaned_data["label"], expires_at=expires
        )
        request.session[f"new-key-{site.public_id}"] = text
        return redirect("site-detail", public_id=site.public_id)


class LicenseKeyRevokeView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    queryset = LicenseKey.objects.select_related("site")

    def post(self, request, public_id):
        key = license_key_revoke(key=self.get_object())
        messages.success(request, f"Key {key.prefix}… revoked. Agents already enrolled with it keep working.")
        return redirect("site-detail", public_id=key.site.public_id)


class AgentListView(DealerPageMixin, ForgivingPageMixin, ListView):
    template_name = "agents/agent_list.html"
    paginate_by = 100

    def get_queryset(self):
        self.filterset = AgentFilterSet(self.request.GET, queryset=selectors.agent_list())  # as the API's list
        return self.filterset.qs  # a ?site= that is not an id is left out: the whole list, as without it

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = self.filterset.form.cleaned_data.get("site")
        context["site"] = Site.objects.select_related("customer").filter(public_id=site).first() if site else None
        now = timezone.now()
        for agent in context["object_list"]:
            agent.silent_for = silent_for(agent, now=now)
            agent.update_state = update_state(agent)
        context["token_grace_hours"] = settings.AGENT_TOKEN_GRACE_HOURS  # Rotate token's confirm says it
        return context


class AgentRenameView(EditorRequiredMixin, PublicIdObjectMixin, View):
    """Technicians and admins name agents (two agents of one key are otherwise both "vm")."""

    queryset = Agent.objects.select_related("site")

    def post(self, request, public_id):
        agent = self.get_object()
        form = AgentNameForm(request.POST)
        if form.is_valid():
            agent = agent_rename(agent=agent, name=form.cleaned_data["name"])
            messages.success(request, f"Agent {agent.hostname} is now called “{agent.name}”.")
        else:
            messages.error(request, "The name was not changed: " + "; ".join(form.errors["name"]))
        return redirect(_back_to(request, default="agent-list"))


class AgentRevokeView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    queryset = Agent.objects.select_related("site")

    def post(self, request, public_id):
        agent = agent_revoke(agent=self.get_object())
        messages.success(request, f"Agent {agent.hostname} switched off; it must enrol again with a new key.")
        return redirect(_back_to(request, default="agent-list"))


class AgentTokenRotateView(KeyManagerRequiredMixin, PublicIdObjectMixin, View):
    """Asks the agent to take a new token at its next poll. The page asks first, saying when the token it has now
    stops working (once the swap's grace period ends)."""

    queryset = Agent.objects.select_related("site")

    def post(self, request, public_id):
        agent = self.get_object()
        try:
            token_rotation_request(agent=agent)
        except AgentApiError as exc:  # switched off: nothing to rotate
            messages.error(request, f"{agent.hostname}: {exc.detail}")
        else:
            messages.success(request, f"{agent.hostname} takes a new token at its next poll. {ROTATION_NOTE}")
        return redirect(_back_to(request, default="agent-list"))


def _back_to(request, *, default: str) -> str:
    """The page the button was on (`next`), if it is a path on this host; never another site (an open redirect
    would lend the dealer's host name to a phishing link)."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target.startswith("/") and safe else default
