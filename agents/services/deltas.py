"""Reads sent as changes to an acknowledged one (docs/agent-protocol.md, "Steady-state uploads").

They are stored as sent: a steady-state upload is a few bytes per device, and making it whole at upload
time would cost a fleet's worth of decoding and storing for nothing, as most such reads are advanced from
the previous interpretation (meters.interpret.steady). The whole read of any stored entry is its base's
whole read with the changes applied; `whole_varbinds` follows the bases back to an entry sent (or since
stored) whole. The worker stores an entry whole whenever it interprets it in full, and at least every
`meters.services.steady.MAX_HOPS` reads, so that walk stays short.
"""

import json

from django.db import connection

from agents.errors import AgentApiError, Conflict
from agents.models import Agent, DirectiveResult
from portal.lib.ids import is_uuid

BASE_UNKNOWN = "The base read of a changes-only upload is not known here: send the full read."
# Far more than the worker ever lets a chain grow; a longer one is a loop or damage, not a read.
CHAIN_LIMIT = 200
_ENTRIES_SQL = """
SELECT e->>'device_id', e::text FROM agents_directiveresult r, jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.payload->'devices') = 'array' THEN r.payload->'devices' ELSE '[]' END) e
WHERE r.public_id = %s AND e->>'device_id' = ANY(%s)
"""


def deltas_check(*, agent: Agent, payload: dict) -> None:
    """Refuses a changes-only upload that is malformed or based on a read this site's agent never sent."""
    devices = payload.get("devices") if isinstance(payload, dict) else None
    if not isinstance(devices, list):
        return
    entries = [e for e in devices if isinstance(e, dict) and e.get("base")]
    for entry in entries:
        _check_shape(entry)
    bases = {str(e["base"]) for e in entries}
    known = DirectiveResult.objects.filter(
        public_id__in=[b for b in bases if is_uuid(b)], directive__site_id=agent.site_id
    ).values_list("public_id", flat=True)
    if bases - {str(b) for b in known}:
        raise Conflict(BASE_UNKNOWN, code="base_unknown")


def _check_shape(entry: dict) -> None:
    changed, removed = entry.get("changed") or [], entry.get("removed") or []
    if not isinstance(changed, list) or not isinstance(removed, list):
        raise AgentApiError("'changed' and 'removed' must be lists.", code="malformed_result")
    for vb in changed:
        if not (isinstance(vb, list) and len(vb) == 3 and isinstance(vb[0], str)):
            raise AgentApiError("A changed varbind must be [oid, type, value].", code="malformed_result")
    if not all(isinstance(oid, str) for oid in removed):
        raise AgentApiError("'removed' must list OIDs.", code="malformed_result")


def is_delta(entry) -> bool:
    return isinstance(entry, dict) and bool(entry.get("base"))


def applied(varbinds: list, changed: list, removed: list) -> list:
    """A whole read's varbinds with a changes-only entry's changes applied."""
    by_oid = {vb[0]: vb for vb in varbinds if isinstance(vb, list) and vb}
    for oid in removed:
        by_oid.pop(oid, None)
    for vb in changed:
        by_oid[vb[0]] = vb
    return list(by_oid.values())


def whole_varbinds(entries: dict[str, dict]) -> dict[str, list]:
    """device id -> whole varbinds for entries (device id -> entry, whole or changes-only). Bases are
    fetched one result at a time for every device based on it; a device whose chain breaks is left out."""
    chains: dict[str, list[dict]] = {device_id: [] for device_id in entries}
    current = dict(entries)
    whole: dict[str, list] = {}
    for _ in range(CHAIN_LIMIT):
        pending: dict[str, list[str]] = {}
        for device_id, entry in current.items():
            if not is_delta(entry):
                whole[device_id] = _replayed(entry.get("varbinds"), chains[device_id])
            else:
                chains[device_id].append(entry)
                pending.setdefault(str(entry["base"]), []).append(device_id)
        if not pending:
            break
        current = {}
        for base, device_ids in pending.items():
            current.update(_entries_of(base, device_ids))
    return {device_id: varbinds for device_id, varbinds in whole.items() if varbinds is not None}


def _replayed(varbinds, chain: list[dict]) -> list | None:
    if not isinstance(varbinds, list):
        return None
    for entry in reversed(chain):
        varbinds = applied(varbinds, entry.get("changed") or [], entry.get("removed") or [])
    return varbinds


def _entries_of(result_id: str, device_ids: list[str]) -> dict[str, dict]:
    if not is_uuid(result_id):
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_ENTRIES_SQL, [result_id, device_ids])
        return {device_id: json.loads(entry) for device_id, entry in cursor.fetchall()}
