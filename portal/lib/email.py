"""Who an email is from and where replies go: the dealer's sender identity, shared by every app that sends mail
(reports' emails, the password reset)."""

from email.utils import formataddr, parseaddr

from django.conf import settings

from portal.accounts.models import Role, User


def sender_address(dealer) -> str:
    """The sender as "<Dealer> via Meterbridge" on the platform's own (SPF/DKIM-signed) address: the recipient
    sees whose email it is, and the mail still passes the platform's checks."""
    platform, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    platform = platform or "Meterbridge"
    name = str(getattr(dealer, "name", "") or "")
    return formataddr((f"{name} via {platform}" if name else platform, address))


def dealer_addresses(dealer) -> list[str]:
    """Where the dealer hears about things: its notification addresses, else where its replies go."""
    return list(dealer.notification_emails) or dealer_reply_to(dealer)


def dealer_reply_to(dealer) -> list[str]:
    """Where a reply reaches a person at the dealer: its reply address, else its first admin's.
    Reads the current schema's users: call it inside the dealer's schema."""
    if getattr(dealer, "reply_to_email", ""):
        return [dealer.reply_to_email]
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("date_joined", "pk").first()
    return [admin.email] if admin else []
