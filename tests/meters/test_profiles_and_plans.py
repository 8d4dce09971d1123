"""Profiles are data matched by enterprise and patterns; plans computed from them are sufficient."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from meters.interpret import (
    DISCOVERY_OIDS,
    identify,
    interpret,
    load_profiles,
    match_profile,
    plan_for,
    status_plan_for,
)
from meters.interpret.interpret import DECODERS
from meters.interpret.plan import plan_for_profile
from meters.interpret.types import METER_KINDS
from tests.meters.reading import read_device
from tests.support.paths import REPO_ROOT
from tests.support.snmprec import load_recording, read_with_plan, recording_names

# Recordings that are only a sysDescr and sysObjectID: who they are, by name alone.
IDENTITY_ONLY = {
    "canonprinter_d1180": ("canon", "Canon", "D1180/MF6680"),
    "canonprinter_ir-adv": ("canon", "Canon", "iR-ADV C5235"),
    "canonprinter_mf": ("canon", "Canon", "MF"),
    "dell-laser": ("dell", "Dell", "B3460dn"),
    "dell-laser_mfp": ("dell", "Dell", "MFP Laser 3115cn"),
    "developprinter": ("konica", "Develop", "ineo 280"),
    "gestetner": ("ricoh", "Gestetner", "MPC2500/DSc525"),
    # An HP JetDirect EX print server in front of an unknown printer: HP, and no model we could honestly give.
    "jetdirect_1": ("hp", "HP", None),
    "jetdirect_2": ("hp", "HP", None),
    "kyocera": ("kyocera", "Kyocera", "FS-1028MFP"),
    "lanier": ("ricoh", "Lanier", "MP C3501/LD635C"),
    "lexmarkprinter": ("lexmark", "Lexmark", "T640"),
    "nrg": ("ricoh", "NRG", "SP 4210N"),
    "okilan": ("oki", "OKI", "MC342"),
    "ricoh": ("ricoh", "Ricoh", "MP 3053"),
    "ricoh_aficio": ("ricoh", "Ricoh", "Aficio MP 201"),
    "samsungprinter_clx": ("samsung", "Samsung", "CLX-3170"),
    "samsungprinter_ml": ("samsung", "Samsung", "ML-2850"),
    "savin_c4503": ("ricoh", "Savin", "MP C4503"),
    "sharp_mx2614n": ("sharp", "Sharp", "MX-2614N"),
    "sharp_mxc301w": ("sharp", "Sharp", "MX-C301W"),
    # Toshiba rebadges Lexmark engines: sysObjectID says Lexmark (641), the device says Toshiba.
    "toshiba-tec_estudio305": ("toshiba", "Toshiba", "e-STUDIO305CS"),
    "toshiba-tec_ev4": ("toshiba", "Toshiba", "B-EV4"),
    "xerox_apeosport": ("xerox", "Fuji Xerox", "ApeosPort-VI C4471"),
    "xerox_color": ("xerox", "Xerox", "Color 570"),
    "xerox_docuprint": ("xerox", "Fuji Xerox", "DocuPrint CM305 df"),
    "xerox_phaser": ("xerox", "Xerox", "Phaser 4600"),
    "xerox_workcentre": ("xerox", "Xerox", "WorkCentre 6605DN"),
    # A TSC label printer and a bare "Zebra Wired" print server: no profile, so honestly unknown.
    "tsc": ("generic", None, None),
    "zebra_1": ("generic", None, None),
}
FULL_RECORDINGS = [n for n in recording_names() if n not in IDENTITY_ONLY and len(load_recording(n)) > 20]


@pytest.mark.parametrize("name", sorted(IDENTITY_ONLY))
def test_identity_only_recording_names_vendor_and_model_and_reads_no_meters(snmprec_dir: Path, name: str) -> None:
    reading = read_device(name, snmprec_dir)
    assert (reading.profile, reading.identity.manufacturer, reading.identity.model) == IDENTITY_ONLY[name]
    assert reading.meters == []
    assert reading.supplies == []


@pytest.mark.parametrize("name", FULL_RECORDINGS)
def test_plan_reads_everything_the_interpreter_uses(snmprec_dir: Path, name: str) -> None:
    recording = load_recording(name, snmprec_dir)
    planned = read_device(name, snmprec_dir)
    everything = interpret(recording, identify(recording))
    assert (planned.identity, planned.meters, planned.supplies) == (
        everything.identity,
        everything.meters,
        everything.supplies,
    )


@pytest.mark.parametrize("name", FULL_RECORDINGS)
def test_snmpv1_device_reads_the_same(snmprec_dir: Path, name: str) -> None:
    # An SNMPv1 agent has no noSuchObject: an absent OID is a noSuchName error the agent drops.
    recording = load_recording(name, snmprec_dir)
    gets, walks = plan_for_profile(identify(read_with_plan(recording, list(DISCOVERY_OIDS), [])))
    v1 = [vb for vb in read_with_plan(recording, gets, walks) if vb[1] != "nosuchobject"]
    v2 = read_device(name, snmprec_dir)
    v1_reading = interpret(v1)
    assert (v1_reading.meters, v1_reading.supplies) == (v2.meters, v2.supplies)
    assert "counter_unavailable" not in [p.code for p in v1_reading.problems]


def test_brand_in_sysdescr_beats_a_borrowed_enterprise_number() -> None:
    assert match_profile("1.3.6.1.4.1.641.2.71107164", "TOSHIBA e-STUDIO305CS version NH63").name == "toshiba"
    assert match_profile("1.3.6.1.4.1.1347.41", "HP ETHERNET MULTI-ENVIRONMENT,JETDIRECT EX").name == "hp"
    assert match_profile("1.3.6.1.4.1.1347.41", "Printing System").name == "kyocera"


def test_brother_without_sysdescr_is_found_by_its_ieee1284_id() -> None:
    device_id = "MFG:Brother;CMD:PJL,HBP;MDL:DCP-1618W;CLS:PRINTER;"
    assert match_profile(None, None, device_id=device_id).name == "brother"


def test_unknown_device_gets_the_generic_printer_mib_profile() -> None:
    assert match_profile("1.3.6.1.4.1.99999.1", "Acme LaserThing 9000").name == "generic"


def test_read_plan_carries_the_vendor_counters_and_the_printer_mib() -> None:
    plan = plan_for("1.3.6.1.4.1.18334.1.1.1.2.1.181.2.4", "KONICA MINOLTA bizhub C250i")
    assert "1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2" in plan.get
    assert {"1.3.6.1.2.1.43.11.1.1", "1.3.6.1.2.1.43.10.2.1.4", "1.3.6.1.2.1.43.18.1.1"} <= set(plan.walk)
    assert len(plan.get) == len(set(plan.get)) and len(plan.walk) == len(set(plan.walk))


def test_status_plan_asks_for_status_and_alerts_only() -> None:
    plan = status_plan_for("1.3.6.1.4.1.2385.3.1.112.1.2", "SHARP MX-3570N")
    assert "1.3.6.1.2.1.43.18.1.1" in plan.walk and "1.3.6.1.2.1.25.3.5.1" in plan.walk
    assert not any(
        oid.startswith(("1.3.6.1.2.1.43.10", "1.3.6.1.2.1.43.11", "1.3.6.1.4.1.2385.1.1.19")) for oid in plan.walk
    )


def test_status_read_is_interpreted_with_the_devices_known_profile() -> None:
    # A status read carries no sysDescr; the portal passes the profile it stored for the device.
    console = ["1.3.6.1.4.1.2435.2.3.9.4.2.1.5.4.5.2.0", "str", "Toner Low"]
    reading = interpret([console, ["1.3.6.1.2.1.25.3.5.1.2.1", "hex", "20"]], "brother")
    assert (reading.profile, reading.status.console, reading.status.conditions) == (
        "brother",
        ["Toner Low"],
        ["low_toner"],
    )


def test_every_profile_is_well_formed_data() -> None:
    profiles = load_profiles()
    assert profiles[-1].name == "generic"
    assert len({p.name for p in profiles}) == len(profiles)
    for profile in profiles:
        assert profile.name == "generic" or profile.brands, profile.name
        assert all(c.kind in METER_KINDS for c in profile.counters), profile.name
        assert all(kind in METER_KINDS for t in profile.counter_tables for kind in t.types.values()), profile.name
        assert profile.decoder is None or profile.decoder in DECODERS, profile.name


def test_interpreter_imports_without_django() -> None:
    code = "import sys, meters.interpret; assert not [m for m in sys.modules if m.startswith('django')]"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
