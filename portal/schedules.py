"""Every periodic task, in one place. `manage.py sync_schedules` writes them into django-celery-beat's tables,
where operators can change them in the admin (beat reads them from there)."""

SCHEDULES = {
    # Agents that vanish mid-directive: their work goes back to the queue for the next poll.
    # Results acknowledged but not interpreted (broker down, worker killed): queued again until interpreted.
    "sweep-stuck-results": {"task": "meters.tasks.sweep_stuck_results", "every_seconds": 120},
    "requeue-expired-leases": {"task": "agents.tasks.requeue_expired_leases", "every_seconds": 60},
    # Discovery (Mon/Thu afternoon), meter reads (3x a day) and status scans, each in the site's own time zone.
    "site-directives": {"task": "meters.tasks.dispatch_due_directives", "every_seconds": 300},
    # Scheduled meter reports (weekly, monthly, after each read window), in the customer's time zone.
    "reports": {"task": "reports.tasks.dispatch_due_reports", "every_seconds": 300},
    # Report runs and emails whose queueing failed ("Email report now" with the broker down) or whose worker died.
    "requeue-stuck-reports": {"task": "reports.tasks.requeue_stuck_reports", "every_seconds": 120},
    # Toner and service alert emails: one per new condition, one when it clears.
    "alert-emails": {"task": "reports.tasks.dispatch_alert_emails", "every_seconds": 120},
    # Agents not heard from for a day: one email to the dealer per silence.
    "silent-agents": {"task": "reports.tasks.notify_silent_agents", "every_seconds": 900},
    # Devices with no read for 7 days go stale (pink in reports); after 42 they leave reports.
    "device-lifecycles": {"task": "meters.tasks.update_device_lifecycles", "every_seconds": 6 * 3600},
    # Meter history's month partitions, created three months ahead in every dealer (meters.services.partitions).
    "meter-partitions": {"task": "meters.tasks.ensure_meter_partitions", "every_seconds": 24 * 3600},
    # Proof for /readyz that beat schedules and a worker runs tasks (portal.health; stale after 3 intervals).
    "heartbeat": {"task": "portal.tasks.heartbeat", "every_seconds": 60},
}
