import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from portal.accounts.models import Role, User
from portal.dealers.models import Dealer, Domain
from portal.dealers.services import dealer_url


def test_create_dealer_makes_schema_host_and_first_admin(committed, capsys, settings):
    settings.PORTAL_SCHEME, settings.PORTAL_CENTRAL_URL = "https", "https://localhost:8443"  # not the default :8000
    call_command(
        "create_dealer",
        "gamma-print",
        name="Gamma Print",
        admin_email="Boss@Gamma.example",
        password="a long password 1",
    )
    dealer = Dealer.objects.get(code="gamma-print")
    assert schema_exists(dealer.schema_name)
    assert Domain.objects.get(tenant=dealer).domain == "gamma-print.localhost"
    with schema_context(dealer.schema_name):
        admin = User.objects.get()
        assert (admin.email, admin.role) == ("boss@gamma.example", Role.ADMIN)
        assert admin.check_password("a long password 1")
    assert "sign in at https://gamma-print.localhost:8443/ as Boss@Gamma.example" in capsys.readouterr().out
    assert dealer.time_zone == "UTC"  # none given: the model's default


def test_create_dealer_takes_the_time_zone_the_dealer_works_in(committed, capsys):
    code = f"zone-{uuid.uuid4().hex[:8]}"
    call_command(
        "create_dealer",
        code,
        name="Zone Print",
        admin_email="a@zone.example",
        password="a long pw 123",
        time_zone="europe/berlin",  # typed in lower case: the list's own spelling is stored
    )
    assert Dealer.objects.get(code=code).time_zone == "Europe/Berlin"
    assert "in Europe/Berlin" in capsys.readouterr().out


@pytest.mark.parametrize("zone", ["Mars/Olympus", "CET+1", "", "Factory"])
def test_create_dealer_refuses_a_zone_not_in_the_list_and_creates_nothing(committed, zone):
    code = f"zone-{uuid.uuid4().hex[:8]}"
    with pytest.raises(CommandError, match="is not a time zone name such as Europe/Berlin"):
        call_command(
            "create_dealer",
            code,
            name="No Zone",
            admin_email="a@nozone.example",
            password="a long pw 123",
            time_zone=zone,
        )
    assert not Dealer.objects.filter(code=code).exists() and not schema_exists(f"d_{code.replace('-', '_')}")


@pytest.mark.parametrize(
    ("scheme", "central", "address"),
    [
        ("https", "https://portal.example.com", "https://acme.portal.example.com/"),
        ("http", "http://portal.example.com:80", "http://acme.portal.example.com/"),
        ("http", "http://portal.example.com:8000", "http://acme.portal.example.com:8000/"),
    ],
)
def test_the_sign_in_address_shows_a_port_only_when_it_is_not_the_schemes_own(settings, scheme, central, address):
    settings.PORTAL_BASE_DOMAIN = "portal.example.com"
    settings.PORTAL_SCHEME, settings.PORTAL_CENTRAL_URL = scheme, central
    assert dealer_url("acme") == address


def test_create_dealer_twice_is_a_clear_error(committed):
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_dealer", "acme", name="Acme again", admin_email="x@acme.example", password="a long pw 123")


@pytest.mark.parametrize("code", ["A", "-acme", "acme_corp", "public", "www", "x" * 40])
def test_create_dealer_rejects_bad_codes(committed, code):
    with pytest.raises(CommandError):
        call_command("create_dealer", code, name="Bad", admin_email="x@bad.example", password="a long pw 123")
    assert connection.schema_name == "public"


def test_create_dealer_rejects_a_weak_admin_password(committed):
    with pytest.raises(CommandError, match=r"too short|too common"):
        call_command("create_dealer", "delta", name="Delta", admin_email="x@delta.example", password="short")
    assert not Dealer.objects.filter(code="delta").exists()
