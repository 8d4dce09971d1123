"""Which SNMP responders discovery keeps, through the real path: snmpsim serves recordings of real printers (and
two things that are not printers), the agent's real sweep finds them with the identity plan the portal sends,
the portal ingests that result, and the read it queues is run by the agent and interpreted.

Every brother-lib_* printer says what it is only in its IEEE 1284 device ID or a Printer-MIB object or two; the
others are kept for a Printer-MIB object, an hrDevicePrinter row, a 1284 CLASS:PRINTER or a printer sysObjectID.
"""

import asyncio
from pathlib import Path

import pytest

from agent_client.runner import run_discover, run_read
from agent_client.snmp.session import SnmpSession
from agents.services.directives import directive_payload
from meters.models import Device
from meters.services.ingest import result_interpret
from meters.services.plans import discover_directive_request
from tests.meters.ingest_support import new_agent, store_result
from tests.meters.test_brother_records import BROTHER_LIBRARY
from tests.support.factories import make_site
from tests.support.snmpsim import SimFleet, start_simulator

pytestmark = pytest.mark.snmp

BROTHERS = {f"brother-lib_{model}": "Brother" for model in sorted(BROTHER_LIBRARY)}
OTHER_PRINTERS = {
    "konica_c250i": "Konica Minolta",  # Printer-MIB
    "zebra": "Zebra Technologies",  # hrDevicePrinter row and 1284 CLASS:PRINTER, no vendor profile
    "kyocera": "Kyocera",  # the rest answer only sysDescr and a printer sysObjectID
    "lexmarkprinter": "Lexmark",
    "toshiba-tec_ev4": "Toshiba",
    "samsungprinter_ml": "Samsung",
    "xerox_phaser": "Xerox",
    "dell-laser_mfp": "Dell",
}
PRINTERS = {**BROTHERS, **OTHER_PRINTERS}
LINUX_HOST = "linux-host"  # net-snmp on a file server: written below, at test time
NOT_PRINTERS = ("epson-scanner_ds-860", LINUX_HOST)  # Epson's DS-860 scan server is a real recording

LINUX_HOST_RECORDING = """\
1.3.6.1.2.1.1.1.0|4|Linux files01 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023 x86_64
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10
1.3.6.1.2.1.1.5.0|4|files01
1.3.6.1.2.1.2.2.1.6.2|4x|525400a1b2c3
1.3.6.1.2.1.25.3.2.1.2.196608|6|1.3.6.1.2.1.25.3.1.3
1.3.6.1.2.1.25.3.2.1.2.262146|6|1.3.6.1.2.1.25.3.1.4
1.3.6.1.2.1.25.3.2.1.3.196608|4|GenuineIntel: Intel(R) Xeon(R) CPU E5-2620 v4 @ 2.10GHz
1.3.6.1.2.1.25.3.2.1.3.262146|4|network interface ens3
"""


@pytest.fixture(scope="module")
def lan(snmprec_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One simulated LAN: the printers above and the two non-printers, each on its own loopback address."""
    recordings = tmp_path_factory.mktemp("recordings")
    for name in [*PRINTERS, *NOT_PRINTERS[:-1]]:
        (recordings / f"{name}.snmprec").symlink_to(snmprec_dir / f"{name}.snmprec")
    (recordings / f"{LINUX_HOST}.snmprec").write_text(LINUX_HOST_RECORDING)
    fleet = start_simulator(tmp_path_factory.mktemp("snmpsim"), [*PRINTERS, *NOT_PRINTERS], recordings)
    yield fleet
    fleet.stop()


def with_agent_session(work):
    async def main():
        session = SnmpSession()
        try:
            return await work(session)
        finally:
            session.close()

    return asyncio.run(main())


@pytest.fixture
def discovered(acme, lan: SimFleet, django_capture_on_commit_callbacks):
    """The site's agent sweeps the LAN with the directive the portal queued; the portal ingests what it posts."""
    site = make_site(customer_name="Mixed LAN", scan_targets="\n".join(p.ip for p in lan.printers), snmp_port=lan.port)
    agent = new_agent(site=site)
    directive = discover_directive_request(site=site, requested_by="test")
    params = {**directive_payload(directive=directive), "broadcast": False, "local_printers": False}
    posted = with_agent_session(lambda session: run_discover(params, session))
    assert posted["responders"] == len(lan.printers), posted["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        summary = result_interpret(result=store_result(agent, "discover", posted))
    return site, agent, summary


def test_every_brother_and_other_printer_the_sweep_finds_becomes_a_device_with_its_maker(lan, discovered):
    site, _agent, summary = discovered
    devices = {d.ip: d for d in Device.objects.filter(site=site)}
    assert not summary.errors
    assert {name: devices[lan.printer(name).ip].manufacturer for name in PRINTERS} == PRINTERS
    for name in BROTHERS:
        device = devices[lan.printer(name).ip]
        assert (device.profile, device.model) == ("brother", BROTHER_LIBRARY[name.split("_", 1)[1]]["model"])


def test_a_brother_known_only_by_its_1284_device_id_is_kept_for_that_reason(lan, discovered):
    site, _agent, summary = discovered
    j132w = Device.objects.get(site=site, ip=lan.printer("brother-lib_dcp-j132w").ip)
    assert summary.printers[str(j132w.public_id)] == "1284 device ID CLS:PRINTER"
    kyocera = Device.objects.get(site=site, ip=lan.printer("kyocera").ip)
    assert "Kyocera's printer subtree" in summary.printers[str(kyocera.public_id)]


def test_a_linux_host_and_a_scan_server_answering_snmp_are_not_kept(lan, discovered):
    site, _agent, summary = discovered
    ips = {lan.printer(name).ip for name in NOT_PRINTERS}
    assert not Device.objects.filter(site=site, ip__in=ips).exists()
    assert Device.objects.filter(site=site).count() == len(PRINTERS)
    assert sorted(line.split(":")[0] for line in summary.skipped) == sorted(ips)


def test_brothers_found_by_discovery_are_read_with_the_brother_profile(lan, discovered):
    site, agent, _summary = discovered
    read_directive = site.directives.get(kind="read", status="pending")
    params = directive_payload(directive=read_directive)
    posted = with_agent_session(lambda session: run_read("read", params, session))
    summary = result_interpret(result=store_result(agent, "read", posted))
    assert summary.devices == len(PRINTERS), summary.errors
    for name in BROTHERS:
        device = Device.objects.get(site=site, ip=lan.printer(name).ip)
        assert device.latest_total == BROTHER_LIBRARY[name.split("_", 1)[1]]["meters"]["total"], name
