from datetime import timedelta

from django import template

from reports.forms import ReportScheduleForm
from reports.models import OutboundEmail, ReportRun
from reports.selectors import report_device_count

DEFAULT_SCHEDULE_WINDOW = timedelta(seconds=5)  # made in the customer's own transaction (customer_create)

register = template.Library()


@register.simple_tag
def customer_report_panel(customer) -> dict:
    """Schedules (each with whether it is the one made with the customer), recent report runs and emails of a
    customer, and how many devices its report would list, for its page (four queries)."""
    schedules = list(customer.report_schedules.select_related("site"))
    return {
        "schedules": [(s, s.created_at - customer.created_at < DEFAULT_SCHEDULE_WINDOW) for s in schedules],
        "device_count": report_device_count(customer=customer),
        "new_form": ReportScheduleForm(customer=customer),
        "runs": ReportRun.objects.filter(customer=customer).defer("workbook")[:8],
        "emails": OutboundEmail.objects.filter(customer=customer).only(
            "kind", "subject", "recipients", "status", "created_at", "sent_at", "error"
        )[:8],
    }
