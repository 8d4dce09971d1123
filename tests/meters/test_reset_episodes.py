"""A counter reset is one episode: later reads wait with it, one decision settles it, and nothing is billed twice."""

from datetime import timedelta

from django.utils import timezone

from meters.models import MeterFlag
from meters.services.flags import FlagAlreadyDecided, flag_accept, flag_dismiss
from tests.meters.ingest_support import LIFE_COUNT, discover, hours_ago, new_agent, read, set_value
from tests.support.personas import client_for


def reads_of(device) -> list[tuple[int, bool]]:
    return [(r.total, r.is_flagged) for r in device.reads.order_by("read_at")]


def test_a_reset_then_more_reads_bills_every_page_once_after_one_decision(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.20.1")
    for hours, total in ((30, 100_000), (20, 500), (10, 800)):
        read(agent, device, "konica_c250i", at=hours_ago(hours), edit=set_value(LIFE_COUNT, total))
    flags = MeterFlag.objects.filter(device=device, meter_kind="total")
    assert flags.count() == 1  # one episode, not a flag per read after the reset
    assert reads_of(device) == [(100_000, False), (500, True), (800, True)]  # held with it
    assert device.latest_total == 100_000
    flag_accept(flag=flags.get(), by="admin@acme.example")
    device.refresh_from_db()
    assert reads_of(device) == [(100_000, False), (100_500, False), (100_800, False)]
    assert device.latest_total == 100_800  # 100,000 before the reset + 800 since: never 199,500
    read(agent, device, "konica_c250i", at=hours_ago(1), edit=set_value(LIFE_COUNT, 900))
    assert device.latest_total == 100_900 and not MeterFlag.objects.filter(device=device, state="open").exists()


def test_deciding_twice_is_told_and_applies_one_offset(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.20.2")
    read(agent, device, "konica_c250i", at=hours_ago(5), edit=set_value(LIFE_COUNT, 7_000))
    read(agent, device, "konica_c250i", at=hours_ago(4), edit=set_value(LIFE_COUNT, 40))
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    flag_accept(flag=flag, by="admin@acme.example")
    for second in (lambda: flag_accept(flag=flag, by="tech@acme.example"), lambda: flag_dismiss(flag=flag, by="x")):
        try:
            second()
        except FlagAlreadyDecided as decided:
            assert "already accepted by admin@acme.example" in str(decided)
        else:
            raise AssertionError("a second decision went through")
    device.refresh_from_db()
    assert device.offsets.count() == 1 and device.latest_total == 7_040


def test_a_double_click_on_accept_says_already_decided_not_500(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.20.3")
    read(agent, device, "konica_c250i", at=hours_ago(5), edit=set_value(LIFE_COUNT, 7_000))
    read(agent, device, "konica_c250i", at=hours_ago(4), edit=set_value(LIFE_COUNT, 40))
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    client = client_for(acme, acme.technician)
    for _click in range(2):
        answer = client.post(f"/flags/{flag.public_id}/decide/", {"decision": "accept"}, follow=True)
        assert answer.status_code == 200
    assert "already accepted" in answer.content.decode()
    device.refresh_from_db()
    assert device.offsets.count() == 1 and device.latest_total == 7_040


def test_a_back_dated_read_is_checked_against_the_read_after_it(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.20.4")
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(LIFE_COUNT, 140_313))
    # A read from a day earlier arrives late with a counter 10^12 higher: it fits no neighbour.
    read(agent, device, "konica_c250i", at=timezone.now() - timedelta(days=1), edit=set_value(LIFE_COUNT, 10**12))
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    assert flag.kind == "out_of_order" and flag.current == 10**12
    assert device.latest_total == 140_313
    assert all(month.max_total < 10**12 for month in device.months.all())  # never in a month's volume
    assert not device.reads.get(total=140_313).is_flagged  # the later read is not held by it


def test_the_jump_check_uses_the_rated_speed_and_says_so(acme):
    agent = new_agent()
    device = discover(agent, "konica_c250i", "10.12.20.5")  # bizhub C250i: 25 pages a minute
    read(agent, device, "konica_c250i", at=hours_ago(10), edit=set_value(LIFE_COUNT, 40_000))
    # 8 hours at 25 ppm (with margin) is at most 18,000 pages: 30,000 more cannot be real.
    read(agent, device, "konica_c250i", at=hours_ago(2), edit=set_value(LIFE_COUNT, 70_000))
    flag = MeterFlag.objects.get(device=device, meter_kind="total")
    assert flag.kind == "jump" and "rated 25 pages a minute" in flag.message and "Konica Minolta" in flag.message
