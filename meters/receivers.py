"""meters' receivers: of Django's model signals, and of the signals agents sends (agents must not import meters).

A device deleted by any path (the service, the admin, a queryset in a script) takes its pages out of its
customer's monthly rollup: CustomerMonth sums devices and has no foreign key to them to cascade along.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from agents.models import Agent, Site
from agents.signals import agent_enrolled
from meters.models import Device
from meters.services.rollups import customer_months_rebuild
from meters.services.schedules import discovery_request


@receiver(post_delete, sender=Device, dispatch_uid="meters.device_deleted")
def device_deleted(sender, instance: Device, **kwargs) -> None:
    customer_id = Site.objects.filter(pk=instance.site_id).values_list("customer_id", flat=True).first()
    if customer_id is not None:  # in the deleting transaction: the device's rows are gone from its view already
        customer_months_rebuild([customer_id])


@receiver(agent_enrolled, sender=Agent, dispatch_uid="meters.agent_enrolled")
def first_discovery(sender, agent: Agent, site: Site, **kwargs) -> None:
    """A new agent scans at once (or when the site's scan window opens), not at the site's next scheduled one."""
    discovery_request(site=site, requested_by="enrolment")
