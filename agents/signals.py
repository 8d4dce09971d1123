"""What agents tells the apps above it, which it must not import (meters, reports): they connect receivers."""

from django.dispatch import Signal

# Sent after the enrolment commits, with `agent` and `site`: meters asks for the site's first discovery.
agent_enrolled = Signal()

# Sent inside customer_create's transaction, with `customer`: reports gives it its default report schedule, so a
# failure there leaves no customer without one.
customer_created = Signal()
