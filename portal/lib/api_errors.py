"""Every API error is `{"detail": "...", "code": "..."}`: one sentence a technician understands."""

from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIXES = ("/api/", "/agent/")


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(detail), "code": code}
    else:
        response.data = {"detail": "The request has invalid fields.", "code": "invalid", "fields": data}
    return response


def not_found(request, exception=None):
    """handler404: an API client (an agent reading `code`) gets the API's JSON even where no URL matched."""
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": "There is nothing at this address.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
