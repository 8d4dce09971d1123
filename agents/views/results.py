"""An operator's re-run of a result whose interpretation failed (the site page's "Interpret again")."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from agents.models import DirectiveResult
from agents.services.results import result_retry
from portal.lib.views import EditorRequiredMixin


class ResultRetryView(EditorRequiredMixin, View):
    def post(self, request, public_id):
        result = get_object_or_404(DirectiveResult.objects.select_related("directive__site"), public_id=public_id)
        if result_retry(result):
            messages.success(request, "Interpreting the result again; its state shows here in a moment.")
        else:
            messages.info(request, "That result is no longer failed: nothing to do.")
        return redirect("site-detail", public_id=result.directive.site.public_id)
