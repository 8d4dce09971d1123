from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.views.generic import TemplateView

from agents.models import Agent, Customer, Directive, Site
from portal.lib.views import DealerPageMixin


class HomeView(DealerPageMixin, TemplateView):
    template_name = "portal/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = Customer.objects.active().aggregate(
            customers=Count("id"), unconfirmed=Count("id", filter=Q(needs_confirmation=True))
        )
        context["site_count"] = Site.objects.active().count()
        context["agents"] = Agent.objects.filter(revoked_at__isnull=True).select_related("site__customer")[:10]
        context["pending"] = Directive.objects.filter(status__in=["pending", "leased"]).count()
        context["to_confirm"] = Site.objects.active().filter(needs_confirmation=True).select_related("customer")
        return context


class CentralHomeView(TemplateView):
    template_name = "portal/central_home.html"


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "schema": connection.schema_name})
