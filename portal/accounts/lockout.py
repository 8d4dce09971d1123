"""Password guessing at sign-in: a few failures per account, and a few more per client address, lock sign-in
for a while; the right password does not get through a lockout.

Each attempt is written before its password is checked and counted after: with every insert committed on its
own, the k-th of k parallel guesses sees the k-1 before it, so a burst gets no more guesses than a sequence.
A refused attempt leaves no row (hammering a locked account does not lock it for longer); a failed one stays
for the window; a success clears the account's failures (not the client's: signing in to one's own account
must not buy more guesses at others').
"""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from portal.accounts.models import SignInAttempt

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failures per account (the email typed) in WINDOW
CLIENT_LIMIT = 20  # failures per client address in WINDOW, whatever the accounts


@dataclass(frozen=True)
class Lockout:
    until: datetime

    def minutes_left(self, now: datetime | None = None) -> int:
        return max(1, math.ceil((self.until - (now or timezone.now())).total_seconds() / 60))

    def seconds_left(self, now: datetime | None = None) -> int:
        return max(1, math.ceil((self.until - (now or timezone.now())).total_seconds()))

    def message(self) -> str:
        minutes = self.minutes_left()
        at = timezone.localtime(self.until)
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many sign-in attempts. Try again in {minutes} {unit} (at {at:%H:%M} {at.tzname()})."


def sign_in_attempt_begin(*, email: str, client: str | None) -> SignInAttempt | Lockout:
    """Records the attempt about to be checked, or answers the lockout that refuses it unchecked."""
    attempt = SignInAttempt.objects.create(email=email, client=client)
    lockout = _lockout(attempt)
    if lockout is not None:
        attempt.delete()
        logger.info("Sign-in refused while locked: account=%s client=%s until=%s", email, client, lockout.until)
    return lockout or attempt


def sign_in_attempt_failed(*, attempt: SignInAttempt) -> None:
    """The password was wrong (or the account cannot sign in): the attempt counts for the window."""
    SignInAttempt.objects.filter(attempted_at__lt=timezone.now() - WINDOW).delete()
    recent = _recent().filter(attempted_at__lte=attempt.attempted_at)
    if recent.filter(email=attempt.email).count() == ACCOUNT_LIMIT:
        _log_locked("account", attempt, recent.filter(email=attempt.email), ACCOUNT_LIMIT)
    if attempt.client and recent.filter(client=attempt.client).count() == CLIENT_LIMIT:
        _log_locked("client", attempt, recent.filter(client=attempt.client), CLIENT_LIMIT)


def sign_in_attempt_succeeded(*, attempt: SignInAttempt) -> None:
    SignInAttempt.objects.filter(email=attempt.email).delete()


def sign_in_failures_clear(*, email: str) -> None:
    """A new password set through the reset link: earlier guesses at the old one no longer lock the account."""
    SignInAttempt.objects.filter(email=email.strip().lower()).delete()


def _recent() -> QuerySet[SignInAttempt]:
    return SignInAttempt.objects.filter(attempted_at__gt=timezone.now() - WINDOW)


def _lockout(attempt: SignInAttempt) -> Lockout | None:
    others = _recent().exclude(pk=attempt.pk)
    ends = [_locked_until(others.filter(email=attempt.email), ACCOUNT_LIMIT)]
    if attempt.client:
        ends.append(_locked_until(others.filter(client=attempt.client), CLIENT_LIMIT))
    ends = [end for end in ends if end is not None]
    return Lockout(until=max(ends)) if ends else None


def _locked_until(attempts: QuerySet[SignInAttempt], limit: int) -> datetime | None:
    """While `limit` attempts are in the window, locked until the limit-th newest leaves it."""
    times = attempts.order_by("-attempted_at").values_list("attempted_at", flat=True)[limit - 1 : limit]
    return times[0] + WINDOW if times else None


def _log_locked(what: str, attempt: SignInAttempt, recent: QuerySet[SignInAttempt], limit: int) -> None:
    until = _locked_until(recent, limit)
    message = "Sign-in locked after %d failures per %s: account=%s client=%s until=%s"
    logger.warning(message, limit, what, attempt.email, attempt.client, until)
