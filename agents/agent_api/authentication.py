from django.db import connection
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from agents.errors import AgentApiError
from agents.services.tokens import token_authenticate


class AgentTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer mbt_<dealer>_…`, checked against its hash in the dealer's schema.

    The current token, or the one it replaced while in its grace period; `request.auth` says which (a TokenUse,
    never the token itself, so no view can echo or log it).
    """

    def authenticate(self, request):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("This call needs the agent's token. Enrol the agent first.", code="no_token")
        if connection.schema_name == "public":
            raise AuthenticationFailed("This agent's token names no dealer we know.", code="token_invalid")
        try:
            use = token_authenticate(token=token.strip())
        except AgentApiError as exc:
            raise AuthenticationFailed(exc.detail, code=exc.code) from exc
        return use.agent, use

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="meterbridge-agent"'
