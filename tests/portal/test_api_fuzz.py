"""Schemathesis against the real portal: whatever the dealer API and the agent API are sent, never a server error,
and every answer is one the OpenAPI schema documents (status, content type, body).

The run has its own dealer, its own gunicorn and its own Celery queue that no worker consumes, so the fuzzed writes
(archived customers, changed meter mappings, revoked keys, uploaded results) never reach another test's data, worker
or mail. A fixed seed, deterministic generation and a bounded number of examples keep it repeatable and short.
"""

import signal
import subprocess
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import schemathesis
from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.support.live import BIN, free_tcp_port, wait_for_port
from tests.support.paths import REPO_ROOT
from tests.support.personas import PASSWORD, TenantClient, client_for

DEALER = "fuzz"
ENROLMENT_PASSWORD = "enrol-" + PASSWORD
SEED = 20260413
EXAMPLES = 10  # per operation, in the fuzzing phase (positive and negative cases)
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
COLLECTIONS = ("customers", "sites", "license-keys", "agents", "directives", "devices", "meter-flags")


@dataclass(frozen=True)
class World:
    """Credentials, and real values that generated requests use most of the time so they reach a view's real work
    rather than stopping at a 404 or at the first validation error."""

    api_token: str
    agent_token: str
    values: dict[str, list[str]]  # dictionary name -> values


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from portal.dealers.services import dealer_create

    with django_db_blocker.unblock():
        dealer = dealer_create(
            code=DEALER,
            name="Fuzz Copiers",
            admin_email=f"admin@{DEALER}.example",
            admin_password=PASSWORD,
            enrollment_password=ENROLMENT_PASSWORD,
        )
        with tenant_context(dealer):
            values = _dealer_side() | _agent_side()
    yield World(api_token=values.pop("api_token")[0], agent_token=values.pop("agent_token")[0], values=values)
    with django_db_blocker.unblock():
        dealer.is_active = False  # later tests' beat fan-outs skip whatever the fuzzing left behind
        dealer.save(update_fields=["is_active"])


def _dealer_side() -> dict[str, list[str]]:
    """What the dealer API is pointed at: its own site and agent, so revoking or archiving them spares the agent's."""
    from agents.services.directives import directive_request
    from agents.services.keys import license_key_generate
    from portal.accounts.models import User
    from portal.accounts.services import api_token_create
    from tests.support.factories import make_agent, make_site

    site = make_site(customer_name="Dealer side")
    key, _text = license_key_generate(site=site)
    agent, _token = make_agent(site=site)
    directive = directive_request(site=site, kind="read")
    device, flag = _device_with_flag(site)
    _api, api_token = api_token_create(user=User.objects.get(email=f"admin@{DEALER}.example"), name="fuzz")
    return {
        "api_token": [api_token],
        "customers": [str(site.customer.public_id)],
        "sites": [str(site.public_id)],
        "license-keys": [str(key.public_id)],
        "agents": [str(agent.public_id)],
        "directives": [str(directive.public_id)],
        "devices": [str(device.public_id)],
        "meter-flags": [str(flag.public_id)],
        "time-zones": ["Europe/Berlin", "UTC", "America/Chicago"],
    }


def _device_with_flag(site):
    from meters.models import Device, MeterFlag, MeterRead

    now = timezone.now()
    device = Device.objects.create(
        site=site,
        identity_key="serial:FUZZ-1",
        serial="FUZZ-1",
        ip="10.9.9.9",
        manufacturer="Konica Minolta",
        model="bizhub C250i",
        first_seen_at=now - timedelta(days=30),
        last_seen_at=now,
        last_read_at=now,
    )
    before = MeterRead.objects.create(
        device=device, read_at=now - timedelta(days=1), values={"total": 5000}, total=5000
    )
    after = MeterRead.objects.create(device=device, read_at=now, values={"total": 12}, total=12, is_flagged=True)
    flag = MeterFlag.objects.create(
        device=device,
        read=after,
        kind="reset",
        meter_kind="total",
        oid="1.3.6.1.2.1.43.10.2.1.4.1.1",
        previous=before.total,
        current=after.total,
        proposed_offset=4988,
        message="total counter went back from 5000 to 12",
    )
    return device, flag


def _agent_side() -> dict[str, list[str]]:
    """An enrolled agent holding a leased directive of each kind, and a key another agent may enrol with."""
    from agents.services.directives import directive_request, directives_lease
    from agents.services.keys import license_key_generate
    from tests.support.factories import make_agent, make_site

    site = make_site(customer_name="Agent side")
    _key, key_text = license_key_generate(site=site)
    agent, token = make_agent(site=site)
    for kind in ("discover", "read", "status"):
        directive_request(site=site, kind=kind)
    return {
        "agent_token": [token],
        "license-key": [key_text],
        "dealer": [DEALER],
        "enrollment-password": [ENROLMENT_PASSWORD],
        "leased": [str(d.public_id) for d in directives_lease(agent=agent)],
        "idempotency-keys": [f"fuzz-result-{n:04d}" for n in range(4)],
    }


@pytest.fixture(scope="module")
def fuzz_portal(live_env, world, tmp_path_factory):
    """gunicorn on the suite's database, sending tasks to a queue of its own that nothing consumes."""
    from portal.celery import app

    port, queue = free_tcp_port(), f"fuzz-{uuid.uuid4().hex[:10]}"
    log = tmp_path_factory.mktemp("fuzz-web") / "web.log"
    env = {**live_env, "MB_CELERY_QUEUE": queue, "PORTAL_CENTRAL_URL": f"http://127.0.0.1:{port}"}
    command = [str(BIN / "gunicorn"), "portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--access-logfile", "-"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for_port(port, process, log)
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: nothing is in flight, no need to wait gracefully
    process.wait(timeout=10)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def config(
    base_url: str, world: World, *, headers: dict, auth: dict, parameters: dict, operations: list, coverage: bool
):
    """Fixed seed, deterministic examples, no example database: the same requests on every run and machine."""
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],  # a loaded machine must not fail the run for slow generation
            "request-timeout": 60,
            "base-url": base_url,
            "headers": headers,
            "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "auth": {"openapi": auth},
            "dictionaries": {name: {"values": values} for name, values in world.values.items()},
            "parameters": {key: {"dictionary": name, "probability": 0.6} for key, name in parameters.items()},
            "operations": operations,
        }
    )


@pytest.fixture
def dealer_api(fuzz_portal, world):
    """As an ERP integration with the dealer admin's API token. Only fuzzing here: the coverage phase's few thousand
    boundary cases over these three dozen operations would take minutes."""
    host, token = {"Host": f"{DEALER}.localhost"}, f"Token {world.api_token}"
    ids = [
        {
            "include-path-regex": f"^/api/v1/{name}/",
            "parameters": {"path.public_id": {"dictionary": name, "probability": 0.8}},
        }
        for name in COLLECTIONS
    ]
    settings = config(
        fuzz_portal,
        world,
        headers=host,
        auth={"apiToken": {"api_key": token}},
        parameters={
            "query.customer": "customers",
            "query.site": "sites",
            "body.customer": "customers",
            "body.site": "sites",
            "body.time_zone": "time-zones",
        },
        operations=ids,
        coverage=False,
    )
    url = f"{fuzz_portal}/api/schema/?format=json"
    return schemathesis.openapi.from_url(url, config=settings, headers={**host, "Authorization": token})


@pytest.fixture
def agent_api(fuzz_portal, world):
    """As an enrolled agent with its bearer token; the coverage phase too, since this API faces the Internet."""
    settings = config(
        fuzz_portal,
        world,
        headers={},
        auth={"agentToken": {"bearer": world.agent_token}},
        parameters={
            "path.directive_id": "leased",
            "header.Idempotency-Key": "idempotency-keys",
            "body.license_key": "license-key",
            "body.dealer": "dealer",
            "body.enrollment_password": "enrollment-password",
            "body.time_zone": "time-zones",
        },
        operations=[],
        coverage=True,
    )
    return schemathesis.openapi.from_url(f"{fuzz_portal}/api/schema/?format=json", config=settings)


@dataclass
class Outcome:
    problems: list[str]  # one per distinct failure, with a curl to replay it
    answered: dict[str, set[int]]  # operation -> status codes seen


def run(schema) -> Outcome:
    """Every operation through the engine the CLI uses (examples, coverage if enabled, fuzzing)."""
    from schemathesis.engine import Status, events, from_schema

    problems: dict[tuple[str, str], str] = {}
    answered: dict[str, set[int]] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.NonFatalError):
            problems[(event.label, "error")] = f"{event.label}: {event.info.title}: {event.info.message}"
        elif isinstance(event, events.FatalError):
            problems[("run", "error")] = f"the run failed: {event.exception!r}"
        elif isinstance(event, events.ScenarioFinished):
            label, recorder = event.recorder.label, event.recorder
            answered.setdefault(label, set()).update(
                i.response.status_code for i in recorder.interactions.values() if i.response is not None
            )
            if event.status == Status.FAILURE:
                for info in (c.failure_info for checks in recorder.checks.values() for c in checks if c.failure_info):
                    problem = f"{label}: {info.failure.title}: {info.failure.message}\n  {info.code_sample}"
                    problems.setdefault((label, info.failure.title), problem)
    return Outcome(list(problems.values()), answered)


def test_the_dealer_api_answers_anything_without_a_server_error(dealer_api):
    outcome = run(dealer_api)
    assert not outcome.problems, "\n\n".join(outcome.problems)
    # The token worked and the ids were real: the run reached the views' work, not only 401s and 404s.
    assert 200 in outcome.answered["GET /api/v1/customers/"]
    assert 200 in outcome.answered["PATCH /api/v1/devices/{public_id}/"]
    assert 201 in outcome.answered["POST /api/v1/sites/"]


def test_the_agent_api_answers_anything_without_a_server_error(agent_api):
    outcome = run(agent_api)
    assert not outcome.problems, "\n\n".join(outcome.problems)
    assert 200 in outcome.answered["POST /agent/v1/heartbeat"]
    assert 200 in outcome.answered["POST /agent/v1/directives/{directive_id}/result"]
    assert 201 in outcome.answered["POST /agent/v1/enroll"]


def test_an_api_address_that_matches_nothing_answers_the_api_error_body(acme):
    dealer = client_for(acme).get("/api/v1/no-such-collection/")
    assert dealer.status_code == 404 and dealer.json()["code"] == "not_found"
    agent = TenantClient(HTTP_HOST="localhost").post("/agent/v1/directives/not-a-directive-id/result")
    assert agent.status_code == 404 and agent.json()["code"] == "not_found"
    page = client_for(acme, acme.viewer).get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
