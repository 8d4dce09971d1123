"""Agent tokens over time: which token a call carries, when the portal asks for a new one, and the swap.

The portal only *asks* (`rotate_token: true` in the heartbeat and directives answers): a dealer's click, or a
token older than AGENT_TOKEN_MAX_AGE_DAYS. Nothing changes until the agent calls `POST /agent/v1/token`, so an
agent too old to know the call keeps its token and is never locked out. The swap keeps the replaced token as
the *previous* one for AGENT_TOKEN_GRACE_HOURS. If the answer is lost, the agent still holds the previous
token: the portal keeps asking, and a swap called with the previous token replaces the token the agent never
received, leaving the previous one and its grace as they were (so repeating it never extends the grace).
Only hashes are stored; no token is ever logged.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents.errors import AgentApiError, CredentialRejected
from agents.models import Agent
from agents.services.keys import current_dealer_code
from portal.lib.credentials import AGENT_TOKEN, new_credential, parse_credential, secret_matches

TOKEN_REJECTED = "This agent's token is not valid any more. Enrol the agent again with a licence key."  # noqa: S105 - a message, not a secret
TOKEN_EXPIRED = (
    "This agent's token was replaced by a newer one and its grace period has ended. "  # noqa: S105 - a message
    "Enrol the agent again with a licence key."
)
ROTATION_NOTE = "The token it has now keeps working for a grace period after the swap, then stops."
# Written only here (and at enrolment); other saves of an Agent leave them alone.
TOKEN_FIELDS = [
    "token_prefix",
    "token_hash",
    "token_issued_at",
    "token_rotation_requested_at",
    "previous_token_prefix",
    "previous_token_hash",
    "previous_token_expires_at",
]


@dataclass(frozen=True)
class TokenUse:
    """What authenticated a call: the agent, and which of its tokens (`request.auth` in agent API views)."""

    agent: Agent
    prefix: str
    previous: bool  # the replaced token, inside its grace period


@dataclass(frozen=True)
class IssuedToken:
    text: str  # shown to the agent once
    issued_at: datetime
    previous_expires_at: datetime | None


def token_authenticate(*, token: str) -> TokenUse:
    parsed = parse_credential(token, kind=AGENT_TOKEN)
    if parsed is None or parsed.dealer_code != current_dealer_code():
        raise CredentialRejected(TOKEN_REJECTED, code="token_invalid")
    agents = Agent.objects.select_related("site")
    agent = agents.filter(token_prefix=parsed.prefix).first()
    previous = agent is None or not secret_matches(parsed.secret, agent.token_hash)
    if previous:
        agent = agents.filter(previous_token_prefix=parsed.prefix).first()
        if agent is None or not secret_matches(parsed.secret, agent.previous_token_hash):
            raise CredentialRejected(TOKEN_REJECTED, code="token_invalid")
    if agent.revoked_at or agent.site.archived_at:
        raise CredentialRejected("This agent was switched off by the dealer.", code="revoked")
    if previous and not _in_grace(agent):
        raise CredentialRejected(TOKEN_EXPIRED, code="token_expired")
    return TokenUse(agent=agent, prefix=parsed.prefix, previous=previous)


def _in_grace(agent: Agent) -> bool:
    return agent.previous_token_expires_at is not None and agent.previous_token_expires_at > timezone.now()


def token_rotation_due(*, use: TokenUse) -> bool:
    """Whether answers to this call carry `rotate_token: true`."""
    agent = use.agent
    if use.previous or agent.token_rotation_requested_at:  # previous: the agent missed the last swap's answer
        return True
    max_age = settings.AGENT_TOKEN_MAX_AGE_DAYS
    issued = agent.token_issued_at or agent.enrolled_at  # agents enrolled before issue dates were kept
    return bool(max_age) and issued <= timezone.now() - timedelta(days=max_age)


def token_rotation_request(*, agent: Agent) -> Agent:
    """A dealer asks; one UPDATE, so a heartbeat saving the same row at that moment cannot undo it."""
    if agent.revoked_at:
        raise AgentApiError("This agent is switched off: it has no token to rotate.", code="revoked")
    if agent.token_rotation_requested_at is None:
        agent.token_rotation_requested_at = timezone.now()
        Agent.objects.filter(pk=agent.pk).update(token_rotation_requested_at=agent.token_rotation_requested_at)
    return agent


@transaction.atomic
def token_rotate(*, use: TokenUse) -> IssuedToken:
    """The swap. Locked, and decided on the locked row: two swaps at once cannot both keep their old token."""
    agent = Agent.objects.select_for_update().get(pk=use.agent.pk)
    now = timezone.now()
    if agent.token_prefix == use.prefix:
        agent.previous_token_prefix, agent.previous_token_hash = agent.token_prefix, agent.token_hash
        agent.previous_token_expires_at = now + timedelta(hours=settings.AGENT_TOKEN_GRACE_HOURS)
    elif agent.previous_token_prefix != use.prefix:  # replaced twice since this call was authenticated
        raise CredentialRejected(TOKEN_REJECTED, code="token_invalid")
    credential = new_credential(AGENT_TOKEN, current_dealer_code())
    agent.token_prefix, agent.token_hash, agent.token_issued_at = credential.prefix, credential.secret_hash, now
    agent.token_rotation_requested_at = None
    agent.save(update_fields=TOKEN_FIELDS)
    return IssuedToken(text=credential.text, issued_at=now, previous_expires_at=agent.previous_token_expires_at)
