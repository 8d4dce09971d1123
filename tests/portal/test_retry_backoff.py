"""The one back-off rule every retrying task uses (portal.lib.retry)."""

import pytest

from meters.tasks import RETRY_BACKOFF
from portal.lib.retry import backoff_seconds
from reports.tasks import EMAIL_BACKOFF


def test_the_wait_doubles_from_the_base_up_to_the_cap():
    waits = [backoff_seconds(n, base=2, cap=300, jitter=False) for n in range(10)]
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_jitter_only_shortens_a_wait_to_no_less_than_half():
    for retries in range(12):
        ceiling = backoff_seconds(retries, base=60, cap=900, jitter=False)
        waits = {backoff_seconds(retries, base=60, cap=900) for _ in range(50)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1  # tasks that failed together do not all come back together


def test_a_task_that_retried_very_often_still_waits_the_cap():
    assert backoff_seconds(10_000, base=2, cap=300, jitter=False) == 300


def test_the_tasks_keep_their_waits():
    """Results retry from 2 s up to 5 minutes; a failed email after a minute, then 2, 4 and 8 minutes."""
    assert [backoff_seconds(n, **RETRY_BACKOFF, jitter=False) for n in (0, 1, 7, 8)] == [2, 4, 256, 300]
    assert [backoff_seconds(n, **EMAIL_BACKOFF, jitter=False) for n in range(4)] == [60, 120, 240, 480]


@pytest.mark.parametrize("retries, base, cap", [(-1, 2, 300), (0, 0, 300), (0, 60, 30)])
def test_a_nonsense_setting_is_refused(retries, base, cap):
    with pytest.raises(ValueError, match="back-off needs"):
        backoff_seconds(retries, base=base, cap=cap)
