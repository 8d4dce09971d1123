"""Reading a device by an OID plan, against the real simulator serving real printer recordings."""

from __future__ import annotations

import pytest

from agent_client.snmp.credentials import Credential
from agent_client.snmp.plan import Plan, PlanReader
from agent_client.snmp.session import Target
from tests.agent_client import snmprec
from tests.agent_client.conftest import v1, v2c
from tests.support.snmpsim import V3_USERS

pytestmark = pytest.mark.snmp

SUPPLY_LEVEL = "1.3.6.1.2.1.43.11.1.1.9"
SUPPLY_DESCR = "1.3.6.1.2.1.43.11.1.1.6"
SCALARS = ["1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.6.0"]
RECORDINGS = ["konica_c250i", "ricoh_mpc3002", "jetdirect_m880"]


def _read(run_snmp, printer, cred: Credential, plan: Plan, timeout: float = 1.0):
    target = Target(printer.ip, printer.port, cred, timeout=timeout, retries=1)
    return run_snmp(lambda session: PlanReader(session, target).read(plan))


@pytest.mark.parametrize("recording", RECORDINGS)
@pytest.mark.parametrize("cred", [v2c(), v1()], ids=["v2c-getbulk", "v1-getnext"])
def test_walk_returns_every_supply_level_the_printer_holds(run_snmp, snmpsim_fleet, snmprec_dir, recording, cred):
    records = snmprec.load(snmprec_dir / f"{recording}.snmprec")
    result = _read(run_snmp, snmpsim_fleet.printer(recording), cred, Plan(walk=[SUPPLY_LEVEL, SUPPLY_DESCR]))
    assert result.ok, result.error
    got = {oid: value for oid, _, value in result.varbinds}
    expected_levels = snmprec.column(records, SUPPLY_LEVEL)
    assert expected_levels, "recording without supplies: pick another"
    assert [oid for oid in got if oid.startswith(SUPPLY_LEVEL + ".")] == expected_levels
    assert all(got[oid] == snmprec.number(records, oid) for oid in expected_levels)


def test_bulk_reads_a_table_in_fewer_requests_than_getnext(run_snmp, snmpsim_fleet):
    printer = snmpsim_fleet.printer("jetdirect_m880")
    bulk = _read(run_snmp, printer, v2c(), Plan(walk=["1.3.6.1.2.1.43.11.1.1"]))
    step = _read(run_snmp, printer, v1(), Plan(walk=["1.3.6.1.2.1.43.11.1.1"]))
    assert bulk.varbinds == step.varbinds
    assert bulk.requests * 5 < step.requests


def test_scalars_are_packed_and_missing_ones_are_marked(run_snmp, snmpsim_fleet, snmprec_dir):
    printer = snmpsim_fleet.printer("konica_c250i")
    records = snmprec.load(snmprec_dir / "konica_c250i.snmprec")
    absent = "1.3.6.1.2.1.1.99.0"
    result = _read(run_snmp, printer, v2c(), Plan(get=[*SCALARS, absent]))
    assert result.ok and result.requests == 1
    by_oid = {oid: (kind, value) for oid, kind, value in result.varbinds}
    assert by_oid["1.3.6.1.2.1.1.1.0"] == ("str", snmprec.text(records, "1.3.6.1.2.1.1.1.0"))
    assert by_oid["1.3.6.1.2.1.1.2.0"][0] == "oid"
    assert by_oid[absent][0] in ("nosuchobject", "nosuchinstance")


def test_v1_get_with_an_unknown_oid_still_returns_the_others(run_snmp, snmpsim_fleet):
    printer = snmpsim_fleet.printer("konica_c250i")
    absent = "1.3.6.1.2.1.1.99.0"
    result = _read(run_snmp, printer, v1(), Plan(get=[SCALARS[0], absent, SCALARS[1]]))
    assert result.ok, result.error
    kinds = {oid: kind for oid, kind, _ in result.varbinds}
    assert kinds == {SCALARS[0]: "str", absent: "nosuchobject", SCALARS[1]: "oid"}


@pytest.mark.parametrize("user", V3_USERS, ids=lambda u: u.user)
def test_snmpv3_auth_and_priv_read_the_printer(run_snmp, snmpsim_fleet, user):
    cred = Credential(
        "v3",
        "3",
        user=user.user,
        auth_protocol=user.auth_protocol,
        auth_key=user.auth_key,
        priv_protocol=user.priv_protocol,
        priv_key=user.priv_key or "",
    )
    result = _read(run_snmp, snmpsim_fleet.printer("ricoh_mpc3002"), cred, Plan(get=SCALARS[:1], walk=[SUPPLY_LEVEL]))
    assert result.ok, result.error
    assert result.varbinds[0][2].startswith("RICOH")


def test_snmpv3_wrong_key_is_an_auth_error(run_snmp, snmpsim_fleet):
    user = V3_USERS[1]
    cred = Credential(
        "v3",
        "3",
        user=user.user,
        auth_protocol="SHA",
        auth_key="not-the-key",
        priv_protocol="AES",
        priv_key=user.priv_key or "",
    )
    result = _read(run_snmp, snmpsim_fleet.printer("ricoh_mpc3002"), cred, Plan(get=SCALARS[:1]))
    assert result.error is not None and result.error["code"] == "auth"
    assert "not-the-key" not in result.error["message"]


def test_silent_address_is_a_timeout_error_not_a_crash(run_snmp, snmpsim_fleet):
    silent = snmpsim_fleet.silent_address()
    target = Target(silent, snmpsim_fleet.port, v2c(), timeout=0.3, retries=0)
    result = run_snmp(lambda s: PlanReader(s, target).read(Plan(get=SCALARS, walk=[SUPPLY_LEVEL])))
    assert result.error == {"code": "timeout", "message": "no response before the timeout"}
    assert result.varbinds == []


def test_wrong_community_looks_like_silence(run_snmp, snmpsim_fleet):
    printer = snmpsim_fleet.printer("konica_c250i")
    result = _read(run_snmp, printer, v2c("not-a-community"), Plan(get=SCALARS), timeout=0.3)
    assert result.error is not None and result.error["code"] == "timeout"
