"""Malformed or hostile answers end as a per-device error (or a flagged value), never a crashed run."""

from __future__ import annotations

import pytest
from pysnmp.proto import rfc1902 as t

from agent_client.runner import run_read
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import Target
from tests.agent_client.conftest import as_dict, v1, v2c
from tests.agent_client.fake_snmp import FakeSnmpAgent, backwards_next, endless_next, looping_next, printer_mib

SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
LEVELS = SUPPLIES + ".9"


def _read(run_snmp, agent: FakeSnmpAgent, plan: Plan, cred=None, max_rows: int = 5000):
    target = Target(agent.ip, agent.port, cred or v2c(), timeout=0.5, retries=0)
    return run_snmp(lambda session: PlanReader(session, target, max_rows=max_rows).read(plan))


@pytest.mark.parametrize("rule", [looping_next, backwards_next], ids=["repeats-oid", "goes-backwards"])
@pytest.mark.parametrize("cred", [v2c(), v1()], ids=["getbulk", "getnext"])
def test_walk_that_loops_is_a_loop_error_keeping_earlier_rows(run_snmp, rule, cred):
    with FakeSnmpAgent(printer_mib(), next_rule=rule) as agent:
        result = _read(run_snmp, agent, Plan(get=["1.3.6.1.2.1.1.1.0"], walk=[SUPPLIES]), cred)
    assert result.error is not None and result.error["code"] == "loop"
    assert result.varbinds[0] == ("1.3.6.1.2.1.1.1.0", "str", "Fake Printer 9000")


def test_endless_walk_stops_at_the_row_bound(run_snmp):
    with FakeSnmpAgent(printer_mib(), next_rule=endless_next) as agent:
        result = _read(run_snmp, agent, Plan(walk=[LEVELS]), max_rows=300)
    assert result.error is not None and result.error["code"] == "loop"
    assert 300 <= len(result.varbinds) <= 301


def test_huge_string_is_a_malformed_error(run_snmp):
    with FakeSnmpAgent(printer_mib(**{"1.3.6.1.2.1.1.1.0": t.OctetString(b"A" * 30000)})) as agent:
        result = _read(run_snmp, agent, Plan(get=["1.3.6.1.2.1.1.1.0"]))
    assert result.error is not None and result.error["code"] == "malformed"


def test_non_utf8_and_wrong_types_come_back_typed_for_the_portal(run_snmp):
    mib = printer_mib(
        **{
            "1.3.6.1.2.1.1.1.0": t.OctetString(b"\xffPrinter\xfe"),  # non-UTF-8 sysDescr
            "1.3.6.1.2.1.1.2.0": t.Integer32(5),  # sysObjectID as an INTEGER
            "1.3.6.1.2.1.43.10.2.1.4.1.1": t.OctetString("lots"),  # a page counter as a string
        }
    )
    plan = Plan(get=["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.43.10.2.1.4.1.1"])
    with FakeSnmpAgent(mib) as agent:
        result = _read(run_snmp, agent, plan)
    assert result.ok
    assert result.varbinds == [
        ("1.3.6.1.2.1.1.1.0", "hex", "ff5072696e746572fe"),
        ("1.3.6.1.2.1.1.2.0", "int", 5),
        ("1.3.6.1.2.1.43.10.2.1.4.1.1", "str", "lots"),
    ]


def test_v1_only_device_answers_v1_and_ignores_v2c(run_snmp):
    with FakeSnmpAgent(printer_mib(), versions=(0,)) as agent:
        as_v1 = _read(run_snmp, agent, Plan(get=["1.3.6.1.2.1.1.1.0"], walk=[LEVELS]), v1())
        as_v2c = _read(run_snmp, agent, Plan(get=["1.3.6.1.2.1.1.1.0"]), v2c())
    assert as_v1.ok, as_v1.error
    assert [v for _, _, v in as_v1.varbinds] == ["Fake Printer 9000", 55, -3]
    assert as_v2c.error is not None and as_v2c.error["code"] == "timeout"


def test_one_hostile_device_does_not_spoil_the_read_of_the_others(run_snmp):
    with FakeSnmpAgent(printer_mib(), next_rule=looping_next) as bad, FakeSnmpAgent(printer_mib()) as good:
        devices = [
            {
                "device_id": name,
                "ip": agent.ip,
                "port": agent.port,
                "credential": as_dict(v2c()),
                "plan": {"get": ["1.3.6.1.2.1.1.1.0"], "walk": [LEVELS]},
            }
            for name, agent in (("bad", bad), ("good", good))
        ]
        devices.append({"device_id": "broken-entry", "ip": "not-an-address", "credential": {"version": "9"}})
        devices.append({"device_id": "no-credential", "ip": good.ip, "port": good.port, "credential": None})
        result = run_snmp(lambda s: run_read("read", {"timeout": 0.5, "retries": 0, "devices": devices}, s))
    by_id = {d["device_id"]: d for d in result["devices"]}
    assert by_id["good"]["ok"] and len(by_id["good"]["varbinds"]) == 3
    assert by_id["bad"]["error"]["code"] == "loop"
    assert by_id["broken-entry"]["ok"] is False
    assert by_id["no-credential"]["error"]["message"] == "bad device entry: no SNMP credential for this device"


def test_v1_walk_of_several_columns_continues_after_one_reaches_the_end_of_the_mib(run_snmp):
    # The supply levels are the last OIDs this device has: GETNEXT past them is noSuchName for that column only.
    with FakeSnmpAgent(printer_mib(), versions=(0,)) as agent:
        result = _read(run_snmp, agent, Plan(walk=[LEVELS, SUPPLIES]), v1())
    assert result.ok, result.error
    assert [v for _, _, v in result.varbinds] == [55, -3, "Black Toner", "Cyan Toner", 100, 100, 55, -3]


@pytest.mark.parametrize("cred", [v2c(), v1()], ids=["v2c", "v1"])
def test_device_answering_toobig_gets_smaller_pdus_and_everything_is_read(run_snmp, cred):
    mib = printer_mib()
    scalars = [oid for oid in mib if not oid.startswith(SUPPLIES)]
    with FakeSnmpAgent(mib, max_varbinds=2) as agent:
        result = _read(run_snmp, agent, Plan(get=scalars, walk=[SUPPLIES]), cred)
    assert result.ok, result.error
    assert sorted(oid for oid, _, _ in result.varbinds) == sorted(mib)
    assert result.requests > len(mib) / 2  # it really had to shrink
