"""Reads sent as changes to an acknowledged one (docs/agent-protocol.md, "Steady-state uploads").

They are stored as sent: a steady-state upload is a few bytes per device, and making it whole at upload
time would cost a fleet's worth of decoding and storing for nothing, as most such reads are advanced from
the previous interpretation (meters.interpret.steady). The whole read of any stored entry is its base's
whole read with the changes applied; `whole_varbinds` follows the bases back to an entry sent (or since
stored) whole. The worker stores an entry whole whenever it interprets it in full, and at least every
`meters.services.steady.MAX_HOPS` reads, so that walk stays short.

Newer agents send entries in a compact form (device by position, base by a short prefix, counters as pages moved
on, OIDs relative): the upload writes them in the long form before storing (`compact_expanded`), so everything
after it reads one form, in which a counter moved on is [oid, "+", pages].
"""

import json
import re
import uuid
from functools import lru_cache

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


def deltas_check(*, agent: Agent, payload: dict) -> bool:
    """Refuses a changes-only upload that is malformed or based on a read this site's agent never sent, and
    writes compact entries (agents.services.compact_deltas) in the long form, the one form the worker reads.
    True when it rewrote the payload so."""
    devices = payload.get("devices") if isinstance(payload, dict) else None
    if not isinstance(devices, list):
        return False
    rewritten = any(is_compact(e) for e in devices)
    if rewritten:
        devices[:] = compact_expanded(devices, site_id=agent.site_id)
    entries = [e for e in devices if isinstance(e, dict) and e.get("base")]
    for entry in entries:
        _check_shape(entry)
    bases = {str(e["base"]) for e in entries}
    known = DirectiveResult.objects.filter(
        public_id__in=[b for b in bases if is_uuid(b)], directive__site_id=agent.site_id
    ).values_list("public_id", flat=True)
    if bases - {str(b) for b in known}:
        raise Conflict(BASE_UNKNOWN, code="base_unknown")
    return rewritten


def _check_shape(entry: dict) -> None:
    changed, removed = entry.get("changed") or [], entry.get("removed") or []
    if not isinstance(changed, list) or not isinstance(removed, list):
        raise AgentApiError("'changed' and 'removed' must be lists.", code="malformed_result")
    for vb in changed:
        if not (isinstance(vb, list) and len(vb) == 3 and isinstance(vb[0], str)):
            raise AgentApiError("A changed varbind must be [oid, type, value].", code="malformed_result")
        if vb[1] == MOVED_ON and not is_count(vb[2]):
            raise AgentApiError("A counter moved on by a negative or no number of pages.", code="malformed_result")
    if not all(isinstance(oid, str) for oid in removed):
        raise AgentApiError("'removed' must list OIDs.", code="malformed_result")


def is_delta(entry) -> bool:
    return isinstance(entry, dict) and bool(entry.get("base"))


def applied(varbinds: list, changed: list, removed: list) -> list:
    """A whole read's varbinds with a changes-only entry's changes applied. A counter sent as moved on
    ([oid, "+", pages]) keeps its type and counts on from its base's value."""
    by_oid = {vb[0]: vb for vb in varbinds if isinstance(vb, list) and vb}
    for oid in removed:
        by_oid.pop(oid, None)
    for vb in changed:
        if vb[1] != MOVED_ON:
            by_oid[vb[0]] = vb
        elif (base := by_oid.get(vb[0])) is not None and is_count(base[2]) and is_count(vb[2]):
            by_oid[vb[0]] = [vb[0], base[1], base[2] + vb[2]]
    return list(by_oid.values())


def is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


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


# --- Compact entries (docs/agent-protocol.md, "Compact changes"): a lone device's steady read in ~100 bytes ---

MOVED_ON = "+"  # stored [oid, "+", pages]: the base's counter, `pages` on
OID_START = "1.3.6.1.2.1.43.10.2.1.4.1.1"  # prtMarkerLifeCount.1.1: what each list's first relative OID is from
BASE_DIGITS = 12  # a base is named by the first 12 hex digits of its result id
COMPACT_KEYS = ("i", "b", "c", "p", "r")
_BASE = re.compile(r"[0-9a-f]{12}")
_RELATIVE = re.compile(r"\^(\d+)((?:\.\d+)*)")
_POSITIONS_SQL = """
SELECT d.n - 1, d.e->>'device_id' FROM agents_directiveresult r, jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.payload->'devices') = 'array' THEN r.payload->'devices' ELSE '[]' END)
    WITH ORDINALITY AS d(e, n)
WHERE r.public_id = %s AND d.n - 1 = ANY(%s)
"""


def is_compact(entry) -> bool:
    return isinstance(entry, dict) and "b" in entry and "device_id" not in entry


def compact_expanded(devices: list, *, site_id: int) -> list:
    """The upload's entries with each compact one in the long form: its base and device named in full, its
    OIDs absolute, its moved-on counters as [oid, "+", pages]. 409 base_unknown when a base or a position
    names nothing (or more than one result) of this site."""
    compact = [entry for entry in devices if is_compact(entry)]
    for entry in compact:
        _check_compact(entry)
    bases = {prefix: _base_named(prefix, site_id) for prefix in {entry["b"] for entry in compact}}
    device_ids = {}
    for prefix, result_id in bases.items():
        positions = sorted({entry["i"] for entry in compact if entry["b"] == prefix})
        device_ids.update({(prefix, n): device_id for n, device_id in _devices_at(result_id, positions).items()})
    return [_long(entry, bases, device_ids) if is_compact(entry) else entry for entry in devices]


def _check_compact(entry: dict) -> None:
    position, base = entry.get("i"), entry.get("b")
    lists = [entry.get(key, []) for key in ("c", "p", "r")]
    if not (isinstance(position, int) and not isinstance(position, bool) and position >= 0):
        raise AgentApiError("'i' must be the device's position in its base upload.", code="malformed_result")
    if not (isinstance(base, str) and _BASE.fullmatch(base)):
        raise AgentApiError("'b' must be the base's first 12 hex digits.", code="malformed_result")
    if not all(isinstance(items, list) for items in lists):
        raise AgentApiError("'c', 'p' and 'r' must be lists.", code="malformed_result")
    changed, moved, removed = lists
    if not all(isinstance(vb, list) and len(vb) == 3 and isinstance(vb[0], str) for vb in changed):
        raise AgentApiError("A changed varbind must be [oid, type, value].", code="malformed_result")
    if not all(isinstance(vb, list) and len(vb) == 2 and isinstance(vb[0], str) and is_count(vb[1]) for vb in moved):
        raise AgentApiError("A moved-on counter must be [oid, pages].", code="malformed_result")
    if not all(isinstance(oid, str) for oid in removed):
        raise AgentApiError("'r' must list OIDs.", code="malformed_result")


def _base_named(prefix: str, site_id: int) -> str:
    """The one result of the site whose id starts with `prefix` (a range of the unique index)."""
    low, high = uuid.UUID(prefix + "0" * 20), uuid.UUID(prefix + "f" * 20)
    found = DirectiveResult.objects.filter(
        directive__site_id=site_id, public_id__gte=low, public_id__lte=high
    ).values_list("public_id", flat=True)[:2]
    if len(found) != 1:
        raise Conflict(BASE_UNKNOWN, code="base_unknown")
    return str(found[0])


def _devices_at(result_id: str, positions: list[int]) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(_POSITIONS_SQL, [result_id, positions])
        return {n: device_id for n, device_id in cursor.fetchall() if device_id}


def _long(entry: dict, bases: dict[str, str], device_ids: dict) -> dict:
    device_id = device_ids.get((entry["b"], entry["i"]))
    if device_id is None:
        raise Conflict(BASE_UNKNOWN, code="base_unknown")
    changed, moved = _absolute(entry.get("c", [])), _absolute(entry.get("p", []))
    own = {key: value for key, value in entry.items() if key not in COMPACT_KEYS}
    return {
        **own,
        "device_id": device_id,
        "ok": True,
        "base": bases[entry["b"]],
        "changed": changed + [[oid, MOVED_ON, pages] for oid, pages in moved],
        "removed": absolute_oids(entry.get("r", [])),
    }


def _absolute(varbinds: list[list]) -> list[list]:
    oids = absolute_oids([vb[0] for vb in varbinds])
    return [[oid, *vb[1:]] for oid, vb in zip(oids, varbinds, strict=True)]


def absolute_oids(oids: list[str]) -> list[str]:
    """A compact list's OIDs in full. "^k.a.b" is the OID before it (OID_START for the first) without its last
    k arcs, then arcs a.b; any other OID is as written."""
    key = tuple(oids)
    return list(_absolute_oids_kept(key) if len(key) <= KEPT_OID_LISTS_MAX else _absolute_oids(key))


# A fleet's printers of one model send the same short lists of OIDs round after round: each is worked out once
# (only short ones are kept, so what an upload can make this cache hold stays small).
KEPT_OID_LISTS_MAX = 32
MAX_OID_ARCS = 128  # SNMP's limit on an OID's sub-identifiers (RFC 2578)


@lru_cache(maxsize=1024)
def _absolute_oids_kept(oids: tuple[str, ...]) -> tuple[str, ...]:
    return _absolute_oids(oids)


def _absolute_oids(oids: tuple[str, ...]) -> tuple[str, ...]:
    out, previous = [], OID_START
    for oid in oids:
        relative = _RELATIVE.fullmatch(oid)
        if relative:
            arcs = previous.split(".")
            dropped = int(relative.group(1))
            if dropped > len(arcs):
                raise AgentApiError(f"relative OID {oid!r} drops more arcs than it has.", code="malformed_result")
            added = relative.group(2).split(".")[1:]
            if len(arcs) - dropped + len(added) > MAX_OID_ARCS:  # or a few bytes could grow into megabytes
                raise AgentApiError(f"relative OID {oid!r} makes an OID over 128 arcs.", code="malformed_result")
            oid = ".".join(arcs[: len(arcs) - dropped] + added)
        out.append(oid)
        previous = oid
    return tuple(out)
