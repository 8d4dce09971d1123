"""The same people in every test (healthchecks' hc/test.py idea): two dealers, three roles, one outsider.

Created once per session and committed, so real worker and web-server processes see them too.
"""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

PASSWORD = "a long test password 42"


@dataclass
class DealerPersonas:
    dealer: object
    admin: object
    technician: object
    viewer: object

    @property
    def host(self) -> str:
        return f"{self.dealer.code}.localhost"


def _make_dealer(code: str, name: str) -> DealerPersonas:
    from portal.accounts.models import Role
    from portal.accounts.services import user_create
    from portal.dealers.services import dealer_create

    dealer = dealer_create(
        code=code,
        name=name,
        admin_email=f"admin@{code}.example",
        admin_password=PASSWORD,
        enrollment_password="enrol-" + PASSWORD,
    )
    with schema_context(dealer.schema_name):
        from portal.accounts.models import User

        admin = User.objects.get(email=f"admin@{code}.example")
        tech = user_create(email=f"tech@{code}.example", password=PASSWORD, role=Role.TECHNICIAN)
        viewer = user_create(email=f"viewer@{code}.example", password=PASSWORD, role=Role.VIEWER)
    return DealerPersonas(dealer=dealer, admin=admin, technician=tech, viewer=viewer)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database (always, unlike pytest-django's, which only makes it for `db` users) and personas."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        personas = {"acme": _make_dealer("acme", "Acme Copiers"), "beta": _make_dealer("beta", "Beta Office Systems")}
    yield personas
    with django_db_blocker.unblock():
        connection.close()
        teardown_databases(config, verbosity=0)


@pytest.fixture
def acme(django_db_setup, db) -> DealerPersonas:
    """Dealer A, with the connection inside its schema for the test's own queries."""
    personas = django_db_setup["acme"]
    personas.dealer.refresh_from_db()  # another test may have changed its settings in memory
    connection.set_tenant(personas.dealer)
    yield personas
    connection.set_schema_to_public()


@pytest.fixture
def beta(django_db_setup, db) -> DealerPersonas:
    """Dealer B: the outsider who must never see dealer A's data."""
    return django_db_setup["beta"]


class TenantClient(Client):
    """A test client that leaves the test's own schema as it found it (the middleware switches it per request)."""

    def request(self, **request):
        tenant = getattr(connection, "tenant", None)
        try:
            return super().request(**request)
        finally:
            if tenant is not None:
                connection.set_tenant(tenant)


def client_for(personas: DealerPersonas, user=None, host: str | None = None) -> TenantClient:
    """A browser at `host` (default: the dealer's own), signed in there as `user` if given."""
    client = TenantClient(HTTP_HOST=host or personas.host)
    if user is None:
        return client
    with tenant_context(personas.dealer):
        client.force_login(user)
    connection.set_tenant(personas.dealer)
    return client


def in_schema(personas: DealerPersonas):
    return tenant_context(personas.dealer)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Database access without a wrapping transaction, for data other processes or threads must see.

    Nothing is rolled back or flushed (a flush would empty the shared dealer table): tests using this
    create rows with unique names. The test database is dropped at the end of the session.
    """
    with django_db_blocker.unblock():
        yield django_db_setup
        connection.set_schema_to_public()


def api_client_for(personas: DealerPersonas, user) -> TenantClient:
    """The dealer API as an ERP integration calls it: `Authorization: Token` with the user's personal token."""
    from portal.accounts.services import api_token_create

    with tenant_context(personas.dealer):
        _token, text = api_token_create(user=user, name="erp")
    client = client_for(personas)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {text}"
    return client
