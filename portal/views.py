from functools import cache
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView


class CentralHomeView(TemplateView):
    template_name = "portal/central_home.html"


@cache
def _favicon_bytes() -> bytes:
    return (Path(__file__).parent / "static" / "portal" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request):
    """/favicon.ico, which browsers and bookmark bars ask for whatever the page's <link rel="icon"> says.
    The pages themselves name the SVG; this is the same mark as 16, 32 and 48 pixel PNGs in one .ico."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")
