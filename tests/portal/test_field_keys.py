"""SNMP secrets at rest: production needs its own field keys, and `rotate_field_keys` moves every secret to a new
one so the old key can be dropped."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from agents.models import SnmpCredential
from agents.services.customers import snmp_credential_add
from tests.support.factories import make_site
from tests.support.paths import REPO_ROOT

COMMUNITY, AUTH_KEY, PRIV_KEY = "c0mmunity-at-rest", "auth-key-at-rest", "priv-key-at-rest"


def production_check(**env) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SECRET_KEY", "FIELD_ENCRYPTION"))}
    environment = {**inherited, "DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "s" * 50}
    command = [sys.executable, "manage.py", "check", "--deploy"]
    return subprocess.run(command, cwd=REPO_ROOT, env={**environment, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_without_field_keys_and_says_how_to_make_one():
    result = production_check()
    assert result.returncode != 0
    assert "Set FIELD_ENCRYPTION_KEYS" in result.stderr and "Fernet.generate_key()" in result.stderr


def test_production_refuses_a_field_key_that_is_not_a_fernet_key():
    result = production_check(FIELD_ENCRYPTION_KEYS=f"{Fernet.generate_key().decode()},not-a-key")
    assert result.returncode != 0 and "entry 2 is not a Fernet key" in result.stderr


def test_production_starts_with_field_keys_read_from_a_file(tmp_path):
    keys = tmp_path / "field-keys"
    keys.write_text(f"{Fernet.generate_key().decode()}\n{Fernet.generate_key().decode()}\n")
    result = production_check(FIELD_ENCRYPTION_KEYS_FILE=str(keys))
    assert result.returncode == 0, result.stderr
    assert "agents.W001" in result.stderr  # no agent release key yet: warned, with how to make one
    assert "agent_signing_key create" in result.stderr


def rotate(*args) -> str:
    out = StringIO()
    try:
        call_command("rotate_field_keys", *args, stdout=out)
    except CommandError as exc:
        return f"{out.getvalue()}\nERROR {exc}"
    return out.getvalue()


def test_rotation_moves_every_secret_to_the_new_key_so_the_old_one_can_go(acme, settings):
    old, new, stranger = (Fernet.generate_key().decode() for _ in range(3))
    settings.FIELD_ENCRYPTION_KEYS = [old]
    site = make_site()
    v2 = snmp_credential_add(site=site, version="2c", community=COMMUNITY)
    v3_keys = {"auth_protocol": "SHA", "auth_key": AUTH_KEY, "priv_protocol": "AES", "priv_key": PRIV_KEY}
    v3 = snmp_credential_add(site=site, version="3", user="mon", **v3_keys)
    lost = snmp_credential_add(site=site, version="2c", community="x")
    SnmpCredential.objects.filter(pk=lost.pk).update(community_encrypted=Fernet(stranger).encrypt(b"x").decode())

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    dry = rotate("--dry-run", "--also-derived-key")  # --also-derived-key: rows other tests stored under the test key
    assert (
        "would re-encrypt" in dry and SnmpCredential.objects.get(pk=v2.pk).community_encrypted == v2.community_encrypted
    )
    report = rotate("--also-derived-key")
    assert f"unreadable: {acme.dealer.schema_name}: SnmpCredential {lost.public_id} community_encrypted" in report
    assert "ERROR 1 stored values could not be decrypted" in report
    assert not any(secret in report for secret in (COMMUNITY, AUTH_KEY, PRIV_KEY, v2.community_encrypted, old, new))

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key removed: everything rotated still decrypts
    assert SnmpCredential.objects.get(pk=v2.pk).as_directive_credential()["community"] == COMMUNITY
    read_v3 = SnmpCredential.objects.get(pk=v3.pk).as_directive_credential()
    assert (read_v3["auth_key"], read_v3["priv_key"]) == (AUTH_KEY, PRIV_KEY)
    with pytest.raises(ValueError):
        SnmpCredential.objects.get(pk=lost.pk).as_directive_credential()

    again = rotate()
    assert "re-encrypted 0 values" in again and "1 unreadable" in again  # a second run changes nothing


def test_rotation_needs_the_keys_listed(acme, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    assert "Set FIELD_ENCRYPTION_KEYS" in rotate()
