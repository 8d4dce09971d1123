"""Which discovered SNMP responders the portal calls printers, and why (meters.interpret.printer_check)."""

from pathlib import Path

import pytest

from meters.interpret import DISCOVERY_OIDS
from meters.interpret.printer_check import NOT_A_PRINTER, is_printer, printer_subtrees
from meters.models import Device
from meters.services.ingest import result_interpret
from meters.services.plans import IDENTITY_WALKS
from tests.meters.ingest_support import discovery_payload, new_agent, store_result
from tests.support.snmprec import load_recording, read_with_plan, recording_names

SYS_DESCR, SYS_OBJECT_ID = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0"
HP_DEVICE_ID, BROTHER_DEVICE_ID = "1.3.6.1.4.1.11.2.3.9.1.1.7.0", "1.3.6.1.4.1.2435.2.3.9.1.1.7.0"
HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4.1.1"


def object_id(oid: str) -> list:
    return [SYS_OBJECT_ID, "oid", oid]


def discovery_read(recording: str) -> list:
    """The recording as the portal's discovery plan reads it."""
    return read_with_plan(load_recording(recording), list(DISCOVERY_OIDS), list(IDENTITY_WALKS))


def test_a_brother_known_only_by_its_1284_device_id_is_a_printer():
    assert is_printer(discovery_read("brother-lib_dcp-j132w")) == (True, "1284 device ID CLS:PRINTER")


def test_a_1284_printer_class_is_read_in_any_case_and_spelling():
    zebra = "manufacturer:Zebra Technologies;command set:ZPL;model:ZTC TLP 2824 Plus;class:Printer;"
    assert is_printer([[HP_DEVICE_ID, "str", zebra]]) == (True, "1284 device ID CLASS:Printer")


def test_a_1284_maker_a_profile_knows_is_a_printer_even_without_a_class():
    printer, why = is_printer([[BROTHER_DEVICE_ID, "str", "MFG:Hewlett-Packard;MDL:LaserJet 4250;"]])
    assert (printer, why) == (True, "1284 device ID MFG:Hewlett-Packard (hp profile)")


@pytest.mark.parametrize(
    "device_id",
    [
        "MFG:HP;MDL:ScanJet Enterprise Flow N9120;CLS:SCANNER;",  # a printer maker's scanner
        "MFG:Acme Widgets;MDL:Gadget 3;",  # a maker no profile knows, no class
        "CLS:PRINTERFAX;",  # not the printer class
    ],
)
def test_a_1284_device_id_that_names_no_printer_is_not_one(device_id):
    assert is_printer([[HP_DEVICE_ID, "str", device_id]]) == (False, NOT_A_PRINTER)


def test_any_printer_mib_object_with_a_value_is_a_printer():
    assert is_printer([[LIFE_COUNT, "counter32", 4191]]) == (True, f"Printer-MIB answered ({LIFE_COUNT})")


def test_printer_mib_objects_the_device_does_not_have_prove_nothing():
    absent = [["1.3.6.1.2.1.43.5.1.1.17.1", "nosuchobject", None], [LIFE_COUNT, "nosuchinstance", None]]
    assert is_printer([object_id("1.3.6.1.4.1.8072.3.2.10"), *absent]) == (False, NOT_A_PRINTER)


def test_an_hr_device_printer_row_is_a_printer_but_a_processor_row_is_not():
    processor = [f"{HR_DEVICE_TYPE}.196608", "oid", "1.3.6.1.2.1.25.3.1.3"]
    printer = [f"{HR_DEVICE_TYPE}.3", "oid", "1.3.6.1.2.1.25.3.1.5"]
    assert is_printer([processor]) == (False, NOT_A_PRINTER)
    assert is_printer([processor, printer]) == (True, "hrDeviceType row 3 is hrDevicePrinter")


@pytest.mark.parametrize(
    ("recording", "vendor"),
    [
        ("kyocera", "Kyocera"),
        ("ricoh", "Ricoh"),
        ("lexmarkprinter", "Lexmark"),
        ("toshiba-tec_estudio305", "Lexmark"),  # a Lexmark-built Toshiba answers Lexmark's number
        ("toshiba-tec_ev4", "Toshiba TEC"),
        ("tsc", "TSC"),
        ("zebra_1", "Zebra"),
        ("samsungprinter_ml", "Samsung"),
        ("canonprinter_d1180", "Canon"),
        ("dell-laser_mfp", "Dell"),
        ("xerox_docuprint", "Fuji Xerox / Fujifilm"),
    ],
)
def test_a_printer_answering_only_sysdescr_and_sysobjectid_is_a_printer(recording, vendor):
    printer, why = is_printer(discovery_read(recording))
    assert printer and why.startswith("sysObjectID ") and f"under {vendor}'s printer subtree" in why


@pytest.mark.parametrize(
    "sys_object_id",
    [
        "1.3.6.1.4.1.11.2.3.7.11.36",  # HP ProCurve switch: HP's enterprise 11, not its printer subtree
        "1.3.6.1.4.1.11.2.3.2.3",  # HP-UX server
        "1.3.6.1.4.1.674.10892.5",  # Dell server (iDRAC): Dell's 674, not its printer subtree 674.10898
        "1.3.6.1.4.1.8072.3.2.10",  # net-snmp on Linux
        "1.3.6.1.4.1.311.1.1.3.1.1",  # Windows workstation
    ],
)
def test_a_switch_server_or_scanner_under_a_printer_makers_enterprise_is_not_a_printer(sys_object_id):
    assert is_printer([[SYS_DESCR, "str", "whatever it says"], object_id(sys_object_id)]) == (False, NOT_A_PRINTER)


def test_the_epson_scan_server_recording_is_not_a_printer():
    assert is_printer(discovery_read("epson-scanner_ds-860")) == (False, NOT_A_PRINTER)


def test_every_printer_subtree_is_backed_by_a_recording_and_none_is_a_mixed_enterprise(snmprec_dir: Path):
    recordings = [load_recording(name, snmprec_dir) for name in recording_names(snmprec_dir)]
    answered = [vb[2].strip(".") for recording in recordings for vb in recording if vb[0] == SYS_OBJECT_ID]
    mixed = {"1.3.6.1.4.1.11", "1.3.6.1.4.1.674", "1.3.6.1.4.1.236", "1.3.6.1.4.1.1248", "1.3.6.1.4.1.2385"}
    for subtree in printer_subtrees():
        assert subtree.source and subtree.prefix not in mixed
        assert any(f"{oid}.".startswith(f"{subtree.prefix}.") for oid in answered), subtree


def test_discovery_keeps_a_printer_an_older_agent_did_not_recognise(acme):
    agent = new_agent()
    payload = discovery_payload("brother-lib_dcp-j132w", "10.0.7.10", is_printer=False)
    summary = result_interpret(result=store_result(agent, "discover", payload))
    device = Device.objects.get(site=agent.site, ip="10.0.7.10")
    assert (device.manufacturer, device.profile, device.model) == ("Brother", "brother", "DCP-J132W")
    assert summary.printers == {str(device.public_id): "1284 device ID CLS:PRINTER"}


def test_discovery_still_skips_what_neither_the_agent_nor_the_portal_calls_a_printer(acme):
    agent = new_agent()
    payload = discovery_payload("epson-scanner_ds-860", "10.0.7.11", is_printer=False)
    summary = result_interpret(result=store_result(agent, "discover", payload))
    assert not Device.objects.filter(site=agent.site).exists()
    assert summary.skipped == [f"10.0.7.11: {NOT_A_PRINTER}"]
