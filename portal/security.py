"""Request hygiene at the edge: the client's real address behind our own proxies, and the pages' CSP header."""

import ipaddress

from django.conf import settings


def forwarded_client(remote_addr: str | None, forwarded_for: str | None, hops: int) -> str | None:
    """The address `hops` trusted proxies saw, as DRF's throttles pick it (NUM_PROXIES): the `hops`-th entry from
    the right of X-Forwarded-For. Entries further left were written by the client and prove nothing."""
    if hops <= 0 or not forwarded_for:
        return remote_addr
    entries = [entry.strip() for entry in forwarded_for.split(",")]
    client = entries[-min(hops, len(entries))]
    try:
        return str(ipaddress.ip_address(client))
    except ValueError:  # more hops configured than there are proxies: garbage from the client
        return remote_addr


class TrustedProxyMiddleware:
    """Sets REMOTE_ADDR to the client's address when the portal runs behind TRUSTED_PROXY_HOPS proxies (nginx
    in deploy/portal: one). With 0 hops X-Forwarded-For is ignored: a rotating header must not dodge the
    throttles (sign-in, enrolment) or change the address stored for an agent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        hops = settings.TRUSTED_PROXY_HOPS
        if hops > 0:
            meta = request.META
            meta["REMOTE_ADDR"] = forwarded_client(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), hops)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Every HTML page gets CONTENT_SECURITY_POLICY: scripts, styles and images from this host only, no inline
    script or style, no framing. A page that needs something else says so in its own header, which is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        is_html = response.get("Content-Type", "").startswith("text/html")
        if is_html and settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response
