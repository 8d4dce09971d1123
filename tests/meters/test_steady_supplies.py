"""A read whose only changes are counters and supply levels is advanced in bulk, and ends as a full read would."""

import pytest

from agents.models import DirectiveResult
from meters.choices import SUPPLY_LOW_PREFIX
from meters.interpret import DISCOVERY_OIDS, identify
from meters.interpret.plan import plan_for_profile
from meters.interpret.varbinds import VarbindIndex
from meters.models import Alert, Device, MeterRead, SteadyState
from meters.services.ingest import result_interpret
from tests.meters.ingest_support import hours_ago, new_agent, store_result
from tests.support.factories import make_site
from tests.support.snmprec import load_recording, read_with_plan

SERIAL = "1.3.6.1.2.1.43.5.1.1.17.1"
LEVEL = "1.3.6.1.2.1.43.11.1.1.9.1."
RECORDING = "konica_c250i"


def _as(varbinds: list, serial: str) -> list:
    recorded = next(str(v) for o, _t, v in varbinds if o == SERIAL)
    return [[o, t, serial if v == recorded else v] for o, t, v in varbinds]


def _later(varbinds: list, used: int) -> list:
    """Pages printed since, and every stated supply level `used` points lower."""
    counters = ("counter32", "counter64")
    return [
        [
            o,
            t,
            v + 100
            if t in counters
            else max(0, v - used)
            if o.startswith(LEVEL) and isinstance(v, int) and v > 0
            else v,
        ]
        for o, t, v in varbinds
    ]


def _site_with_base(serial: str):
    """A printer discovered and read in full once; returns (agent, device, base result, its whole read)."""
    recording = load_recording(RECORDING)
    agent = new_agent(site=make_site())
    found = {
        "ip": "10.9.0.1",
        "is_printer": True,
        "varbinds": _as(read_with_plan(recording, list(DISCOVERY_OIDS), []), serial),
    }
    result_interpret(result=store_result(agent, "discover", {"devices": [found]}, at=hours_ago(3)))
    device = Device.objects.get(site=agent.site)
    whole = _as(read_with_plan(recording, *plan_for_profile(identify(VarbindIndex(recording)))), serial)
    entry = {"device_id": str(device.public_id), "ok": True, "varbinds": whole}
    base = store_result(agent, "read", {"devices": [entry]}, at=hours_ago(2))
    result_interpret(result=base)
    return agent, device, base, whole


def _changes(device, base, before: list, after: list) -> dict:
    old = {vb[0]: vb for vb in before}
    changed = [vb for vb in after if old.get(vb[0]) != vb]
    return {"device_id": str(device.public_id), "ok": True, "base": str(base.public_id), "changed": changed}


def _seen(device) -> tuple:
    device.refresh_from_db()
    read = MeterRead.objects.filter(device=device).latest("read_at")
    return (
        device.latest_total,
        device.lowest_supply_percent,
        sorted(device.supplies.values_list("key", "level_percent", "level_raw", "level_state")),
        read.supply_levels,
        read.total,
        sorted((a.code, a.cleared_at is None) for a in Alert.objects.filter(device=device)),
    )


@pytest.mark.parametrize(("used", "alert"), [(3, False), (70, True)])  # 70 points lower: some toner under 15 %
def test_lower_supply_levels_end_as_a_full_read_would_and_only_a_new_alert_needs_one(acme, used, alert):
    advanced_agent, advanced, advanced_base, whole = _site_with_base("STEADYSUPPLY1")
    full_agent, full, _base, _whole = _site_with_base("STEADYSUPPLY2")
    later = _later(whole, used)

    entry = _changes(advanced, advanced_base, whole, later)
    assert any(vb[0].startswith(LEVEL) for vb in entry["changed"])
    sent = store_result(advanced_agent, "read", {"devices": [entry]}, at=hours_ago(1))
    result_interpret(result=sent)
    ours = {"device_id": str(full.public_id), "ok": True, "varbinds": _as(later, "STEADYSUPPLY2")}
    result_interpret(result=store_result(full_agent, "read", {"devices": [ours]}, at=hours_ago(1)))

    assert _seen(advanced) == _seen(full)
    opens_an_alert = Alert.objects.filter(device=full, code__startswith=SUPPLY_LOW_PREFIX).exists()
    assert opens_an_alert is alert
    stored = DirectiveResult.objects.get(pk=sent.pk).payload["devices"][0]
    # Advanced from the last read (kept as sent) unless a toner alert opens: that takes a full interpretation.
    assert ("base" in stored) is not opens_an_alert
    assert SteadyState.objects.get(device=advanced).hops == (0 if opens_an_alert else 1)
