"""A large read is interpreted as chunks by several worker processes, and ends as the same read interpreted whole."""

from collections import Counter

from django_tenants.utils import tenant_context

from agents.choices import ResultStatus
from agents.models import DirectiveResult
from agents.services.results import result_queue
from meters.interpret import DISCOVERY_OIDS, identify
from meters.interpret.plan import plan_for_profile
from meters.interpret.varbinds import VarbindIndex
from meters.models import Alert, Device, DeviceEvent, MeterRead, Supply
from meters.services.ingest import result_interpret
from meters.services.result_runs import CHUNKS, result_chunk_run, result_run
from portal.queues import RESULTS
from tests.meters.ingest_support import hours_ago, new_agent, store_result
from tests.support.factories import make_site
from tests.support.redis_server import celery_worker_on
from tests.support.snmprec import load_recording, read_with_plan
from tests.support.waiting import wait_until

RECORDINGS = ["konica_c250i", "sharp", "ricoh_mpc3002", "fujifilmprinter_c7580", "dell-laser_s5830dn"]
SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
DEVICE_STATUS, ERROR_STATE = "1.3.6.1.2.1.25.3.2.1.5.1", "1.3.6.1.2.1.25.3.5.1.2.1"
FLEET = 11
CHUNK = 3  # 11 devices: four chunks


def _as_device(varbinds: list, serial: str, *, pages: int = 0, warning: bool = False) -> list:
    """The recording as another printer: its own serial, its counters `pages` on, maybe a warning."""
    recorded = next(str(v) for o, _t, v in varbinds if o == SERIAL)
    out = []
    for oid, vtype, value in varbinds:
        if value == recorded:
            value = serial
        elif vtype in ("counter32", "counter64") or (oid.startswith("1.3.6.1.2.1.43.10.2.1.4.") and vtype == "int"):
            value += pages
        elif warning and oid in (DEVICE_STATUS, ERROR_STATE):
            vtype, value = ("int", 3) if oid == DEVICE_STATUS else ("hex", "4000")
        out.append([oid, vtype, value])
    return out


def _serial(agent, index: int) -> str:
    return f"SPLIT{agent.pk}X{index:03d}"  # printers are one dealer-wide by serial: each site's fleet its own


def _recording(index: int) -> list:
    return load_recording(RECORDINGS[index % len(RECORDINGS)])


def _fleet(agent) -> list[Device]:
    """FLEET distinct printers found by one discovery of the agent's site."""
    entries = [
        {
            "ip": f"10.77.0.{n + 1}",
            "is_printer": True,
            "varbinds": _as_device(read_with_plan(_recording(n), list(DISCOVERY_OIDS), []), _serial(agent, n)),
        }
        for n in range(FLEET)
    ]
    result_interpret(result=store_result(agent, "discover", {"devices": entries}, at=hours_ago(2)))
    return sorted(Device.objects.filter(site=agent.site), key=lambda d: int(d.ip.rsplit(".", 1)[1]))


def _read(agent, devices: list[Device], pages: int, at) -> DirectiveResult:
    """A read of the whole fleet: counters moved on, every third printer raising a warning."""
    entries = []
    for n, device in enumerate(devices):
        full = read_with_plan(_recording(n), *plan_for_profile(identify(VarbindIndex(_recording(n)))))
        varbinds = _as_device(full, _serial(agent, n), pages=pages, warning=n % 3 == 0)
        entries.append({"device_id": str(device.public_id), "ip": device.ip, "ok": True, "varbinds": varbinds})
    return store_result(agent, "read", {"devices": entries}, at=at)


def _outcome(site) -> dict:
    """What a dealer sees of each printer (by address) after the reads: meters, supplies, alerts, events."""
    devices = Device.objects.filter(site=site)
    return {
        device.ip: (
            device.latest_total,
            device.latest_mono,
            device.latest_color,
            device.lowest_supply_percent,
            device.status_text,
            device.last_read_at is not None,
            sorted(MeterRead.objects.filter(device=device).values_list("total", "mono", "color", "is_flagged")),
            sorted(Supply.objects.filter(device=device).values_list("key", "level_percent")),
            sorted((a.code, a.cleared_at is None) for a in Alert.objects.filter(device=device)),
            Counter(DeviceEvent.objects.filter(device=device).values_list("kind", flat=True)),
        )
        for device in devices
    }


def _two_reads(agent, devices) -> list[DirectiveResult]:
    return [_read(agent, devices, 0, hours_ago(1.5)), _read(agent, devices, 40, hours_ago(1))]


def _whole(results: list[DirectiveResult]) -> None:
    for result in results:
        result_interpret(result=DirectiveResult.objects.select_related("directive__site").get(pk=result.pk))


def test_a_large_read_is_split_into_chunks_that_end_as_the_read_interpreted_whole(acme, settings):
    settings.RESULT_CHUNK_DEVICES = CHUNK
    split_agent, whole_agent = new_agent(site=make_site()), new_agent(site=make_site())
    split, whole = _two_reads(split_agent, _fleet(split_agent)), _two_reads(whole_agent, _fleet(whole_agent))
    _whole(whole)
    for result in split:
        summary = result_run(str(result.public_id))
        assert summary.chunks == 4 and summary.reads == 0
        result.refresh_from_db()
        assert result.status == ResultStatus.RECEIVED  # nothing is interpreted until its chunks are
        assert result_run(str(result.public_id)).chunks == 4  # delivered again: the same chunks, queued again
        for chunk in result.payload[CHUNKS]:
            assert result_chunk_run(str(result.public_id), chunk).devices > 0
            assert result_chunk_run(str(result.public_id), chunk) is None  # a chunk delivered twice counts once
        result.refresh_from_db()
        assert result.status == ResultStatus.INTERPRETED

    assert _outcome(split_agent.site) == _outcome(whole_agent.site)
    assert Alert.objects.filter(device__site=split_agent.site, cleared_at__isnull=True).exists()


def test_a_small_read_is_interpreted_whole(acme, settings):
    settings.RESULT_CHUNK_DEVICES = FLEET
    agent = new_agent(site=make_site())
    result = _read(agent, _fleet(agent), 0, hours_ago(1))
    summary = result_run(str(result.public_id))
    assert summary.chunks == 0 and summary.devices == FLEET and summary.reads > 0
    result.refresh_from_db()
    assert result.status == ResultStatus.INTERPRETED and CHUNKS not in result.payload


def test_the_chunks_of_one_upload_are_interpreted_by_more_than_one_worker_process(
    committed, redis_broker, live_env, tmp_path
):
    dealer = committed["acme"].dealer
    dealer.refresh_from_db()  # as the worker loads it (an earlier test may have left settings changed in memory)
    with tenant_context(dealer):
        split_agent, whole_agent = new_agent(site=make_site()), new_agent(site=make_site())
        split, whole = _two_reads(split_agent, _fleet(split_agent)), _two_reads(whole_agent, _fleet(whole_agent))
        _whole(whole)
    try:
        with (
            tenant_context(dealer),
            celery_worker_on(
                {**live_env, "RESULT_CHUNK_DEVICES": "3"},
                redis_broker.url(0),
                tmp_path / "worker.log",
                (RESULTS,),
                processes=2,
            ),
        ):
            for result in split:
                assert result_queue(result)
                wait_until(lambda r=result: DirectiveResult.objects.get(pk=r.pk).status == ResultStatus.INTERPRETED)
            plans = [DirectiveResult.objects.get(pk=result.pk).payload[CHUNKS] for result in split]
            assert all(len(plan) == 4 for plan in plans)
            assert len({done["pid"] for plan in plans for done in plan.values()}) > 1
            split_seen, whole_seen = _outcome(split_agent.site), _outcome(whole_agent.site)
            assert split_seen == whole_seen, {
                ip: (seen, whole_seen.get(ip)) for ip, seen in split_seen.items() if seen != whole_seen.get(ip)
            }
    finally:  # committed data outlives this test
        with tenant_context(dealer):
            Device.objects.filter(site__in=[split_agent.site, whole_agent.site]).delete()
