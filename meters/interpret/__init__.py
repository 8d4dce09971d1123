"""Meter interpretation: raw SNMP varbinds -> identity, meters, supplies, status, alerts.

Django-free on purpose: the worker, the reinterpret command and the tests call it with plain data.
"""

from .interpret import identify, interpret
from .plan import DISCOVERY_OIDS, plan_for, status_plan_for
from .profiles import Profile, load_profiles, match_profile
from .types import Alert, DeviceReading, Flag, Identity, Meter, OidPlan, Problem, Status, Supply
from .validate import validate_read

__all__ = [
    "DISCOVERY_OIDS",
    "Alert",
    "DeviceReading",
    "Flag",
    "Identity",
    "Meter",
    "OidPlan",
    "Problem",
    "Profile",
    "Status",
    "Supply",
    "identify",
    "interpret",
    "load_profiles",
    "match_profile",
    "plan_for",
    "status_plan_for",
    "validate_read",
]
