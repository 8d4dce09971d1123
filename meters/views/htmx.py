"""HTMX requests get only the partial they swap in (NetBox's utilities/htmx.py idea)."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """A partial is wanted for an HTMX request, but not for a boosted navigation (that wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
