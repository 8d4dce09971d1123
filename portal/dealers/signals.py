"""Signals the foundation sends for the apps above it to act on (portal imports no app above it)."""

from django.dispatch import Signal

# Sent after a dealer's default schedule (discovery days and hour, read hours, status interval) was saved.
# Sent inside the dealer's schema, so receivers read and write its tenant tables directly. Argument: dealer.
dealer_schedule_changed = Signal()
