"""Every periodic task, in one place. `manage.py sync_schedules` writes them into django-celery-beat's tables,
where operators can change them in the admin (beat reads them from there)."""

SCHEDULES = {
    # Agents that vanish mid-directive: their work goes back to the queue for the next poll.
    "requeue-expired-leases": {"task": "agents.tasks.requeue_expired_leases", "every_seconds": 60},
    # Devices with no read for 7 days go stale (pink in reports); after 42 they leave reports.
    "device-lifecycles": {"task": "meters.tasks.update_device_lifecycles", "every_seconds": 6 * 3600},
}
