"""What each vendor's printers look like over SNMP: enterprise numbers, model names, identity formats.

Facts about the real vendors (enterprise numbers, sysObjectID shapes, MAC OUIs, default host names,
the private counter layouts in `counters.py`); every value the fleet serves is synthetic.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Model:
    name: str
    colour: bool
    mfp: bool
    yield_black: int  # pages per black cartridge at 5 % coverage
    yield_colour: int = 0
    fax: bool = False  # prints received faxes, counted in the vendor's fax rows where it has them


@dataclass(frozen=True)
class Vendor:
    key: str
    name: str
    enterprise: int
    sys_object_id: str  # "{code}" is replaced by a per-model number where the vendor encodes the model
    sys_descr: str  # format fields: model, serial, firmware, fn, svcid
    host_prefix: str  # the vendor's factory host name is the prefix and the MAC's last three bytes
    ouis: tuple[str, ...]
    serial: str  # pattern: A = letter, 9 = digit, other characters literal
    counters: str  # counter layout in counters.py
    supply_unit: int  # prtMarkerSuppliesSupplyUnit: 19 percent, 7 impressions
    toner_order: str  # supply table order of the colour toners, e.g. "KCMY"
    toner_names: dict[str, str]  # colour letter -> prtMarkerSuppliesDescription
    models: tuple[Model, ...]


_COLOURS = {"K": "Black", "C": "Cyan", "M": "Magenta", "Y": "Yellow"}


def _names(template: str) -> dict[str, str]:
    return {letter: template.format(colour=colour, letter=letter) for letter, colour in _COLOURS.items()}


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        key="hp",
        name="HP",
        enterprise=11,
        sys_object_id="1.3.6.1.4.1.11.2.3.9.1",
        sys_descr="HP ETHERNET MULTI-ENVIRONMENT,SN:{serial},FN:{fn},SVCID:{svcid},PID:HP {model}",
        host_prefix="NPI",
        ouis=("3C:D9:2B", "A0:D3:C1", "F4:39:09"),
        serial="CNBAA99999",
        counters="hp",
        supply_unit=19,
        toner_order="KCMY",
        toner_names=_names("{colour} Cartridge HP 212A"),
        models=(
            Model("Color LaserJet Enterprise MFP M480f", True, True, 5500, 4500, fax=True),
            Model("Color LaserJet Pro MFP M479fdw", True, True, 3150, 2100, fax=True),
            Model("LaserJet Enterprise M507dn", False, False, 11000),
            Model("LaserJet Pro MFP M428fdw", False, True, 3000, fax=True),
        ),
    ),
    Vendor(
        key="canon",
        name="Canon",
        enterprise=1602,
        sys_object_id="1.3.6.1.4.1.1602.4.7",
        sys_descr="Canon {model} /P",
        host_prefix="Canon",
        ouis=("00:1E:8F", "F4:81:39"),
        serial="AAA99999",
        counters="canon",
        supply_unit=19,
        toner_order="KCMY",
        toner_names=_names("Canon C-EXV 58 {colour} Toner"),
        models=(
            Model("iR-ADV DX C5840i", True, True, 60000, 60000, fax=True),
            Model("iR-ADV DX C3826i", True, True, 33000, 26000),
            Model("iR-ADV DX 4745i", False, True, 42000, fax=True),
            Model("LBP325x", False, False, 11000),
        ),
    ),
    Vendor(
        key="ricoh",
        name="Ricoh",
        enterprise=367,
        sys_object_id="1.3.6.1.4.1.367.1.1",
        sys_descr="RICOH {model} {firmware} / RICOH Network Printer C model / RICOH Network Scanner C model"
        " / RICOH Network Facsimile C model",
        host_prefix="RNP",
        ouis=("00:26:73", "58:38:79"),
        serial="A999AA99999",
        counters="ricoh",
        supply_unit=19,
        toner_order="KCMY",
        toner_names=_names("Print Cartridge {colour} IM C3000"),
        models=(
            Model("IM C3000", True, True, 33000, 18000, fax=True),
            Model("IM C4500", True, True, 33000, 22500, fax=True),
            Model("IM 430F", False, True, 17400, fax=True),
            Model("SP 5300DN", False, False, 25000),
        ),
    ),
    Vendor(
        key="konica",
        name="Konica Minolta",
        enterprise=18334,
        sys_object_id="1.3.6.1.4.1.18334.1.1.1.2.1.{code}.2.2",
        sys_descr="KONICA MINOLTA {model}",
        host_prefix="KMBT",
        ouis=("00:20:6B",),
        serial="AA9A999999999",
        counters="konica",
        supply_unit=19,
        toner_order="CMYK",
        toner_names=_names("Toner ({colour})"),
        # No fax kits: a bizhub's counter rows are copy and print only (where it counts fax prints is not
        # documented), and its total is their sum.
        models=(
            Model("bizhub C300i", True, True, 28000, 26000),
            Model("bizhub C450i", True, True, 28000, 26000),
            Model("bizhub 4750i", False, True, 20000),
        ),
    ),
    Vendor(
        key="kyocera",
        name="Kyocera",
        enterprise=1347,
        sys_object_id="1.3.6.1.4.1.1347.41",
        sys_descr="KYOCERA Document Solutions Printing System",
        host_prefix="KM",
        ouis=("00:C0:EE", "00:17:C8"),
        serial="AAA9999999",
        counters="kyocera",
        supply_unit=19,
        toner_order="CMYK",
        toner_names=_names("TK-8345{letter}"),
        models=(
            Model("TASKalfa 3253ci", True, True, 20000, 12000, fax=True),
            Model("ECOSYS M6630cidn", True, True, 8000, 6000),
            Model("ECOSYS P3145dn", False, False, 14500),
            Model("ECOSYS M3655idn", False, True, 25000),
        ),
    ),
    Vendor(
        key="lexmark",
        name="Lexmark",
        enterprise=641,
        sys_object_id="1.3.6.1.4.1.641.2.{code}",
        sys_descr="Lexmark {model} version {firmware} kernel 4.11.12 All-N-1",
        host_prefix="ET",
        ouis=("00:21:B7", "00:04:00"),
        serial="99999AA99999",
        counters="lexmark",
        supply_unit=7,
        toner_order="CMYK",
        toner_names=_names("{colour} Cartridge"),
        models=(
            Model("CX725de", True, True, 12000, 12000, fax=True),
            Model("CS521dn", True, False, 3500, 3500),
            Model("MS622de", False, False, 15000),
            Model("MX622ade", False, True, 15000, fax=True),
        ),
    ),
    Vendor(
        key="sharp",
        name="Sharp",
        enterprise=2385,
        sys_object_id="1.3.6.1.4.1.2385.3.1.{code}.1.2",
        sys_descr="SHARP {model}",
        host_prefix="SHARP",
        ouis=("08:00:1F", "00:22:F3"),
        serial="99999999",
        counters="sharp",
        supply_unit=19,
        toner_order="KCMY",
        toner_names=_names("Toner ({colour})"),
        # No fax kits: the recorded MX-3570N / MX-M266NV counter tables have no fax rows.
        models=(
            Model("MX-3071", True, True, 40000, 24000),
            Model("MX-4071", True, True, 40000, 24000),
            Model("MX-M3071", False, True, 40000),
        ),
    ),
    Vendor(
        key="xerox",
        name="Xerox",
        enterprise=253,
        sys_object_id="1.3.6.1.4.1.253.8.62.1.{code}.1.1",
        sys_descr="Xerox {model}; System {firmware}, Controller {firmware}, IOT 3.1.2",
        host_prefix="XRX",
        ouis=("9C:93:4E", "00:00:AA"),
        serial="AAA999999",
        counters="xerox",
        supply_unit=19,
        toner_order="CMYK",
        toner_names=_names("{colour} Toner Cartridge"),
        models=(
            Model("VersaLink C405", True, True, 5000, 4800, fax=True),
            Model("AltaLink C8145", True, True, 59000, 28000, fax=True),
            Model("VersaLink B405", False, True, 5900, fax=True),
        ),
    ),
    Vendor(
        key="brother",
        name="Brother",
        enterprise=2435,
        sys_object_id="1.3.6.1.4.1.2435.2.3.9.1",
        sys_descr="Brother NC-8800h, Firmware Ver.{firmware}  (21.04.19),MID 8CE-F11,FID 2",
        host_prefix="BRN",
        ouis=("00:80:77", "30:05:5C"),
        serial="A99999A9A999999",
        counters="brother",
        supply_unit=19,
        toner_order="CMYK",
        toner_names=_names("{colour} Toner"),
        models=(
            Model("MFC-L8900CDW", True, True, 6500, 6500, fax=True),
            Model("HL-L8360CDW", True, False, 6500, 6500),
            Model("HL-L6200DW", False, False, 8000),
            Model("MFC-L5750DW", False, True, 8000, fax=True),
        ),
    ),
    Vendor(
        key="epson",
        name="Epson",
        enterprise=1248,
        sys_object_id="1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50",
        sys_descr="EPSON Built-in 11b/g/n Print Server",
        host_prefix="EPSON",
        ouis=("64:EB:8C", "00:26:AB"),
        serial="AAAA999999",
        counters="epson",
        supply_unit=19,
        toner_order="KCMY",
        toner_names=_names("{colour} Ink"),
        models=(
            Model("WorkForce Pro WF-C879R", True, True, 86000, 50000, fax=True),
            Model("WorkForce Pro WF-C5790", True, True, 5000, 5000, fax=True),
            Model("WorkForce Pro WF-M5799", False, True, 40000, fax=True),
        ),
    ),
    Vendor(
        key="samsung",
        name="Samsung",
        enterprise=236,
        sys_object_id="1.3.6.1.4.1.236.11.5.1",
        sys_descr="Samsung {model} Series; V4.00.02.31 Apr-12-2019;Engine V1.00.19;NIC V6.01.00;S/N {serial}",
        host_prefix="SEC",
        ouis=("00:15:99",),
        serial="AAAAA9AAA99999A",
        counters="samsung",
        supply_unit=7,
        toner_order="KCMY",
        toner_names=_names("{colour} Toner Cartridge"),
        models=(
            Model("SL-C3060FW", True, True, 4000, 3500, fax=True),
            Model("SL-M4020ND", False, False, 5000),
        ),
    ),
)

VENDOR_BY_KEY = {vendor.key: vendor for vendor in VENDORS}

LOCATIONS = (
    "Head office - Reception",
    "Head office - 2nd floor Finance",
    "Head office - 3rd floor Sales",
    "Warehouse - Dispatch",
    "Warehouse - Goods in",
    "Branch Leeds - Front desk",
    "Branch Leeds - Back office",
    "Clinic - Nurses station",
    "Clinic - Records",
    "School - Staff room",
    "School - Library",
    "Legal - Post room",
    "Legal - Partners floor",
    "Plant - Shift office",
    "Plant - QA lab",
)

CONTACTS = (
    "IT Helpdesk x4410",
    "facilities@contoso.example",
    "Jo Bloggs (office manager)",
    "it-support@fabrikam.example",
)
