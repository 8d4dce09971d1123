"""Reads sent as changes to an acknowledged one (docs/agent-protocol.md, "Steady-state uploads").

They are made whole again before they are stored, so every stored result is a complete read that can be
re-interpreted on its own, whatever happens later to the base it was sent against.
"""

import uuid

from agents.errors import AgentApiError, Conflict
from agents.models import Agent, DirectiveResult

BASE_UNKNOWN = "The base read of a changes-only upload is not known here: send the full read."


def deltas_resolve(*, agent: Agent, payload: dict) -> dict:
    devices = payload.get("devices") if isinstance(payload, dict) else None
    if not isinstance(devices, list) or not any(isinstance(e, dict) and e.get("base") for e in devices):
        return payload
    bases = _bases(agent, {str(e["base"]) for e in devices if isinstance(e, dict) and e.get("base")})
    return {**payload, "devices": [_whole(entry, bases) for entry in devices]}


def _bases(agent: Agent, ids: set[str]) -> dict[str, dict[str, dict]]:
    """base result id -> device id -> that device's full entry in it."""
    valid = [i for i in ids if _is_uuid(i)]
    results = DirectiveResult.objects.filter(public_id__in=valid, directive__site_id=agent.site_id)
    bases = {}
    for result_id, payload in results.values_list("public_id", "payload"):
        entries = payload.get("devices") if isinstance(payload, dict) else []
        bases[str(result_id)] = {str(e.get("device_id")): e for e in entries or [] if isinstance(e, dict)}
    return bases


def _whole(entry, bases: dict[str, dict[str, dict]]):
    if not isinstance(entry, dict) or not entry.get("base"):
        return entry
    base = bases.get(str(entry["base"]), {}).get(str(entry.get("device_id")))
    if base is None or not isinstance(base.get("varbinds"), list):
        raise Conflict(BASE_UNKNOWN, code="base_unknown")
    changed, removed = entry.get("changed") or [], entry.get("removed") or []
    if not isinstance(changed, list) or not isinstance(removed, list):
        raise AgentApiError("'changed' and 'removed' must be lists.", code="malformed_result")
    varbinds = {vb[0]: vb for vb in base["varbinds"] if isinstance(vb, list) and vb}
    for oid in removed:
        varbinds.pop(oid, None)
    for vb in changed:
        if not (isinstance(vb, list) and len(vb) == 3 and isinstance(vb[0], str)):
            raise AgentApiError("A changed varbind must be [oid, type, value].", code="malformed_result")
        varbinds[vb[0]] = vb
    whole = {key: value for key, value in entry.items() if key not in ("base", "changed", "removed")}
    return {**whole, "varbinds": list(varbinds.values())}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
