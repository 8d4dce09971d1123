"""A meter-reading request end to end: the link emailed to the customer, and what the customer types in stored
and told to the dealer."""

from collections.abc import Callable

from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction

from agents.models import Customer
from meters.interpret.types import BILLING_KINDS, METER_LABELS
from meters.models import Device, MeterRead, ReadingRequest
from meters.services.manual_reads import last_good_read
from meters.services.reading_requests import Fulfilled, reading_request_create, reading_request_fulfil
from portal.accounts.models import Role, User
from portal.lib.email import dealer_reply_to, sender_address
from reports.choices import EmailKind
from reports.models import OutboundEmail
from reports.services.emails import Rendered, email_queue, render_email


def default_recipients(customer: Customer) -> list[str]:
    """Whoever gets the customer's meter reports; its contact when nobody does."""
    return list(customer.report_emails) or ([customer.contact_email] if customer.contact_email else [])


def _dealer_context() -> dict:
    dealer = connection.tenant
    return {
        "dealer_name": dealer.name,
        "dealer_email": dealer.reply_to_email or None,
        "dealer_phone": dealer.phone or None,
    }


def _device_context(device: Device) -> dict:
    site = device.site
    return {
        "customer_name": site.customer.name,
        "site_name": site.name,
        "device": {
            "manufacturer": device.manufacturer,
            "model": device.model,
            "serial": device.serial,
            "location": device.location,
            "ip": device.ip,
        },
    }


def meter_rows(values: dict, previous: dict | None = None) -> list[dict]:
    """A read's billing meters in billing order, labelled, each with the previous read's count when given."""
    order = [kind for kind in BILLING_KINDS if kind in values]
    return [
        {"label": METER_LABELS[kind], "pages": values[kind], "previous": (previous or {}).get(kind)} for kind in order
    ]


def reading_request_send(*, device: Device, recipients: list[str], by: str, link_for: Callable[[str], str]):
    """Makes the link and emails it, in one transaction: when the email cannot be sent, there is no link.

    Sent here, not queued like other email (email_queue keeps each body in the database): the link must not
    be kept anywhere but in the customer's mailbox, as only its hash is stored."""
    with transaction.atomic():
        request, token = reading_request_create(device=device, recipients=recipients, by=by)
        last = last_good_read(device=device)
        context = {
            **_dealer_context(),
            **_device_context(device),
            "link": link_for(token),
            "expires_at": request.expires_at,
            "last_read_at": last.read_at if last else None,
            "meters": meter_rows(last.values) if last else [],
            "contact_name": device.site.customer.contact_name or None,
        }
        _send_now(render_email("reading_request", context, device.site.time_zone), recipients)
    return request


def _send_now(rendered: Rendered, recipients: list[str]) -> None:
    dealer = connection.tenant
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=recipients,
        from_email=sender_address(dealer),
        reply_to=dealer_reply_to(dealer) or None,
    )
    message.attach_alternative(rendered.html, "text/html")
    message.send(fail_silently=False)


def dealer_recipients(request: ReadingRequest) -> list[str]:
    """Who asked, and the dealer's reply address (its admins when it has none)."""
    dealer = connection.tenant
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    desk = [dealer.reply_to_email] if dealer.reply_to_email else list(admins)
    return [request.requested_by, *desk]


def reading_entered_notify(*, request: ReadingRequest, done: Fulfilled, portal_url: str) -> OutboundEmail:
    """Tells the dealer what the customer typed in, next to the last good read, and whether it was flagged."""
    device, read = request.device, done.read
    assert read is not None, "only a stored entry is notified"
    previous: MeterRead | None = done.previous
    context = {
        **_dealer_context(),
        **_device_context(device),
        "entered_by": request.entered_by,
        "entered_at": read.read_at,
        "previous_at": previous.read_at if previous else None,
        "meters": meter_rows(read.values, previous.values if previous else None),
        "flags": [flag.message for flag in done.check.flags],
        "portal_url": portal_url,
        "sent_to": request.sent_to,
    }
    rendered = render_email("reading_entered", context, device.site.time_zone)
    return email_queue(
        kind=EmailKind.READING_ENTERED,
        dedupe_key=f"reading-entered:{request.public_id}",
        recipients=dealer_recipients(request),
        rendered=rendered,
        customer=device.site.customer,
    )


@transaction.atomic
def reading_request_enter(*, request: ReadingRequest, entered: dict[str, int], entered_by: str, portal_url: str):
    """Stores what the customer typed in and tells the dealer, together: an entry is never stored untold.
    Returns the Fulfilled (its read is None when a meter was refused); raises LinkGone for a used-up link."""
    done = reading_request_fulfil(request=request, entered=entered, entered_by=entered_by)
    if done.read is not None:
        request.refresh_from_db()
        reading_entered_notify(request=request, done=done, portal_url=portal_url)
    return done
