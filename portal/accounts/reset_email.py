"""The password reset email, sent by a worker (portal.accounts.tasks) rather than during the request.

Sending it while the visitor waits made an address of a user here answer as slowly as the mail server, and an
unknown one at once: anyone could tell who has an account. The request only queues the user's public id; the
one-time token is made here, when the email is built, so the link never waits in the broker. The origin the link
goes to travels with the id: the web process that took the request knows the address its users reach (from its
settings, as portal.lib.urls builds every link; never from the request's Host header).
"""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from portal.accounts.models import User
from portal.lib.email import sender_address
from portal.lib.ids import is_uuid
from portal.lib.queue import task_send
from portal.lib.urls import absolute_url

RESET_EMAIL_TASK = "portal.accounts.tasks.send_password_reset"  # routed to the email queue (portal.queues)
TEMPLATES = "accounts/email/password_reset"


def password_reset_queue(*, user: User) -> bool:
    """Queues the email in the current dealer's schema; False (logged by task_send) if the broker is down."""
    return task_send(RESET_EMAIL_TASK, str(user.public_id), absolute_url(""))


def password_reset_email_send(*, user_id: str, origin: str | None = None) -> bool:
    """Emails the user a fresh one-time link; False, sending nothing, if they can no longer reset (deactivated or
    deleted since they asked, or their password was made unusable)."""
    user = User.objects.filter(public_id=user_id, is_active=True).first() if is_uuid(user_id) else None
    if user is None or not user.has_usable_password():
        return False
    context = _context(user, connection.tenant, origin or absolute_url(""))
    subject = "".join(render_to_string(f"{TEMPLATES}/subject.txt", context).splitlines())
    text = render_to_string(f"{TEMPLATES}/body.txt", context)
    message = EmailMultiAlternatives(subject, text, sender_address(connection.tenant), [user.email])
    message.attach_alternative(render_to_string(f"{TEMPLATES}/body.html", context), "text/html")
    message.send()
    return True


def _context(user: User, dealer, origin: str) -> dict:
    token = default_token_generator.make_token(user)
    return {
        "user": user,
        "email": user.email,
        # The link names the user by public id, on the dealer's host as other emails' links are.
        "reset_url": origin + reverse("accounts:password-reset-confirm", args=[user.public_id, token]),
        "dealer_name": dealer.name,
        "dealer_email": dealer.reply_to_email or None,
        "dealer_phone": dealer.phone or None,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
