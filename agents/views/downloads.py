"""The single-file agent and its checksum, on the dealer's host without signing in: a technician fetches it from
the customer's PC with curl or Invoke-WebRequest. It holds no secret (the license key is typed at enrolment)."""

from django.http import FileResponse, HttpResponse
from django.views.generic import View

from agents.services.agent_package import FILENAME, agent_package, sha256sum_line


class AgentPackageView(View):
    def get(self, request):
        package = agent_package()
        response = FileResponse(package.path.open("rb"), as_attachment=True, filename=FILENAME,
                                content_type="application/octet-stream")  # fmt: skip
        response["X-Agent-Version"] = package.version
        return response


class AgentPackageChecksumView(View):
    def get(self, request):
        return HttpResponse(sha256sum_line(agent_package()), content_type="text/plain; charset=utf-8")
