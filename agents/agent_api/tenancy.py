"""Agents call one central host; the credential names the dealer, and the request runs in that schema.

The secret itself is checked later, inside the dealer's schema (authentication.py / the enrol views):
this middleware only picks the schema, so a forged prefix reaches nothing but a 401.
"""

from django.db import connection
from rest_framework.exceptions import ParseError

from agents.agent_api.parsers import parse_json
from portal.dealers.selectors import dealer_by_code
from portal.lib.credentials import parse_credential

AGENT_PREFIX = "/agent/"
_MAX_ENROL_BODY = 64 * 1024


class AgentCredentialTenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(AGENT_PREFIX) and connection.schema_name == "public":
            dealer = self._dealer(request)
            if dealer is not None:
                connection.set_tenant(dealer)
                request.tenant = dealer
        return self.get_response(request)

    def _dealer(self, request):
        code = _code_from_header(request) or _code_from_enrol_body(request)
        return dealer_by_code(code=code) if code else None


def _code_from_header(request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    parsed = parse_credential(token) if scheme.lower() == "bearer" else None
    return parsed.dealer_code if parsed else None


def _code_from_enrol_body(request) -> str | None:
    if request.method != "POST" or not request.path.rstrip("/").endswith(("/enroll", "/register")):
        return None
    length = str(request.META.get("CONTENT_LENGTH") or "0")
    if not length.isdigit() or int(length) > _MAX_ENROL_BODY:  # not a length, or too long: the view answers
        return None
    try:
        body = parse_json(request.body)
    except ParseError:
        return None  # the view's parser answers 400 with the reason
    if not isinstance(body, dict):
        return None
    parsed = parse_credential(str(body.get("license_key", "")))
    if parsed:
        return parsed.dealer_code
    dealer = body.get("dealer")
    return dealer.strip().lower() if isinstance(dealer, str) else None
