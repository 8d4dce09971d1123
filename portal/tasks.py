"""Platform background work (no dealer involved: runs in the public schema)."""

from celery import shared_task

from portal.health import heartbeat_record


@shared_task(name="portal.tasks.heartbeat")
def heartbeat() -> None:
    """Beat, every minute: proves to /readyz that beat schedules and a worker runs what it schedules."""
    heartbeat_record()
