"""Receivers for signals the foundation (portal) sends: agents acts on them without portal importing agents."""

from django.dispatch import receiver

from agents.models import Site
from portal.dealers.signals import dealer_schedule_changed


@receiver(dealer_schedule_changed, dispatch_uid="agents.reschedule_sites")
def reschedule_sites(sender, dealer, **kwargs) -> None:
    """New default days or hours apply from now: each site's next times are recomputed at the next pass."""
    Site.objects.update(next_discovery_at=None, next_read_at=None, next_status_at=None)
