"""Every API error is `{"detail": "...", "code": "..."}`: one sentence a technician understands."""

from rest_framework.views import exception_handler as drf_exception_handler


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
