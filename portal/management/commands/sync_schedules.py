from django.core.management.base import BaseCommand
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from portal.schedules import SCHEDULES


class Command(BaseCommand):
    help = "Create or update the periodic tasks declared in portal/schedules.py (keeps operators' enabled flags)."

    def handle(self, *args, **options):
        for name, spec in SCHEDULES.items():
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=spec["every_seconds"], period=IntervalSchedule.SECONDS
            )
            _task, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": spec["task"], "interval": interval}
            )
            self.stdout.write(f"{'created' if created else 'updated'} {name}")
