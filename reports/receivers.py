"""reports' receivers of the signals agents sends (agents must not import reports)."""

from django.dispatch import receiver

from agents.models import Customer
from agents.signals import customer_created
from reports.services.schedules import schedule_default_create


@receiver(customer_created, sender=Customer, dispatch_uid="reports.customer_created")
def default_schedule(sender, customer: Customer, **kwargs) -> None:
    """Every new customer gets a monthly meter report to the dealer, which the dealer can change or remove."""
    schedule_default_create(customer=customer)
