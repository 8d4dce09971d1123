"""Bulk ingest runs with CPython's cyclic collector paused (portal.lib.collector) and always hands it back: after
an interpretation that worked, one that failed, and around pauses nested or begun with the collector off."""

import gc

import pytest
from django.db import DatabaseError
from django_tenants.utils import tenant_context

from agents.choices import ResultStatus
from meters.models import Device, MeterRead
from meters.services.result_runs import result_run
from portal.lib.collector import collector_paused
from tests.meters.ingest_support import store_result
from tests.meters.test_result_runs import _fleet, _refusing_to_finish


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_the_collector_is_off_inside_a_pause_and_back_after_it_even_after_an_error(collector_on):
    with pytest.raises(ValueError), collector_paused():
        assert not gc.isenabled()
        raise ValueError("the upload was bad")
    assert gc.isenabled()


def test_nested_pauses_hand_the_collector_back_only_when_the_outermost_ends(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_begun_with_the_collector_off_leaves_it_off(collector_on):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_the_collector_runs_again_after_a_result_is_interpreted_or_fails(committed, collector_on):
    with tenant_context(committed["acme"].dealer):
        agent, devices, entries = _fleet("10.77.9")
        try:
            failing = store_result(agent, "read", {"devices": entries})
            with _refusing_to_finish(failing), pytest.raises(DatabaseError):
                result_run(str(failing.public_id))
            assert gc.isenabled()

            result_run(str(failing.public_id))  # fixed: the same result interpreted, with the collector paused again
            failing.refresh_from_db()
            assert failing.status == ResultStatus.INTERPRETED and gc.isenabled()
            assert MeterRead.objects.filter(result=failing).count() == len(devices)
        finally:  # committed data outlives this test
            Device.objects.filter(pk__in=[device.pk for device in devices]).delete()
