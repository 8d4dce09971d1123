"""End to end: "Test" queued in the portal, run by the real agent against the SNMP simulator with real SNMPv3 users
(auth only, auth with privacy), and the outcome of each credential shown per device and per credential."""

from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.models import SnmpCredential
from agents.services.credentials import credential_create
from agents.services.customers import customer_create, site_create
from agents.services.keys import license_key_generate
from meters.models import Device
from meters.services import credential_tests
from meters.services.credential_tests import credential_test_request, device_test_request
from tests.e2e.agent_process import agent_cli
from tests.support.factories import unique
from tests.support.personas import client_for
from tests.support.snmpsim import V3_USERS
from tests.support.waiting import wait_until


def v3(user, **changes) -> dict:
    fields = {
        "version": "3",
        "user": user.user,
        "auth_protocol": user.auth_protocol,
        "auth_key": user.auth_key,
        "priv_protocol": user.priv_protocol or "",
        "priv_key": user.priv_key or "",
    }
    return {**fields, **changes}


def test_the_agent_tests_v3_users_and_communities_and_the_portal_shows_each_outcome(
    committed, portal_server, celery_worker, snmpsim_fleet, tmp_path, monkeypatch
):
    monkeypatch.setattr(credential_tests, "TEST_TIMEOUT", 0.5)  # a silent address: 4 tries of 0.5 s, not of 4 s
    monkeypatch.setattr(credential_tests, "TEST_RETRIES", 0)
    acme = committed["acme"]
    auth_only, auth_priv = V3_USERS
    printer = snmpsim_fleet.printer("ricoh_mpc3002")
    silent = snmpsim_fleet.silent_address()
    with tenant_context(acme.dealer):
        customer = customer_create(name=unique("Credential Test Customer"))
        auth_only_cred = credential_create(customer=customer, label="auth only", **v3(auth_only))
        site = site_create(customer=customer, name="HQ", scan_targets=printer.ip, snmp_port=printer.port)
        priv_cred = credential_create(site=site, label="auth+priv", **v3(auth_priv))
        wrong_community = credential_create(site=site, label="old community", version="2c", community="not-it")
        wrong_key = credential_create(site=site, label="typo", **v3(auth_priv, auth_key="not-the-auth-key"))
        now = timezone.now()
        device = Device.objects.create(
            site=site,
            identity_key=unique("serial:E2E"),
            ip=printer.ip,
            port=printer.port,
            first_seen_at=now,
            last_seen_at=now,
        )
        device_test_request(device=device, requested_by="tech@acme.example")
        credential_test_request(credential=wrong_community, requested_by="tech@acme.example", address=silent)
        site.directives.filter(kind="discover").update(status="cancelled")  # only the test, for speed
        _key, key_text = license_key_generate(site=site)
    config = tmp_path / "agent.toml"
    agent_cli(config, "enroll", "--portal", portal_server, "--key", key_text)
    with tenant_context(acme.dealer):
        site.directives.filter(kind="discover", status="pending").update(status="cancelled")
    agent_cli(config, "run", "--once")

    with tenant_context(acme.dealer):
        tested = wait_until(lambda: Device.objects.filter(pk=device.pk).exclude(last_test={}).first())
        assert tested.last_test["status"] == "ok", tested.last_test
        assert tested.last_test["credential"] == "SNMPv3 mb-authpriv (auth+priv)"
        assert tested.last_test["detail"].startswith("RICOH")
        assert tested.credential_id == priv_cred.pk  # the credential that worked is recorded
        by_credential = {a["credential"]: a["status"] for a in tested.last_test["attempts"]}
        assert by_credential == {
            "SNMPv3 mb-authpriv (auth+priv)": "ok",
            "SNMPv2c community (old community)": "wrong_community",
            "SNMPv3 mb-authpriv (typo)": "auth_failure",
            "SNMPv3 mb-authnopriv (auth only)": "ok",
        }
        tests = {
            c.pk: c.last_test
            for c in SnmpCredential.objects.filter(
                pk__in=[auth_only_cred.pk, priv_cred.pk, wrong_community.pk, wrong_key.pk]
            )
        }
        # Both tests went in one directive: every credential was tried on both addresses.
        auth_only_test = tests[auth_only_cred.pk]
        assert (auth_only_test["status"], auth_only_test["answered"], auth_only_test["tried"]) == ("partial", 1, 2)
        assert tests[wrong_key.pk]["status"] == "auth_failure"
        assert "wrong authentication key" in tests[wrong_key.pk]["detail"]
        # Silent to its community where the printer answers other credentials; just silent where nothing answers.
        outcomes = {t["ip"]: t["status"] for t in tests[wrong_community.pk]["targets"]}
        assert outcomes == {printer.ip: "wrong_community", silent: "timeout"}

        technician = client_for(acme, acme.technician)
        device_page = technician.get(f"/devices/{device.public_id}/").content.decode()
        assert "ok · SNMPv3 mb-authpriv (auth+priv)" in device_page
        site_page = technician.get(f"/sites/{site.public_id}/").content.decode()
        assert "wrong community" in site_page and "authentication failed" in site_page
        assert not any(secret in device_page + site_page for secret in ("not-it", auth_priv.auth_key))
