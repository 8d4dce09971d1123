"""Standard OIDs and enumerations: Printer-MIB v2 (RFC 3805), Host-Resources-MIB (RFC 2790), IANA charsets."""

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_CONTACT = "1.3.6.1.2.1.1.4.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION = "1.3.6.1.2.1.1.6.0"
IF_PHYS_ADDRESS = "1.3.6.1.2.1.2.2.1.6"

HR_DEVICE_TYPE = "1.3.6.1.2.1.25.3.2.1.2"
HR_DEVICE_DESCR = "1.3.6.1.2.1.25.3.2.1.3"
HR_DEVICE_STATUS = "1.3.6.1.2.1.25.3.2.1.5"
HR_DEVICE_PRINTER = "1.3.6.1.2.1.25.3.1.5"
HR_PRINTER_STATUS = "1.3.6.1.2.1.25.3.5.1.1"
HR_PRINTER_ERROR_STATE = "1.3.6.1.2.1.25.3.5.1.2"

PRINTER_MIB = "1.3.6.1.2.1.43"
PRT_GENERAL_SERIAL = "1.3.6.1.2.1.43.5.1.1.17"
PRT_LOCALIZATION_CHARSET = "1.3.6.1.2.1.43.7.1.1.4"
PRT_MARKER_COUNTER_UNIT = "1.3.6.1.2.1.43.10.2.1.3"
PRT_MARKER_LIFE_COUNT = "1.3.6.1.2.1.43.10.2.1.4"
PRT_MARKER_PROCESS_COLORANTS = "1.3.6.1.2.1.43.10.2.1.6"  # 1 = monochrome (RFC 3805)
PRT_SUPPLIES = "1.3.6.1.2.1.43.11.1.1"
PRT_SUPPLIES_COLORANT_INDEX = PRT_SUPPLIES + ".3"
PRT_SUPPLIES_CLASS = PRT_SUPPLIES + ".4"
PRT_SUPPLIES_TYPE = PRT_SUPPLIES + ".5"
PRT_SUPPLIES_DESCR = PRT_SUPPLIES + ".6"
PRT_SUPPLIES_UNIT = PRT_SUPPLIES + ".7"
PRT_SUPPLIES_MAX = PRT_SUPPLIES + ".8"
PRT_SUPPLIES_LEVEL = PRT_SUPPLIES + ".9"
PRT_COLORANT_VALUE = "1.3.6.1.2.1.43.12.1.1.4"
PRT_CONSOLE_TEXT = "1.3.6.1.2.1.43.16.5.1.2"
PRT_ALERT_TABLE = "1.3.6.1.2.1.43.18.1.1"
PRT_ALERT_SEVERITY = PRT_ALERT_TABLE + ".2"
PRT_ALERT_GROUP = PRT_ALERT_TABLE + ".4"
PRT_ALERT_CODE = PRT_ALERT_TABLE + ".7"
PRT_ALERT_DESCR = PRT_ALERT_TABLE + ".8"

# IEEE 1284 device ID strings, HP's layout which Brother copies under its own enterprise.
DEVICE_ID_OIDS = ("1.3.6.1.4.1.11.2.3.9.1.1.7.0", "1.3.6.1.4.1.2435.2.3.9.1.1.7.0")

HR_PRINTER_STATUS_NAMES = {1: "other", 2: "unknown", 3: "idle", 4: "printing", 5: "warmup"}
HR_DEVICE_STATUS_NAMES = {1: "unknown", 2: "running", 3: "warning", 4: "testing", 5: "down"}

# hrPrinterDetectedErrorState: bit 0 is the most significant bit of the first octet (RFC 2790, RFC 3805).
ERROR_STATE_BITS = (
    "low_paper",
    "no_paper",
    "low_toner",
    "no_toner",
    "door_open",
    "jammed",
    "offline",
    "service_requested",
    "input_tray_missing",
    "output_tray_missing",
    "marker_supply_missing",
    "output_near_full",
    "output_full",
    "input_tray_empty",
    "overdue_preventive_maintenance",
)

# prtMarkerSuppliesTypeTC -> our supply kind; types 1 (other) and 2 (unknown) fall back to the description.
SUPPLY_TYPE_KINDS = {
    3: "toner",
    4: "waste",
    5: "ink",
    6: "ink",
    7: "ink",
    8: "waste",
    9: "drum",
    10: "developer",
    11: "fuser",
    14: "waste",
    15: "fuser",
    17: "fuser",
    19: "fuser",
    20: "transfer",
    21: "toner",
    22: "fuser",
    24: "waste",
    26: "waste",
    29: "staples",
    32: "staples",
}

SUPPLY_UNITS = {
    3: "ten-thousandths of inches",
    4: "micrometers",
    7: "impressions",
    8: "sheets",
    11: "hours",
    12: "thousandths of ounces",
    13: "tenths of grams",
    14: "hundredths of fluid ounces",
    15: "tenths of milliliters",
    16: "feet",
    17: "meters",
    18: "items",
    19: "percent",
}

# prtMarkerCounterUnit: only these count pages; lengths (tape, labels) are never a page total.
PAGE_COUNTER_UNITS = {7: "impressions", 8: "sheets"}

LEVEL_STATES = {-1: "other", -2: "unknown", -3: "some_remaining"}

ALERT_SEVERITIES = {1: "other", 3: "critical", 4: "warning", 5: "warning_binary_change"}
ALERT_GROUPS = {
    1: "other",
    3: "host_resources_storage",
    4: "host_resources_device",
    5: "general_printer",
    6: "cover",
    7: "localization",
    8: "input",
    9: "output",
    10: "marker",
    11: "marker_supplies",
    12: "marker_colorant",
    13: "media_path",
    14: "channel",
    15: "interpreter",
    16: "console_display",
    17: "console_lights",
    18: "alert",
    30: "finisher",
    31: "finisher_supply",
    32: "finisher_supply_input",
    33: "finisher_attribute",
}

# prtAlertCode values that carry one clear condition whatever group raised them.
ALERT_CODE_CONDITIONS = {
    3: "door_open",
    5: "door_open",
    8: "jam",
    30: "service_requested",
    32: "service_requested",
    33: "service_requested",
    38: "service_requested",
    501: "door_open",
    801: "input_tray_missing",
    807: "paper_low",
    808: "paper_empty",
    902: "output_almost_full",
    903: "output_full",
    1001: "service_requested",
    1002: "service_requested",
    1003: "service_requested",
    1004: "service_requested",
    1101: "toner_empty",
    1102: "ink_empty",
    1104: "toner_low",
    1105: "ink_low",
    1107: "waste_almost_full",
    1108: "waste_almost_full",
    1109: "waste_full",
    1110: "waste_full",
    1111: "drum_near_end",
    1112: "drum_end",
    1113: "developer_low",
    1114: "developer_empty",
    1115: "toner_missing",
}

# Generic subunit codes whose meaning depends on the group that raised them.
ALERT_GROUP_CODE_CONDITIONS = {
    (11, 12): "supply_low",
    (11, 13): "supply_empty",
    (11, 10): "supply_near_end",
    (11, 11): "supply_end",
    (8, 12): "paper_low",
    (8, 13): "paper_empty",
    (8, 9): "input_tray_missing",
    (6, 18): "door_open",
    (9, 15): "output_full",
}

# IANA MIBenum (prtLocalizationCharacterSet) -> Python codec, for console and status text.
IANA_CHARSETS = {
    3: "ascii",
    4: "latin-1",
    5: "iso8859-2",
    6: "iso8859-3",
    7: "iso8859-4",
    8: "iso8859-5",
    9: "iso8859-6",
    10: "iso8859-7",
    11: "iso8859-8",
    12: "iso8859-9",
    13: "iso8859-10",
    17: "shift_jis",
    18: "euc-jp",
    36: "euc-kr",
    106: "utf-8",
    109: "iso8859-13",
    111: "iso8859-15",
    113: "gbk",
    1013: "utf-16-be",
    2004: "hp-roman8",
    2025: "gb2312",
    2026: "big5",
    2084: "koi8-r",
    2250: "cp1250",
    2251: "cp1251",
    2252: "cp1252",
}
