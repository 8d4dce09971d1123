from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from portal.accounts.services import api_token_authenticate


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Token mbu_…` (or Bearer): a personal token, checked in the dealer's schema."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        scheme, _, text = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() not in self.keywords:
            return None
        user = api_token_authenticate(text=text.strip())
        if user is None:
            raise AuthenticationFailed("This API token is not valid for this dealer.", code="token_invalid")
        return user, text

    def authenticate_header(self, request) -> str:
        return 'Token realm="meterbridge"'
