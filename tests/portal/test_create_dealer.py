import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from portal.accounts.models import Role, User
from portal.dealers.models import Dealer, Domain


def test_create_dealer_makes_schema_host_and_first_admin(committed, capsys):
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
    assert "gamma-print.localhost" in capsys.readouterr().out


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
