"""Queueing a Celery task by name without failing the caller when the broker is down.

The work itself is always a row first (a report run, an email), committed before the broker is asked; a sweep
finds rows whose queueing failed and queues them again. So a page that queues work says "try again shortly"
instead of answering 500, and nothing the user asked for is lost.
"""

import logging

from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from portal.celery import app as celery_app

log = logging.getLogger(__name__)
BROKER_ERRORS = (KombuError, RedisError, OSError)
# A broker that does not answer at once is down: a web request must not wait on it (the sweep will queue).
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def task_send(name: str, *args: str) -> bool:
    """Sends the task (in the current dealer's schema); False, logged without the broker's URL, if it could not."""
    try:
        celery_app.send_task(name, args=list(args), retry_policy=FAIL_FAST)
    except BROKER_ERRORS as exc:
        log.warning("task %s%s not queued: broker unreachable (%s)", name, list(args), type(exc).__name__)
        return False
    return True
