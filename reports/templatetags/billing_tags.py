from datetime import timedelta

from django import template
from django.utils import timezone

from reports.billing.forms import FORMATS

register = template.Library()


@register.inclusion_tag("reports/_billing_export_form.html", takes_context=True)
def billing_export_form(context, customer=None) -> dict:
    """The "Export billing" form, for the last full month: one customer's, or (on the device list) a choice
    of customer with the page's own <option>s."""
    last_month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return {
        "customer": customer,
        "customer_options": context.get("customer_options", ""),
        "start": last_month_end.replace(day=1),
        "end": last_month_end,
        "formats": FORMATS,
    }
