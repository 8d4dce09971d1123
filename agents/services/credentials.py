"""SNMP credentials of a customer (all its sites) and of a site: create, edit, remove, reorder, and the list a
site's agent tries. Secrets are encrypted here and nowhere else; a blank secret on an edit keeps the stored one.

The order tried: the site's own credentials in the dealer's order, then its customer's. A new site gets "public"
(v2c, then v1) only when its customer has no credentials of its own (customers.site_create).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils.dateparse import parse_datetime

from agents.choices import AuthProtocol, DirectiveKind, DirectiveStatus, PrivProtocol, SnmpVersion
from agents.models import Customer, Directive, Site, SnmpCredential
from agents.services.wakeups import wakeup_publish
from portal.lib.crypto import encrypt_text

SECRETS = ("community", "auth_key", "priv_key")
PLAIN = ("label", "version", "user", "auth_protocol", "priv_protocol", "context")
MIN_KEY_LENGTH = 8  # RFC 3414 §11.2: a v3 password shorter than 8 characters is refused by the USM
MAX_SECRET_LENGTH = 128
MAX_USER_LENGTH = 32  # RFC 3414: usmUserName is an SnmpAdminString of 1..32 octets
PENDING = (DirectiveStatus.PENDING, DirectiveStatus.LEASED)


class CredentialInvalid(ValueError):
    """What is wrong, per field, in words for the technician (forms and the API answer it as a 400)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Stored:
    """Which secrets a credential holds already: an edit may leave them blank to keep them."""

    community: bool = False
    auth_key: bool = False
    priv_key: bool = False


def credential_create(*, site: Site | None = None, customer: Customer | None = None, **fields) -> SnmpCredential:
    if (site is None) == (customer is None):
        raise CredentialInvalid({"owner": "A credential belongs to exactly one site or one customer."})
    data = _cleaned(fields, Stored())
    with transaction.atomic():
        owner = _owned_by(site=site, customer=customer)
        last = owner.aggregate(last=Max("position"))["last"]
        credential = SnmpCredential(site=site, customer=customer, position=0 if last is None else last + 1)
        _apply(credential, data)
        credential.save()
    return credential


def credential_update(*, credential: SnmpCredential, **fields) -> SnmpCredential:
    """Only the fields given change; a blank secret keeps the stored one (the form never shows it again)."""
    _apply(credential, _update_data(credential, fields))
    credential.save()
    return credential


def credential_check(*, credential: SnmpCredential | None = None, **fields) -> None:
    """Raises CredentialInvalid as creating (or updating `credential`) with these fields would, saving nothing."""
    if credential is None:
        _cleaned(fields, Stored())
    else:
        _update_data(credential, fields)


def _update_data(credential: SnmpCredential, fields: dict) -> dict:
    merged = {name: fields.get(name, _plain_value(credential, name)) for name in PLAIN}
    merged.update({name: fields.get(name) or "" for name in SECRETS})
    return _cleaned(merged, _stored(credential, merged["version"]))


@transaction.atomic
def credential_delete(*, credential: SnmpCredential) -> None:
    """Devices that answered to it keep being read with their site's list (meters.services.plans)."""
    owner = _owned_by(site=credential.site, customer=credential.customer)
    owner.filter(position__gt=credential.position).update(position=F("position") - 1)
    credential.delete()


@transaction.atomic
def credential_move(*, credential: SnmpCredential, position: int) -> SnmpCredential:
    """Moves it to `position` (0 = tried first among its owner's), shifting the others; clamped to the list."""
    owned = _owned_by(site=credential.site, customer=credential.customer)
    rows = list(owned.order_by("position", "pk").select_for_update())  # not Meta's order: it joins the site
    moving = next(row for row in rows if row.pk == credential.pk)
    rows.remove(moving)
    rows.insert(max(0, min(position, len(rows))), moving)
    for index, row in enumerate(rows):
        row.position = index
    SnmpCredential.objects.bulk_update(rows, ["position"])
    credential.position = moving.position
    return credential


def site_credentials(site: Site) -> list[SnmpCredential]:
    """What the site's agent tries, in order: the site's own, then its customer's."""
    rows = SnmpCredential.objects.filter(Q(site=site) | Q(customer_id=site.customer_id))
    return sorted(rows, key=lambda row: (row.site_id is None, row.position, row.pk))


def site_credential_refs(site: Site) -> list[int]:
    return [credential.pk for credential in site_credentials(site)]


def credential_sites(credential: SnmpCredential):
    """The sites that try this credential: its own site, or every active site of its customer."""
    if credential.site_id:
        return Site.objects.filter(pk=credential.site_id)
    return Site.objects.active().filter(customer_id=credential.customer_id)


def credentials_testing(credentials) -> set[int]:
    """Which of these credentials a "test" directive still waits on (queued or with the agent)."""
    pks = {credential.pk for credential in credentials}
    if not pks:
        return set()
    pending = Directive.objects.filter(kind=DirectiveKind.TEST, status__in=PENDING)
    testing: set[int] = set()
    for params in pending.values_list("params", flat=True):
        testing |= pks & set(params.get("credential_refs") or [])
    return testing


def test_directive_request(
    *,
    site: Site,
    targets: list[dict],
    credential_refs: list[int],
    requested_by: str,
    timeout: float = 2.0,
    retries: int = 1,
    scope: dict | None = None,
) -> Directive:
    """Queues a credential test, or adds these targets and credentials to the one still pending for the site
    (one pending directive per kind: a second "Test" click must not drop the first one's devices)."""
    # Once committed, a long-polling agent hears of it at once (as for every directive: services/directives.py).
    transaction.on_commit(lambda: wakeup_publish(site=site))
    with transaction.atomic():
        pending = (
            Directive.objects.select_for_update()
            .filter(site=site, kind=DirectiveKind.TEST, status=DirectiveStatus.PENDING)
            .first()
        )
        if pending is None:
            params = {
                "targets": targets,
                "credential_refs": credential_refs,
                "timeout": timeout,
                "retries": retries,
                **(scope or {}),
            }
            return Directive.objects.create(
                site=site, kind=DirectiveKind.TEST, params=params, requested_by=requested_by
            )
        params = dict(pending.params)
        params["targets"] = _union(params.get("targets") or [], targets, key=_target_key)
        params["credential_refs"] = _union(params.get("credential_refs") or [], credential_refs, key=lambda r: r)
        params["timeout"], params["retries"] = min(timeout, params.get("timeout", timeout)), retries
        params.update(scope or {})  # the site's never-scan list as it is now
        pending.params = params
        pending.save(update_fields=["params"])
        return pending


def _union(first: list, second: list, *, key) -> list:
    merged, seen = list(first), {key(item) for item in first}
    for item in second:
        if key(item) not in seen:
            merged.append(item)
            seen.add(key(item))
    return merged


def _target_key(target: dict) -> tuple:
    return (target.get("ip"), target.get("port"), target.get("device_id"))


def _owned_by(*, site: Site | None, customer: Customer | None):
    return (
        SnmpCredential.objects.filter(site=site)
        if site is not None
        else SnmpCredential.objects.filter(customer=customer, site__isnull=True)
    )


def _plain_value(credential: SnmpCredential, name: str) -> str:
    return {"user": credential.v3_user, "context": credential.v3_context}.get(name, getattr(credential, name, ""))


def _stored(credential: SnmpCredential, version: str) -> Stored:
    """Secrets kept on an edit; a change between community and SNMPv3 keeps none of the other kind's."""
    was_v3, is_v3 = credential.version == SnmpVersion.V3, version == SnmpVersion.V3
    if was_v3 != is_v3:
        return Stored()
    return Stored(
        bool(credential.community_encrypted), bool(credential.auth_key_encrypted), bool(credential.priv_key_encrypted)
    )


def _cleaned(fields: dict, stored: Stored) -> dict:
    data = {name: str(fields.get(name) or "").strip() for name in PLAIN}
    data.update({name: str(fields.get(name) or "") for name in SECRETS})  # secrets as typed: spaces may matter
    data["version"] = data["version"] or SnmpVersion.V2C
    errors = _errors(data, stored)
    if errors:
        raise CredentialInvalid(errors)
    return data


def _errors(data: dict, stored: Stored) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data["version"] not in SnmpVersion.values:
        return {"version": f"'{data['version']}' is not one of {', '.join(SnmpVersion.values)}."}
    if len(data["label"]) > 100:
        errors["label"] = "At most 100 characters."
    for name in SECRETS:
        if len(data[name]) > MAX_SECRET_LENGTH:
            errors[name] = f"At most {MAX_SECRET_LENGTH} characters."
        elif any(ord(char) < 32 for char in data[name]):
            errors[name] = "Control characters (line breaks, tabs) cannot be typed on a printer's panel."
    if data["version"] == SnmpVersion.V3:
        errors.update(_v3_errors(data, stored))
    elif not (data["community"] or stored.community):
        errors["community"] = "A community string is required for SNMPv1/v2c."
    return errors


def _v3_errors(data: dict, stored: Stored) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data["user"]:
        errors["user"] = "SNMPv3 needs a user name."
    elif len(data["user"].encode()) > MAX_USER_LENGTH:
        errors["user"] = f"An SNMPv3 user name has at most {MAX_USER_LENGTH} bytes."
    if len(data["context"]) > 64:
        errors["context"] = "At most 64 characters."
    auth, priv = data["auth_protocol"].upper(), data["priv_protocol"].upper()
    data["auth_protocol"], data["priv_protocol"] = auth, priv
    if auth not in AuthProtocol.values:
        errors["auth_protocol"] = f"'{auth}' is not one of {', '.join(v for v in AuthProtocol.values if v)}."
    if priv not in PrivProtocol.values:
        errors["priv_protocol"] = f"'{priv}' is not one of {', '.join(v for v in PrivProtocol.values if v)}."
    if priv and not auth:
        errors["priv_protocol"] = "Privacy needs authentication: choose an authentication protocol too."
    errors.update(_key_error("auth_key", auth, data["auth_key"], stored.auth_key, "authentication"))
    errors.update(_key_error("priv_key", priv, data["priv_key"], stored.priv_key, "privacy"))
    return errors


def _key_error(name: str, protocol: str, key: str, kept: bool, what: str) -> dict[str, str]:
    if not protocol:
        return {name: f"No {what} protocol is chosen, so there is no {what} key."} if key else {}
    if not key and not kept:
        return {name: f"The {what} key is required with {protocol}."}
    if key and len(key) < MIN_KEY_LENGTH:
        return {name: f"An SNMPv3 {what} key has at least {MIN_KEY_LENGTH} characters."}
    return {}


def _apply(credential: SnmpCredential, data: dict) -> None:
    credential.label, credential.version = data["label"], data["version"]
    if data["version"] != SnmpVersion.V3:
        credential.v3_user = credential.v3_context = credential.auth_protocol = credential.priv_protocol = ""
        credential.auth_key_encrypted = credential.priv_key_encrypted = ""
        credential.community_encrypted = _secret(credential.community_encrypted, data["community"], keep=True)
        return
    credential.community_encrypted = ""
    credential.v3_user, credential.v3_context = data["user"], data["context"]
    credential.auth_protocol, credential.priv_protocol = data["auth_protocol"], data["priv_protocol"]
    credential.auth_key_encrypted = _secret(
        credential.auth_key_encrypted, data["auth_key"], keep=bool(data["auth_protocol"])
    )
    credential.priv_key_encrypted = _secret(
        credential.priv_key_encrypted, data["priv_key"], keep=bool(data["priv_protocol"])
    )


def _secret(stored: str, typed: str, *, keep: bool) -> str:
    """A typed value replaces the stored one; blank keeps it (validation made sure one is stored); a protocol
    no longer chosen drops its key."""
    if not keep:
        return ""
    return encrypt_text(typed) if typed else stored


def credential_title(credential: SnmpCredential) -> str:
    """How a credential is named on pages and in test outcomes: never its secret."""
    if credential.version == SnmpVersion.V3:
        name = f"SNMPv3 {credential.v3_user}"
    else:
        name = f"{SnmpVersion(credential.version).label} community"
    return f"{name} ({credential.label})" if credential.label else name


STATUS_WORDS = {
    "ok": "ok",
    "partial": "ok on some",
    "wrong_community": "wrong community",
    "timeout": "timeout",
    "auth_failure": "authentication failed",
    "error": "error",
}


@dataclass(frozen=True)
class TestOutcome:
    """A stored test result (Device.last_test or SnmpCredential.last_test) as a page shows it."""

    status: str
    words: str
    detail: str
    at: datetime | None
    attempts: list  # a device's: every credential tried, with what it got


def test_outcome(last_test: dict | None) -> TestOutcome | None:
    if not last_test or not last_test.get("status"):
        return None
    status = str(last_test["status"])
    words = STATUS_WORDS.get(status, status)
    if "answered" in last_test and status in ("ok", "partial"):
        tried = last_test["tried"]
        words = f"ok · {last_test['answered']} of {tried} device{'s' if tried != 1 else ''}"
    elif status == "ok" and last_test.get("credential"):
        words = f"ok · {last_test['credential']}"
    try:
        at = parse_datetime(str(last_test.get("at") or ""))
    except ValueError:
        at = None
    attempts = last_test.get("attempts") if isinstance(last_test.get("attempts"), list) else []
    attempts = [{**a, "words": STATUS_WORDS.get(a.get("status"), a.get("status"))} for a in attempts]
    return TestOutcome(status, words, str(last_test.get("detail") or ""), at, attempts)
