"""What a sweep sends to the printers it finds (issue 16, the bytes a /24 sweep costs), checked where datagrams
leave the agent: asyncio's UDP transport, which the prober's sockets and pysnmp share (as in test_scan_consent).
Each printer is probed once, then identified with one GET and its identity walks: nothing the probe already
answered is asked again, and no meter table is walked unless the caller asks for it (`scan` does)."""

from __future__ import annotations

from asyncio import selector_events
from dataclasses import dataclass

import pytest
from pyasn1.codec.ber import decoder
from pysnmp.proto import api

from agent_client.discovery.identity import IDENTITY_GET, IDENTITY_WALK, METER_WALK
from agent_client.discovery.sweep import SweepOptions, identity_plan, sweep
from agent_client.snmp.codec import in_subtree
from tests.agent_client import snmprec
from tests.agent_client.conftest import v2c

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
HR_DEVICE_TYPE_1 = "1.3.6.1.2.1.25.3.2.1.2.1"


@dataclass(frozen=True)
class Request:
    ip: str
    pdu: str  # get, getnext or getbulk
    oids: tuple[str, ...]


def decoded(ip: str, data: bytes) -> Request:
    proto = api.PROTOCOL_MODULES[int(api.decodeMessageVersion(data))]
    message, _ = decoder.decode(data, asn1Spec=proto.Message())
    pdu = proto.apiMessage.get_pdu(message)
    names = {proto.GetRequestPDU.tagSet: "get", proto.GetNextRequestPDU.tagSet: "getnext"}
    if hasattr(proto, "GetBulkRequestPDU"):
        names[proto.GetBulkRequestPDU.tagSet] = "getbulk"
    oids = tuple(str(name) for name, _ in proto.apiPDU.get_varbinds(pdu))
    return Request(ip, names.get(pdu.tagSet, "other"), oids)


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[Request]:
    """Every SNMP request as it leaves, decoded: who it went to, which PDU, which OIDs."""
    sent: list[Request] = []
    original = selector_events._SelectorDatagramTransport.sendto

    def sendto(self, data, addr=None):
        to = addr or self.get_extra_info("peername")  # a probe's connected socket sends without an address
        sent.append(decoded(str(to[0]), bytes(data)))
        return original(self, data, addr)

    monkeypatch.setattr(selector_events._SelectorDatagramTransport, "sendto", sendto)
    return sent


@pytest.mark.snmp
def test_each_printer_is_probed_once_then_identified_with_one_get_that_skips_what_the_probe_answered(
    run_snmp, snmpsim_fleet, snmprec_dir, requests
):
    printers = snmpsim_fleet.printers
    options = SweepOptions([p.ip for p in printers], [v2c()], port=snmpsim_fleet.port, timeout=1.0, retries=1)
    result = run_snmp(lambda s: sweep(options, s))
    assert [d["ip"] for d in result.devices] == [p.ip for p in printers]
    for printer, device in zip(printers, result.devices, strict=True):
        probe, *identity_read = [r for r in requests if r.ip == printer.ip]
        assert len(probe.oids) == 1
        gets = [r for r in identity_read if r.pdu == "get"]
        assert len(gets) == 1, f"{printer.recording}: identity scalars in {len(gets)} GETs"
        # Every recording here starts at sysDescr.0: the probe's answer, read once and still reported.
        assert set(gets[0].oids) == set(IDENTITY_GET) - {SYS_DESCR}
        records = snmprec.load(snmprec_dir / f"{printer.recording}.snmprec")
        assert device["sys_descr"] == snmprec.text(records, SYS_DESCR)
        assert device["sys_object_id"] == records["1.3.6.1.2.1.1.2.0"][1]


@pytest.mark.snmp
def test_a_sweep_walks_the_identity_columns_but_no_meter_table(run_snmp, snmpsim_fleet, requests):
    """Meters come with the portal's `read_plan` in the same discovery: walking them as identity too read every
    printer's supply table twice."""
    printer = snmpsim_fleet.printer("jetdirect_m880")  # 15 supplies: the biggest table of the fleet
    options = SweepOptions([printer.ip], [v2c()], port=printer.port, timeout=1.0, retries=1)
    (device,) = run_snmp(lambda s: sweep(options, s)).devices
    walked = {oid for r in requests if r.pdu == "getbulk" for oid in r.oids}
    assert walked and not any(in_subtree(oid, root) for oid in walked for root in METER_WALK)
    assert any(in_subtree(oid, root) for oid in walked for root in IDENTITY_WALK)
    assert device["is_printer"] and device["mac"] and device["hr_device_descr"] == "HP Color LaserJet flow MFP M880"


@pytest.mark.snmp
def test_a_sweep_asked_for_meter_columns_walks_them_with_the_identity(run_snmp, snmpsim_fleet, requests):
    printer = snmpsim_fleet.printer("jetdirect_m880")
    options = SweepOptions(
        [printer.ip],
        [v2c()],
        port=printer.port,
        timeout=1.0,
        retries=1,
        identity_plan=identity_plan({"walk": METER_WALK}),
    )
    (device,) = run_snmp(lambda s: sweep(options, s)).devices
    supply_levels = [vb for vb in device["varbinds"] if in_subtree(vb[0], "1.3.6.1.2.1.43.11.1.1.9")]
    assert len(supply_levels) == 15


def test_an_identity_get_the_portal_asks_under_a_walked_column_is_left_to_the_walk():
    plan = identity_plan({"get": [HR_DEVICE_TYPE_1, "1.3.6.1.2.1.1.3.0"], "walk": ["1.3.6.1.2.1.25.3.2.1.2"]})
    assert HR_DEVICE_TYPE_1 not in plan.get
    assert "1.3.6.1.2.1.1.3.0" in plan.get
    assert plan.get.count(SYS_DESCR) == 1
