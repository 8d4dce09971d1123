from django import template

from reports.forms import ReportScheduleForm
from reports.models import OutboundEmail, ReportRun

register = template.Library()


@register.simple_tag
def customer_report_panel(customer) -> dict:
    """Schedules, recent report runs and emails of a customer, for its page (three queries)."""
    schedules = list(customer.report_schedules.select_related("site"))
    return {
        "schedules": [(s, ReportScheduleForm(instance=s, customer=customer)) for s in schedules],
        "new_form": ReportScheduleForm(customer=customer),
        "runs": ReportRun.objects.filter(customer=customer).defer("workbook")[:8],
        "emails": OutboundEmail.objects.filter(customer=customer).only(
            "kind", "subject", "recipients", "status", "created_at", "sent_at", "error"
        )[:8],
    }
