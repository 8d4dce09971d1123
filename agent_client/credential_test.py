"""The `test` directive: try each credential on each target with one GET of sysDescr and sysObjectID, and say per
target and credential what happened (docs/agent-protocol.md, "Credential tests").

SNMPv1/v2c have no error for a wrong community: the device stays silent, exactly as one that is off does. A
silent community is reported as `wrong_community` only when the device proved in the same test that it is there
and speaks SNMP: another credential got an answer (an SNMPv3 refusal counts), or it answered an SNMPv3 request
for a user no device has, which it refuses with a report before any credential matters. Otherwise: `timeout`.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from agent_client.errors import SnmpAuthError, SnmpError, SnmpTimeout
from agent_client.snmp.codec import Varbind, text_of
from agent_client.snmp.credentials import Credential
from agent_client.snmp.session import SnmpSession, Target
from agent_client.timeutil import now_iso

TEST_OIDS = ("1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0")  # sysDescr, sysObjectID: every SNMP agent has both
PROBE = Credential("probe", "3", user="meterbridge-probe")  # noAuthNoPriv, a user no device is set up with
TEST_CONCURRENCY = 16
# pysnmp's error indications (agent_client/snmp/session.py names them in SnmpAuthError's message) as reasons.
AUTH_REASONS = {
    "UnknownUserName": ("unknown_user", "the device has no SNMPv3 user of that name"),
    "UnknownSecurityName": ("unknown_user", "the device has no SNMPv3 user of that name"),
    "WrongDigest": ("wrong_digest", "wrong authentication key or protocol"),
    "DecryptionError": ("decryption_error", "wrong privacy key or protocol"),
    "UnsupportedSecurityLevel": ("unsupported_security_level", "this user is not set up for that security level"),
    "NotInTimeWindow": ("not_in_time_window", "the device's SNMPv3 clock did not match (engine boots/time)"),
}
BAD_TARGET = {"ip": None, "port": None, "device_id": None, "answers_snmp": False, "error": "not an {ip, port} target"}
SILENT_COMMUNITY = "the device answers SNMP, but not to this community (SNMPv1/v2c say nothing for a wrong one)"
SILENT_V3 = "the device answers SNMP, but ignored this user's request (often a privacy protocol it does not offer)"


async def run_test(params: dict[str, Any], session: SnmpSession) -> dict[str, Any]:
    started = now_iso()
    timeout, retries = float(params.get("timeout", 2.0)), int(params.get("retries", 1))
    credentials = [_credential(item) for item in params.get("credentials") or []]
    slots = asyncio.Semaphore(TEST_CONCURRENCY)
    targets = params.get("targets") or []
    tested = await asyncio.gather(*(_test_target(t, credentials, session, timeout, retries, slots) for t in targets))
    return {"kind": "test", "started_at": started, "finished_at": now_iso(), "targets": list(tested), "errors": []}


def _credential(item: Any) -> Credential | str:
    """The credential, or its id when it cannot be used (an unknown protocol): that one alone reports an error."""
    try:
        return Credential.from_dict(item)
    except (ValueError, TypeError, AttributeError):
        return str(item.get("id", "")) if isinstance(item, dict) else ""


async def _test_target(
    target: Any,
    credentials: list[Credential | str],
    session: SnmpSession,
    timeout: float,
    retries: int,
    slots: asyncio.Semaphore,
) -> dict[str, Any]:
    try:
        ip, port = str(target["ip"]), int(target.get("port") or 161)
    except (KeyError, TypeError, ValueError, AttributeError):
        return {**BAD_TARGET, "results": []}
    out: dict[str, Any] = {"ip": ip, "port": port, "device_id": target.get("device_id")}
    async with slots:  # one target's credentials in turn: a device is asked one thing at a time
        results = [await _try(session, ip, port, cred, timeout, retries) for cred in credentials]
        answers = any(r["status"] in ("ok", "auth_failure") for r in results)
        if not answers and any(r["status"] == "timeout" for r in results):
            answers = await _answers_snmpv3(session, ip, port, timeout, retries)
    for result, cred in zip(results, credentials, strict=True):
        if answers and result["status"] == "timeout" and isinstance(cred, Credential):
            result.update(_silent(cred))
    return {**out, "answers_snmp": answers, "results": results}


async def _try(
    session: SnmpSession, ip: str, port: int, cred: Credential | str, timeout: float, retries: int
) -> dict[str, Any]:
    if not isinstance(cred, Credential):
        return {"credential_id": cred, "status": "error", "message": "the agent cannot use this credential"}
    started = time.monotonic()
    out: dict[str, Any] = {"credential_id": cred.id}
    try:
        varbinds = await session.get(Target(ip, port, cred, timeout, retries), TEST_OIDS)
        out.update(status="ok", message="answered", **_system(varbinds))
    except SnmpAuthError as exc:
        reason, message = _auth_reason(str(exc))
        out.update(status="auth_failure", reason=reason, message=message)
    except SnmpTimeout:
        out.update(status="timeout", message="no answer before the timeout")
    except SnmpError as exc:
        out.update(status="error", reason=exc.code, message=str(exc)[:200])
    out["elapsed_ms"] = int((time.monotonic() - started) * 1000)
    return out


async def _answers_snmpv3(session: SnmpSession, ip: str, port: int, timeout: float, retries: int) -> bool:
    """True when the device refuses (or, oddly, answers) a request for a user it cannot have: it is there."""
    try:
        await session.get(Target(ip, port, PROBE, timeout, retries), TEST_OIDS[:1])
    except SnmpAuthError:
        return True
    except SnmpError:
        return False
    return True


def _silent(cred: Credential) -> dict[str, Any]:
    if cred.is_v3:
        return {"message": SILENT_V3}
    return {"status": "wrong_community", "message": SILENT_COMMUNITY}


def _auth_reason(message: str) -> tuple[str, str]:
    found = re.search(r"\((\w+)\)", message)
    return AUTH_REASONS.get(found.group(1) if found else "", ("auth", "SNMPv3 authentication failed"))


def _system(varbinds: list[Varbind]) -> dict[str, Any]:
    by_oid = {vb[0]: vb for vb in varbinds}
    object_id = by_oid.get(TEST_OIDS[1])
    return {
        "sys_descr": (text_of(by_oid.get(TEST_OIDS[0])) or "")[:255],
        "sys_object_id": str(object_id[2]) if object_id and object_id[1] == "oid" else "",
    }
