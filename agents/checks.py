"""System checks for what the agents app needs from its settings."""

from django.conf import settings
from django.core.checks import Warning, register


@register("agents")
def agent_signing_key_check(app_configs, **kwargs):
    """A portal that cannot create its own key (production) needs the operator's: without it, it hands out no agent
    and offers no update. A warning, not an error: the rest of the portal works, and migrations still run."""
    if getattr(settings, "AGENT_SIGNING_KEY_CREATE", False) or settings.AGENT_SIGNING_KEY_FILE:
        return []
    return [
        Warning(
            "AGENT_SIGNING_KEY_FILE is not set: the agent download answers 503 and agents are offered no updates.",
            hint="Make it with `manage.py agent_signing_key create`, keep a copy, and set AGENT_SIGNING_KEY_FILE.",
            id="agents.W001",
        )
    ]
