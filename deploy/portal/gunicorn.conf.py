"""gunicorn settings for the portal's web process: `gunicorn -c deploy/portal/gunicorn.conf.py portal.wsgi`.

Threaded workers (gthread) because agents long-poll for directives (`GET /agent/v1/directives?wait=55`,
agents.services.wakeups): a held poll sleeps on a thread, and a sync worker would be one request blocked for
55 s. Each worker holds at most `threads - RESERVED_THREADS` polls at once (AGENT_LONG_POLL_SLOTS); the rest of
its threads always serve dealers' pages and agents' uploads, and a poll past the slots is answered at once, as
plain polling would. Sizing: deploy/portal/README.md ("Long polls").

Environment: WEB_BIND (127.0.0.1:8000), WEB_WORKERS (4), WEB_THREADS (32).
"""

import gc
import os
import signal

RESERVED_THREADS = 8  # never taken by held polls

bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "32"))
# A gthread worker's main thread reports to the arbiter while requests run, so `timeout` bounds a stuck worker,
# not a request; polls are capped at AGENT_LONG_POLL_MAX_WAIT (55 s) by the portal itself.
timeout = 60
graceful_timeout = 30
keepalive = 5
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"

# Read by portal.settings in each worker (forked from this process after the config is loaded).
os.environ.setdefault("AGENT_LONG_POLL_SLOTS", str(max(0, threads - RESERVED_THREADS)))


def post_worker_init(worker):
    """On SIGTERM, held polls answer at once (with what is leasable) instead of holding the graceful shutdown
    for up to 55 s and being cut: a deploy restarts the web process without agents seeing errors."""
    from agents.services.wakeups import wakeup_shutdown

    stop = worker.handle_exit

    def handle_exit(sig, frame):
        wakeup_shutdown()
        stop(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)  # signal() made it interrupting again; gunicorn wants restarts
    # Django, the apps and their modules are loaded by now and live as long as the worker: out of the collector's
    # sight, a full collection no longer walks them (100-150 ms every tenth API request at 100k devices,
    # bench/scale.py; docs/scaling.md).
    gc.freeze()
