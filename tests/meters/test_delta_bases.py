"""A changes-only read is made whole from its base's entry for that device, and only that entry: malformed entries
beside it in the base upload (not objects, a device id that is no string, an entry nested in a list) name no
device and are never taken for one."""

from agents.services.deltas import whole_varbinds
from tests.meters.ingest_support import new_agent, store_result

DEVICE = "6f1c7d0e-8a3b-4c2d-9e5f-0a1b2c3d4e5f"
OTHER = "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
TOTAL = "1.3.6.1.2.1.43.10.2.1.4.1.1"
NAME = "1.3.6.1.2.1.1.5.0"


def test_a_change_is_applied_to_the_devices_own_entry_in_its_base_and_odd_entries_are_ignored(acme):
    agent = new_agent()
    own = {"device_id": DEVICE, "ok": True, "varbinds": [[TOTAL, "counter32", 1000], [NAME, "str", "Front desk"]]}
    odd = [
        "junk",
        7,
        [{"device_id": DEVICE, "varbinds": [[TOTAL, "counter32", 1]]}],
        {"device_id": [DEVICE]},
        {"device_id": OTHER, "ok": True, "varbinds": [[TOTAL, "counter32", 5]]},
    ]
    base = store_result(agent, "read", {"devices": [*odd[:3], own, *odd[3:]]})
    change = {"device_id": DEVICE, "base": str(base.public_id), "changed": [[TOTAL, "+", 25]], "removed": [NAME]}

    assert whole_varbinds({DEVICE: change}) == {DEVICE: [[TOTAL, "counter32", 1025]]}


def test_a_device_missing_from_its_base_is_left_out(acme):
    agent = new_agent()
    base = store_result(agent, "read", {"devices": [{"device_id": [DEVICE], "varbinds": []}, "junk"]})
    change = {"device_id": DEVICE, "base": str(base.public_id), "changed": [], "removed": []}

    assert whole_varbinds({DEVICE: change}) == {}
