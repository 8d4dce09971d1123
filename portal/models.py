"""Tables of the platform itself, in the public schema (the portal app is shared, not per dealer)."""

from django.db import models


class Heartbeat(models.Model):
    """When a proof of life last ran: `celery` is written by portal.tasks.heartbeat, which beat schedules and a
    worker runs; /readyz reads its age. In the database, not the cache: a Redis restart must not make a healthy
    beat look dead, and web, worker and beat all read the same row."""

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
