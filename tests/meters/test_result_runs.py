"""Acknowledged results on a real worker: interpreted once however often they are queued, failed visibly
when they cannot be, and re-run by an operator."""

from contextlib import contextmanager
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from agents.services.results import result_queue, results_stuck, results_sweep
from meters.models import MeterRead
from tests.meters.ingest_support import discover, new_agent, read_payload, store_result
from tests.support.personas import api_client_for, client_for
from tests.support.waiting import wait_until

RECORDINGS = ["konica_c250i", "sharp", "brother_hl5370dw"]


def _fleet(prefix: str):
    agent = new_agent()
    devices = [discover(agent, recording, f"{prefix}.{n}") for n, recording in enumerate(RECORDINGS, start=1)]
    entries = [
        read_payload(device, recording)["devices"][0] for device, recording in zip(devices, RECORDINGS, strict=True)
    ]
    return agent, devices, entries


def _reads_per_device(result: DirectiveResult, devices) -> list[int]:
    """The result's meter reads per device (committed data: other tests may have read the same printers)."""
    return [MeterRead.objects.filter(result=result, device=device).count() for device in devices]


def _status(result: DirectiveResult) -> str:
    result.refresh_from_db()
    return result.status if result.status != ResultStatus.RECEIVED else ""


@contextmanager
def _refusing_to_finish(result: DirectiveResult):
    """PostgreSQL refuses to mark this one result interpreted: a fault the interpretation cannot get past."""
    name = f"refuse_{result.pk}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.id = {result.pk} AND NEW.status = 'interpreted' THEN "
            "RAISE EXCEPTION 'the archive volume is read-only'; END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE ON agents_directiveresult FOR EACH ROW EXECUTE FUNCTION {name}()"
        )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {name} ON agents_directiveresult")
            cursor.execute(f"DROP FUNCTION {name}()")


def test_a_result_that_cannot_be_interpreted_is_failed_shown_and_interpreted_again_once_fixed(committed, celery_worker):
    acme = committed["acme"]
    with tenant_context(acme.dealer):
        agent, devices, entries = _fleet("10.77.1")
        result = store_result(agent, "read", {"devices": entries})
        with _refusing_to_finish(result):
            assert result_queue(result)
            assert wait_until(lambda: _status(result)) == ResultStatus.FAILED
        assert "read-only" in result.error and not MeterRead.objects.filter(result=result).exists()
        directive_id, site_id = result.directive.public_id, agent.site.public_id

    api = api_client_for(acme, acme.technician)
    listed = api.get(f"/api/v1/directives/?site={site_id}").json()["results"]
    shown = next(d for d in listed if d["id"] == str(directive_id))["result"]
    assert shown["status"] == "failed" and "read-only" in shown["error"]
    page = client_for(acme, acme.technician).get(f"/sites/{site_id}/").content.decode()
    assert "read-only" in page and "Interpret again" in page

    assert api.post(f"/api/v1/directives/{directive_id}/reinterpret/").status_code == 202
    with tenant_context(acme.dealer):
        assert wait_until(lambda: _status(result)) == ResultStatus.INTERPRETED
        assert _reads_per_device(result, devices) == [1, 1, 1]
    assert api.post(f"/api/v1/directives/{directive_id}/reinterpret/").status_code == 409


def test_a_result_whose_queueing_was_lost_is_found_by_the_sweep_and_interpreted_once(committed, celery_worker):
    with tenant_context(committed["acme"].dealer):
        agent, devices, entries = _fleet("10.77.2")
        result = store_result(agent, "read", {"devices": entries})  # stored, acknowledged, never queued
        DirectiveResult.objects.filter(pk=result.pk).update(received_at=timezone.now() - timedelta(minutes=5))

        assert results_sweep()["queued"] >= 1
        assert not results_stuck().filter(pk=result.pk).exists(), "queued: the next beat leaves it alone"
        assert result_queue(result) and result_queue(result)  # duplicate uploads and late redeliveries

        assert wait_until(lambda: _status(result)) == ResultStatus.INTERPRETED
        assert _reads_per_device(result, devices) == [1, 1, 1]
        result.refresh_from_db()
        assert result.attempts >= 1 and not results_stuck().filter(pk=result.pk).exists()
