"""Email, sent exactly once. Each send is a row; the row is claimed with one conditional UPDATE
(healthchecks' sendalerts idea), so a retried task or a second worker never sends it again."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from portal.lib.email import dealer_reply_to, sender_address
from portal.lib.locale import dealer_locale_active
from portal.lib.queue import task_send
from portal.lib.xlsx import XLSX_CONTENT_TYPE
from reports.choices import EmailStatus
from reports.models import OutboundEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)  # a worker that died mid-send: its claim expires
QUEUE_GRACE = timedelta(minutes=2)  # a new email's own queueing runs right after its commit
RETRY_LOST_AFTER = timedelta(minutes=30)  # well past send_email's longest back-off (8 minutes)
SWEEP_BATCH = 200
SEND_EMAIL_TASK = "reports.tasks.send_email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(template: str, context: dict, time_zone: str = "UTC") -> Rendered:
    """Subject, text and HTML from reports/email/<template>/, with dates shown in `time_zone` and the dealer's
    locale (a task has no request to have activated it)."""
    with timezone.override(time_zone), dealer_locale_active():
        subject = render_to_string(f"reports/email/{template}/subject.txt", context)
        text = render_to_string(f"reports/email/{template}/body.txt", context)
        html = render_to_string(f"reports/email/{template}/body.html", context)
    return Rendered(" ".join(subject.split())[:300], text.strip() + "\n", html)


def email_queue(*, kind: str, dedupe_key: str, recipients: list[str], rendered: Rendered, **links) -> OutboundEmail:
    """Stores the email and queues its sending once the transaction commits. The same key again is a no-op."""
    recipients = sorted({r.strip().lower() for r in recipients if r and r.strip()})
    try:
        with transaction.atomic():
            email = OutboundEmail.objects.create(
                kind=kind,
                dedupe_key=dedupe_key[:200],
                recipients=recipients,
                subject=rendered.subject,
                text_body=rendered.text,
                html_body=rendered.html,
                **links,
            )
    except IntegrityError:
        return OutboundEmail.objects.get(dedupe_key=dedupe_key[:200])
    transaction.on_commit(lambda: _enqueue(email))
    return email


def _enqueue(email: OutboundEmail) -> bool:
    """False when the broker is down: the row stays pending and emails_requeue_stuck queues it later."""
    return task_send(SEND_EMAIL_TASK, str(email.public_id))


def emails_requeue_stuck(*, now=None) -> int:
    """Beat: emails whose queueing failed (broker down), whose sender died mid-send, or whose retry was lost,
    queued again. The claim (_claim) still lets each be sent once."""
    now = now or timezone.now()
    stuck = OutboundEmail.objects.filter(
        Q(status=EmailStatus.PENDING, created_at__lt=now - QUEUE_GRACE)
        | Q(status=EmailStatus.SENDING, claimed_at__lt=now - STUCK_AFTER)
        | Q(status=EmailStatus.FAILED, claimed_at__lt=now - RETRY_LOST_AFTER),
        attempts__lt=MAX_ATTEMPTS,
    )
    return sum(_enqueue(email) for email in stuck.only("pk", "public_id")[:SWEEP_BATCH])


def _claim(email_id) -> OutboundEmail | None:
    """Moves one sendable row to `sending`; None when it is sent, being sent, or out of attempts."""
    now = timezone.now()
    sendable = Q(status__in=[EmailStatus.PENDING, EmailStatus.FAILED]) | Q(
        status=EmailStatus.SENDING, claimed_at__lt=now - STUCK_AFTER
    )
    claimed = OutboundEmail.objects.filter(sendable, public_id=email_id, attempts__lt=MAX_ATTEMPTS).update(
        status=EmailStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return OutboundEmail.objects.get(public_id=email_id) if claimed else None


def email_send(*, email_id) -> str:
    """Sends a queued email if nobody has; returns its status afterwards. Raises on a failure worth retrying."""
    email = _claim(email_id)
    if email is None:
        return OutboundEmail.objects.get(public_id=email_id).status
    if not email.recipients:
        _finish(email, EmailStatus.GAVE_UP, error="No recipients: add report addresses to the customer.")
        return email.status
    try:
        message_id = _deliver(email)
    except Exception as exc:
        status = EmailStatus.GAVE_UP if email.attempts >= MAX_ATTEMPTS else EmailStatus.FAILED
        _finish(email, status, error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("email %s to %d recipients failed: %s", email.public_id, len(email.recipients), type(exc).__name__)
        raise
    _finish(email, EmailStatus.SENT, message_id=message_id)
    return email.status


def _deliver(email: OutboundEmail) -> str:
    dealer = connection.tenant
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text_body,
        to=email.recipients,
        from_email=sender_address(dealer),
        reply_to=dealer_reply_to(dealer) or None,
        headers={"Message-ID": make_msgid(domain="meterbridge.local"), "X-Meterbridge-Email": str(email.public_id)},
    )
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    run = email.report_run
    if run is not None and run.workbook:
        message.attach(run.filename, bytes(run.workbook), XLSX_CONTENT_TYPE)
    message.send(fail_silently=False)
    status = getattr(message, "anymail_status", None)
    return (status.message_id if status and status.message_id else message.extra_headers["Message-ID"])[:200]


def _finish(email: OutboundEmail, status: str, *, error: str = "", message_id: str = "") -> None:
    email.status, email.error = status, error
    if status == EmailStatus.SENT:
        email.sent_at, email.provider_message_id = timezone.now(), message_id
    email.save(update_fields=["status", "error", "sent_at", "provider_message_id"])
