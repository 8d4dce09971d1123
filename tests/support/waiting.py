"""Waiting for another process (a worker, a server, an agent) to make something true."""

import time


def wait_until(check, timeout: float = 60, interval: float = 0.3):
    """The first truthy value of check(), polled until timeout; AssertionError if it never comes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {getattr(check, '__name__', 'a condition')}")
