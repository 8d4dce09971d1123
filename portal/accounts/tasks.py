"""Staff accounts' background work. Queued inside a dealer's request, so it runs in that dealer's schema
(tenant-schemas-celery carries the schema in the task's headers)."""

from celery import shared_task

from portal.accounts.reset_email import RESET_EMAIL_TASK, password_reset_email_send
from portal.lib.retry import backoff_seconds

# As reports' emails: a minute after the first failure, doubling; four retries span a 15-minute mail outage.
EMAIL_BACKOFF = {"base": 60, "cap": 900}


@shared_task(name=RESET_EMAIL_TASK, bind=True, max_retries=4)
def send_password_reset(self, user_id: str, origin: str | None = None) -> bool:
    """Emails the reset link. A retry makes a new token: any link the user gets works (until one is used)."""
    try:
        return password_reset_email_send(user_id=user_id, origin=origin)
    except Exception as exc:  # the mail server refused or was away: try again later, with back-off
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries, **EMAIL_BACKOFF)) from exc
