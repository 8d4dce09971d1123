"""How long a Celery task waits before its next try: one rule for every task that retries.

Exponential, so a short blip is retried soon and a long outage is not hammered; capped, so a task's last tries
still land while someone is watching. Jittered between half and the whole delay ("equal jitter"): when the
database or the mail server goes away, hundreds of tasks fail in the same second, and without jitter they would
all come back in the same second too, every time. Jitter only shortens a wait, so the cap stays an upper bound.
"""

import random

_rng = random.Random()


def backoff_seconds(retries: int, *, base: float, cap: float, jitter: bool = True) -> float:
    """The wait before try `retries + 1` (Celery's `self.request.retries`, 0 on the first failure):
    `base * 2**retries`, at most `cap`, then drawn from its upper half when `jitter`."""
    if retries < 0 or base <= 0 or cap < base:
        raise ValueError(f"back-off needs retries >= 0 and 0 < base <= cap, not {retries=}, {base=}, {cap=}")
    ceiling = min(cap, base * 2 ** min(retries, 32))  # 2**32 * base is past any cap: no huge integers
    return _rng.uniform(ceiling / 2, ceiling) if jitter else ceiling
