"""The "Test" of SNMP credentials (docs/agent-protocol.md, "Credential tests").

Asked per device (the site's credentials, the one it answered to before first) or per credential (against an
address the technician picks, or every known device of each site that uses it), as a `test` directive. The
agent's answer becomes Device.last_test and SnmpCredential.last_test; a device that answered a credential other
than the one on record is read with that one from now on (the credential that worked is recorded).
"""

import ipaddress
import logging

from agents.choices import DirectiveKind, DirectiveStatus
from agents.models import Directive, DirectiveResult, Site, SnmpCredential
from agents.scan_scope import site_exclusions
from agents.services.credentials import credential_sites, credential_title, site_credential_refs, test_directive_request
from agents.services.directives import read_scope_params
from meters.choices import Lifecycle
from meters.models import Device
from meters.services.plans import not_excluded
from portal.lib.ids import is_uuid

log = logging.getLogger(__name__)
STATUSES = ("ok", "auth_failure", "wrong_community", "timeout", "error")
RANK = {"auth_failure": 0, "wrong_community": 1, "timeout": 2, "error": 3}  # the most telling failure first
TEST_TIMEOUT, TEST_RETRIES = 2.0, 1  # per request: a silent device costs (1 + retries) * timeout per credential
MAX_TARGETS = 1000  # a site's whole fleet in one test; the agent tests 16 at a time
WAITING = (DirectiveStatus.PENDING, DirectiveStatus.LEASED)


class TestRefused(ValueError):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def device_test_request(*, device: Device, requested_by: str) -> Directive:
    site = device.site
    _check_site(site)
    if not device.ip:
        raise TestRefused("This device has no known address to test.", "no_address")
    _check_allowed(site, device.ip)
    refs = site_credential_refs(site)
    if not refs:
        raise TestRefused("The site has no SNMP credentials: add one first.", "no_credentials")
    if device.credential_id in refs:  # the one on record first: the usual answer is "still ok"
        refs = [device.credential_id] + [ref for ref in refs if ref != device.credential_id]
    return _queue(site, [_target(device)], refs, requested_by)


def credential_test_request(
    *, credential: SnmpCredential, requested_by: str, address: str = "", site: Site | None = None
) -> list[Directive]:
    """One directive per site tested: the address at the chosen site, or every known device of each site."""
    sites = [s for s in credential_sites(credential) if not s.archived_at]
    if site is not None:
        if site.pk not in {s.pk for s in sites}:
            raise TestRefused("This credential is not tried at that site.", "wrong_site")
        sites = [site]
    if address:
        if len(sites) != 1:
            raise TestRefused("Choose the site whose agent should test this address.", "site_required")
        return [_queue(sites[0], [_address_target(sites[0], address)], [credential.pk], requested_by)]
    directives = []
    for each in sites:
        targets = [_target(device) for device in not_excluded(each, _known_devices(each))]
        if targets:
            directives.append(_queue(each, targets, [credential.pk], requested_by))
    if not directives:
        raise TestRefused("No known devices to test yet: enter the address of a printer.", "no_devices")
    return directives


def device_testing(device: Device) -> bool:
    """A test of this device is queued or with the agent."""
    waiting = Directive.objects.filter(site_id=device.site_id, kind=DirectiveKind.TEST, status__in=WAITING)
    return waiting.filter(params__targets__contains=[{"device_id": str(device.public_id)}]).exists()


def _check_site(site: Site) -> None:
    if site.archived_at:
        raise TestRefused("The site is archived: its agent is switched off.", "archived")


def _check_allowed(site: Site, ip: str) -> None:
    if ip in site_exclusions(site):
        raise TestRefused(f"{ip} is on the site's never-scan list: the agent does not contact it.", "excluded")


def _queue(site: Site, targets: list[dict], refs: list[int], requested_by: str) -> Directive:
    """The never-scan list and packet budget go along: the agent holds a test to them like any directive."""
    return test_directive_request(
        site=site,
        targets=targets,
        credential_refs=refs,
        requested_by=requested_by,
        timeout=TEST_TIMEOUT,
        retries=TEST_RETRIES,
        scope=read_scope_params(site=site),
    )


def _known_devices(site: Site):
    return site.devices.filter(ip__isnull=False).exclude(lifecycle=Lifecycle.RETIRED).order_by("ip")[:MAX_TARGETS]


def _target(device: Device) -> dict:
    return {"ip": device.ip, "port": device.port, "device_id": str(device.public_id)}


def _address_target(site: Site, address: str) -> dict:
    try:
        ip = str(ipaddress.ip_address(address.strip()))
    except ValueError:
        raise TestRefused(f"'{address[:64]}' is not an IP address such as 192.168.1.20.", "bad_address") from None
    _check_allowed(site, ip)
    device = site.devices.filter(ip=ip).order_by("-last_seen_at").first()
    return _target(device) if device else {"ip": ip, "port": site.snmp_port}


def credential_test_ingest(result: DirectiveResult, payload: dict) -> list[str]:
    """Records the outcome on every device and credential tested; returns the problems found in the upload."""
    directive, at = result.directive, result.received_at.isoformat()
    refs = [ref for ref in directive.params.get("credential_refs") or [] if isinstance(ref, int)]
    credentials = {f"c{c.pk}": c for c in SnmpCredential.objects.filter(pk__in=refs)}  # removed since: left out
    targets, errors = _answered_targets(payload, directive, refs)
    devices = _devices(directive.site_id, targets)
    per_credential: dict[str, list[tuple[str, dict]]] = {ident: [] for ident in credentials}
    for target in targets:
        results = [r for r in target["results"] if r["credential_id"] in credentials]
        for entry in results:
            per_credential[entry["credential_id"]].append((str(target.get("ip")), entry))
        device = devices.get(str(target.get("device_id")))
        if device is not None and results:
            _record_device(device, results, credentials, at)
    for ident, outcomes in per_credential.items():
        if outcomes:
            _record_credential(credentials[ident], outcomes, at)
    return errors


def _answered_targets(payload: dict, directive: Directive, refs: list[int]) -> tuple[list[dict], list[str]]:
    """The agent's targets, cleaned; an agent that could not run the test (too old: "unknown directive kind")
    gets its error recorded on everything that was to be tested, so no page waits forever."""
    targets = payload.get("targets") if isinstance(payload.get("targets"), list) else []
    cleaned = [_clean_target(t) for t in targets if isinstance(t, dict)]
    if cleaned or not isinstance(payload.get("errors"), list) or not payload["errors"]:
        return cleaned, []
    first = payload["errors"][0] if isinstance(payload["errors"][0], dict) else {}
    problem = str(first.get("message") or "the agent could not run the test")[:200]
    if first.get("code") == "unsupported":
        problem = "the agent at the site is too old to test credentials: update it"
    failed = [{"credential_id": f"c{ref}", "status": "error", "message": problem} for ref in refs]
    planned = directive.params.get("targets") or []
    return [{**target, "results": failed} for target in planned], [problem]


def _clean_target(target: dict) -> dict:
    results = target.get("results") if isinstance(target.get("results"), list) else []
    return {
        "ip": target.get("ip"),
        "device_id": target.get("device_id"),
        "results": [_clean_result(r) for r in results if isinstance(r, dict)],
    }


def _clean_result(result: dict) -> dict:
    status = result.get("status") if result.get("status") in STATUSES else "error"
    return {
        "credential_id": str(result.get("credential_id") or ""),
        "status": status,
        "message": str(result.get("message") or "")[:200],
        "sys_descr": str(result.get("sys_descr") or "")[:200],
    }


def _devices(site_id: int, targets: list[dict]) -> dict[str, Device]:
    ids = {str(t.get("device_id")) for t in targets if t.get("device_id")}
    valid = [i for i in ids if is_uuid(i)]
    return {str(d.public_id): d for d in Device.objects.filter(site_id=site_id, public_id__in=valid)}


def _record_device(device: Device, results: list[dict], credentials: dict, at: str) -> None:
    attempts = [
        {"credential": credential_title(credentials[r["credential_id"]]), "status": r["status"], "detail": r["message"]}
        for r in results
    ]
    answered = [r for r in results if r["status"] == "ok"]
    best = answered[0] if answered else min(results, key=lambda r: RANK.get(r["status"], 9))
    credential = credentials[best["credential_id"]]
    detail = best["sys_descr"] if answered else best["message"]
    device.last_test = {
        "at": at,
        "status": best["status"],
        "detail": detail,
        "credential": credential_title(credential),
        "credential_id": str(credential.public_id),
        "attempts": attempts,
    }
    fields = ["last_test"]
    if answered and device.credential_id not in {credentials[r["credential_id"]].pk for r in answered}:
        device.credential = credential  # reads use what answered now, not what answered once
        fields.append("credential")
    device.save(update_fields=fields)


def _record_credential(credential: SnmpCredential, outcomes: list[tuple[str, dict]], at: str) -> None:
    answered = sum(1 for _ip, entry in outcomes if entry["status"] == "ok")
    failures = [entry for _ip, entry in outcomes if entry["status"] != "ok"]
    if not failures:
        status, detail = "ok", ""
    else:
        worst = min(failures, key=lambda entry: RANK.get(entry["status"], 9))
        status, detail = ("partial" if answered else worst["status"]), worst["message"]
    targets = [{"ip": ip, "status": entry["status"], "detail": entry["message"]} for ip, entry in outcomes[:50]]
    credential.last_test = {
        "at": at,
        "status": status,
        "detail": detail,
        "answered": answered,
        "tried": len(outcomes),
        "targets": targets,
    }
    credential.save(update_fields=["last_test"])
