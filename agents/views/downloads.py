"""The single-file agent and its checksum, on the dealer's host without signing in: a technician fetches it from
the customer's PC with curl or Invoke-WebRequest. It holds no secret (the licence key is typed at enrolment)."""

import logging
import subprocess

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpResponse
from django.views.generic import View

from agents.services.agent_releases import FILENAME, release_current, sha256sum_line
from agents.services.install_scripts import SCRIPTS, install_script
from portal.lib.urls import absolute_url

log = logging.getLogger(__name__)
BUILD_FAILED = "The agent package could not be prepared just now: try again in a few minutes."
NOT_READY = "The agent download is not set up on this portal yet: its operator must add the release signing key."


class PackageView(View):
    """Without the operator's signing key there is no signed agent to hand out: a 503 that says so, not a 500."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ImproperlyConfigured as exc:
            log.error("agent download refused: %s", exc)
            return HttpResponse(NOT_READY + "\n", status=503, content_type="text/plain; charset=utf-8")
        except (OSError, subprocess.SubprocessError) as exc:  # the release could not be built or read
            log.error("agent download failed: %s", exc)
            return HttpResponse(BUILD_FAILED + "\n", status=503, content_type="text/plain; charset=utf-8")


class AgentPackageView(PackageView):
    def get(self, request):
        package = release_current()
        response = FileResponse(
            package.path.open("rb"), as_attachment=True, filename=FILENAME, content_type="application/octet-stream"
        )
        response["X-Agent-Version"] = package.version
        return response


class AgentPackageChecksumView(PackageView):
    def get(self, request):
        return HttpResponse(sha256sum_line(release_current()), content_type="text/plain; charset=utf-8")


class InstallScriptView(View):
    """deploy/agent/install-linux.sh and install-windows.ps1, with this portal's addresses filled in."""

    def get(self, request, name):
        if name not in SCRIPTS:
            raise Http404("no such install script")
        download_url = absolute_url("")
        text = install_script(name, portal_url=settings.PORTAL_CENTRAL_URL, download_url=download_url)
        response = HttpResponse(text, content_type=SCRIPTS[name])
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response
