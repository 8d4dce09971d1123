"""Directives: queued for a site, leased by its agent, answered with a result stored once."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import JSONField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from agents.choices import DirectiveKind, DirectiveStatus
from agents.errors import AgentApiError, Conflict, NotFound
from agents.models import Agent, Directive, DirectiveResult, Site, SnmpCredential
from agents.scan_scope import site_broadcast, site_scan_window
from agents.services.credentials import site_credential_refs, site_credentials
from agents.services.deltas import deltas_check
from agents.services.progress import progress_final
from agents.services.results import result_queue, result_requeue_if_waiting
from agents.services.wakeups import wakeup_publish

MAX_LEASED_PER_POLL = 20


@dataclass(frozen=True)
class StoredResult:
    result: DirectiveResult
    duplicate: bool


def discover_params(*, site: Site, outside_window: bool = False) -> dict:
    """What the site's IT agreed to goes with the sweep (agents/scan_scope.py): the agent checks the window again
    before it sends anything, unless a user chose to scan outside it now (`outside_window`)."""
    window = site_scan_window(site)
    params = {
        "targets": _lines(site.scan_targets),
        "exclude": _lines(site.scan_exclusions),
        "credential_refs": site_credential_refs(site),  # the site's own, then its customer's
        "port": site.snmp_port,
        "timeout": 1.0,
        "retries": 1,
        "concurrency": 256,
        "rate_limit": site.scan_rate_limit,
        "broadcast": site_broadcast(site).on,
        "local_printers": True,
    }
    if window is not None and not outside_window:
        params["window"] = window.as_params()
    return params


def read_scope_params(*, site: Site) -> dict:
    """The never-scan list and packet budget a read or status scan carries, so the agent holds to them too."""
    return {"exclude": _lines(site.scan_exclusions), "rate_limit": site.scan_rate_limit}


def directive_request(*, site: Site, kind: str, params: dict | None = None, requested_by: str = "schedule"):
    """Queues a directive, or returns the one of that kind still pending (an agent that was away gets one)."""
    directive = _directive_queue(site, kind, params, requested_by)
    # Once committed (at once outside a transaction), the site's agent hears of it if it is long-polling
    # (agents.services.wakeups). Registered after the write: in autocommit it runs right here.
    transaction.on_commit(lambda: wakeup_publish(site=site))
    return directive


def _directive_queue(site: Site, kind: str, params: dict | None, requested_by: str) -> Directive:
    given = params is not None
    if params is None:
        params = discover_params(site=site) if kind == DirectiveKind.DISCOVER else {"devices": []}
    pending = Directive.objects.filter(site=site, kind=kind, status=DirectiveStatus.PENDING).first()
    if pending is not None:
        # The newest params win: "read now" after a discovery must read the new devices, and an agent back after
        # a week must not get a week-old device list. A lease taken meanwhile keeps what it leased.
        if given or kind == DirectiveKind.DISCOVER:
            Directive.objects.filter(pk=pending.pk, status=DirectiveStatus.PENDING).update(params=params)
            pending.params = params
        return pending
    try:
        with transaction.atomic():
            return Directive.objects.create(site=site, kind=kind, params=params, requested_by=requested_by)
    except IntegrityError:  # a concurrent request queued it first
        return Directive.objects.get(site=site, kind=kind, status=DirectiveStatus.PENDING)


@transaction.atomic
def directives_lease(*, agent: Agent, now: datetime | None = None) -> list[Directive]:
    """Leases the site's pending (or lease-expired) directives to this agent.

    SKIP LOCKED: two agents of one site polling at once each get different directives, never the same one.
    """
    now = now or timezone.now()
    available = Q(status=DirectiveStatus.PENDING) | Q(status=DirectiveStatus.LEASED, lease_expires_at__lt=now)
    rows = list(
        Directive.objects.select_for_update(skip_locked=True)
        .filter(available, site_id=agent.site_id)
        .order_by("created_at")[:MAX_LEASED_PER_POLL]
    )
    expires = now + timedelta(seconds=settings.AGENT_LEASE_SECONDS)
    for directive in rows:
        directive.status = DirectiveStatus.LEASED
        directive.leased_by = agent
        directive.leased_at = now
        directive.lease_expires_at = expires
        directive.attempts += 1
    Directive.objects.bulk_update(rows, ["status", "leased_by", "leased_at", "lease_expires_at", "attempts"])
    return rows


def directives_requeue_expired(*, now: datetime | None = None) -> int:
    """Expired leases go back to pending, unless a newer one of that kind is already pending."""
    now = now or timezone.now()
    count = 0
    expired = Directive.objects.filter(status=DirectiveStatus.LEASED, lease_expires_at__lt=now)
    for directive in expired.order_by("created_at"):
        try:
            with transaction.atomic():
                _return_to_pending(directive)
            transaction.on_commit(lambda site=directive.site: wakeup_publish(site=site))  # lease-able again
        except IntegrityError:
            directive.status = DirectiveStatus.CANCELLED
            directive.error = "Lease expired; a newer directive of this kind was already queued."
            directive.save(update_fields=["status", "error"])
        count += 1
    return count


def _return_to_pending(directive: Directive) -> None:
    directive.status = DirectiveStatus.PENDING
    directive.leased_by = None
    directive.lease_expires_at = None
    directive.save(update_fields=["status", "leased_by", "lease_expires_at"])


def directive_payload(*, directive: Directive) -> dict:
    """The params as the agent receives them: credential references replaced by the (decrypted) credentials.

    Only credentials the site tries go out, whatever the params say (a reference to a credential since removed,
    or another customer's, is dropped). A read names one credential per device, the one that answered; a device
    whose credential was removed is read with the site's first, until a discovery or a test finds the right one.
    """
    params = dict(directive.params)
    usable = site_credentials(directive.site)
    shown = _Decrypted({credential.pk: credential for credential in usable})
    refs = params.pop("credential_refs", None)
    if refs is not None:
        params["credentials"] = [shown.get(pk) for pk in refs if pk in shown.by_pk]
    if "devices" in params:
        fallback = usable[0].pk if usable else None
        params["devices"] = [_device_with_credential(device, shown, fallback) for device in params["devices"]]
    return params


class _Decrypted:
    """Each credential decrypted once per payload: a read of 500 devices mostly names the same one."""

    def __init__(self, by_pk: dict[int, SnmpCredential]):
        self.by_pk, self._done = by_pk, {}

    def get(self, pk: int) -> dict:
        if pk not in self._done:
            self._done[pk] = self.by_pk[pk].as_directive_credential()
        return self._done[pk]


def _device_with_credential(device: dict, shown: _Decrypted, fallback: int | None) -> dict:
    device = dict(device)
    ref = device.pop("credential_ref", None)
    ref = ref if ref in shown.by_pk else fallback
    device["credential"] = shown.get(ref) if ref is not None else None
    return device


def directive_result_store(*, agent: Agent, directive_id, idempotency_key: str, payload, size: int) -> StoredResult:
    """Stores an upload once. The same Idempotency-Key with the same body again returns the first result:
    acknowledged, not stored (and queued again if its interpretation never started)."""
    directive = Directive.objects.filter(public_id=directive_id, site_id=agent.site_id).first()
    if directive is None:
        raise NotFound("No such directive for this agent's site.", code="directive_not_found")
    canonical = _canonical(payload)
    digest = _digest(canonical)
    existing = DirectiveResult.objects.filter(agent=agent, idempotency_key=idempotency_key).first()
    if existing is not None:
        return _duplicate(existing, digest)
    _check_answerable(directive, agent)
    _check_payload(directive, payload)
    rewritten = deltas_check(agent=agent, payload=payload)
    try:
        with transaction.atomic():
            result = DirectiveResult.objects.create(
                directive=directive,
                agent=agent,
                idempotency_key=idempotency_key,
                payload=payload if rewritten else _as_stored(canonical, payload),
                payload_bytes=size,
                body_sha256=digest,
            )
            result.payload = payload
            _complete(directive, payload)
    except IntegrityError:  # the same upload arrived twice at once
        return _duplicate(DirectiveResult.objects.get(agent=agent, idempotency_key=idempotency_key), digest)
    transaction.on_commit(lambda: result_queue(result))
    return StoredResult(result, duplicate=False)


def body_digest(payload) -> str:
    """The body as parsed, canonically: a retry that re-compresses the same result digests the same."""
    return _digest(_canonical(payload))


def _canonical(payload) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _as_stored(canonical: str, payload):
    """The payload for the INSERT as the canonical text the digest was made from: the same jsonb value (jsonb
    keeps no key order), without serialising a fleet's upload a second time. Text PostgreSQL cannot take (a
    lone surrogate, which the agent API refuses before this) goes the usual way, to be refused as before."""
    if not canonical.isascii():
        try:
            canonical.encode("utf-8")
        except UnicodeEncodeError:
            return payload
    return RawSQL("%s::jsonb", [canonical], output_field=JSONField())


def _duplicate(existing: DirectiveResult, digest: str) -> StoredResult:
    if existing.body_sha256 and existing.body_sha256 != digest:
        raise Conflict(
            "This Idempotency-Key was already used for a different result; make a new key for a new result.",
            code="idempotency_key_reused",
        )
    result_requeue_if_waiting(existing)
    return StoredResult(existing, duplicate=True)


def _check_answerable(directive: Directive, agent: Agent) -> None:
    """Only the lease holder answers, and only once: another agent's late answer would count pages twice."""
    if directive.status == DirectiveStatus.LEASED and directive.leased_by_id not in (None, agent.pk):
        raise Conflict("This directive is leased to another agent of the site.", code="leased_elsewhere")
    if directive.status in (DirectiveStatus.DONE, DirectiveStatus.FAILED):
        raise Conflict("This directive has already been answered.", code="directive_done")
    if directive.status == DirectiveStatus.CANCELLED:
        raise Conflict("This directive was cancelled; a newer one of its kind is queued.", code="directive_cancelled")


def _check_payload(directive: Directive, payload) -> None:
    if not isinstance(payload, dict):
        raise AgentApiError("A result must be a JSON object.", code="malformed_result")
    kind = payload.get("kind")
    if kind is not None and kind != directive.kind:
        raise AgentApiError(f"This directive is a '{directive.kind}', the result says '{kind}'.", code="wrong_kind")


def _complete(directive: Directive, payload: dict) -> None:
    directive.status = DirectiveStatus.DONE
    directive.completed_at = timezone.now()
    directive.progress = progress_final(directive=directive, payload=payload)  # a scan's last word is its result
    directive.save(update_fields=["status", "completed_at", "progress"])


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip() and not line.strip().startswith("#")]
