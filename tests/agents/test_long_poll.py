"""Long polls (`GET /agent/v1/directives?wait=…`): the portal under gunicorn with its production config (threaded
workers) holds an agent's poll, and "Scan now" in another process answers it through Redis pub/sub."""

import json
import signal
import subprocess
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest
from django_tenants.utils import tenant_context

from agents.models import Agent
from tests.support.factories import make_agent, make_site
from tests.support.live import BIN, _stop, free_tcp_port, wait_for_port
from tests.support.paths import REPO_ROOT
from tests.support.personas import api_client_for
from tests.support.redis_server import RedisServer
from tests.support.waiting import wait_until

CONFIG = REPO_ROOT / "deploy" / "portal" / "gunicorn.conf.py"


@dataclass
class LongPollPortal:
    url: str
    wakeup_url: str
    process: subprocess.Popen


def start_portal(live_env, wakeup_url: str, log) -> LongPollPortal:
    """gunicorn as deploy/portal runs it (gthread, long-poll slots from its threads), on the suite's database."""
    port = free_tcp_port()
    env = {
        **live_env,
        "PORTAL_CENTRAL_URL": f"http://127.0.0.1:{port}",
        "AGENT_WAKEUP_URL": wakeup_url,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "12",
    }
    env.pop("AGENT_LONG_POLL_SLOTS", None)
    with log.open("wb") as out:
        command = [str(BIN / "gunicorn"), "--config", str(CONFIG), "portal.wsgi"]
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_for_port(port, process, log)
    return LongPollPortal(f"http://127.0.0.1:{port}", wakeup_url, process)


@pytest.fixture(scope="module")
def long_poll_portal(live_env, _private_redis, tmp_path_factory):
    portal = start_portal(live_env, _private_redis.url(), tmp_path_factory.mktemp("web") / "web.log")
    yield portal
    _stop(portal.process)


@dataclass
class Poll:
    """One agent poll on a thread of its own, as the agent's urllib makes it."""

    url: str
    token: str
    wait: int | None
    status: int | None = None
    body: dict = field(default_factory=dict)
    error: str = ""
    done: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "Poll":
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        query = "" if self.wait is None else f"?wait={self.wait}"
        headers = {"Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(f"{self.url}/agent/v1/directives{query}", headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=90) as answer:  # noqa: S310 - our own test server
                self.status, self.body = answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            self.status, self.body = exc.code, json.loads(exc.read() or b"{}")
        except OSError as exc:
            self.error = repr(exc)
        finally:
            self.done.set()

    def answered(self) -> bool:
        return self.done.is_set()


def quiet_agent(dealer):
    """An agent of a new site with nothing queued: its poll has nothing to lease until someone asks."""
    with tenant_context(dealer):
        site = make_site(customer_name=f"Long poll {uuid.uuid4().hex[:6]}")
        agent, token = make_agent(site=site)
        site.directives.all().delete()
    return site, agent, token


def touched_since(dealer, agent, before) -> bool:
    with tenant_context(dealer):
        seen = Agent.objects.get(pk=agent.pk).last_seen_at
    return seen is not None and seen > before


def test_scan_now_in_another_process_answers_a_held_poll_with_the_discovery(committed, long_poll_portal, settings):
    settings.AGENT_WAKEUP_URL = long_poll_portal.wakeup_url  # this process publishes where the server listens
    acme = committed["acme"]
    site, agent, token = quiet_agent(acme.dealer)
    poll = Poll(long_poll_portal.url, token, wait=55).start()
    wait_until(lambda: touched_since(acme.dealer, agent, agent.last_seen_at))  # the poll has reached the portal

    scan = api_client_for(acme, acme.technician).post(f"/api/v1/sites/{site.public_id}/scan/")

    assert scan.status_code == 202, scan.content
    wait_until(poll.answered, timeout=40)  # well before its 55 s: the wake-up crossed processes
    assert (poll.status, poll.error) == (200, "")
    assert [(d["id"], d["kind"]) for d in poll.body["directives"]] == [(scan.json()["id"], "discover")]
    assert poll.body["max_wait"] == 55 and poll.body["poll_interval"] > 0


def test_a_held_poll_with_nothing_to_do_answers_an_empty_list_after_its_wait(committed, long_poll_portal):
    _site, _agent, token = quiet_agent(committed["acme"].dealer)

    poll = Poll(long_poll_portal.url, token, wait=1).start()

    wait_until(poll.answered, timeout=30)
    assert (poll.status, poll.body["directives"], poll.body["max_wait"]) == (200, [], 55)


def test_a_poll_without_wait_is_answered_at_once_as_before(committed, long_poll_portal):
    site, _agent, token = quiet_agent(committed["acme"].dealer)
    with tenant_context(committed["acme"].dealer):
        from meters.services.plans import read_directive_request

        assert read_directive_request(site=site) is None  # nothing to read yet: still nothing queued

    poll = Poll(long_poll_portal.url, token, wait=None).start()

    wait_until(poll.answered, timeout=30)
    assert poll.status == 200 and poll.body["directives"] == []
    assert {"poll_interval", "directives", "read_schedule", "rotate_token"} <= poll.body.keys()
    assert poll.body["max_wait"] == 55  # it says it could hold one, so a newer agent may ask


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test alone: stopping it, or counting its subscribers, concerns no other server."""
    server = RedisServer(tmp_path / "redis", free_tcp_port())
    server.start()
    yield server
    server.stop()


def test_with_redis_down_a_long_poll_is_answered_at_once_and_scan_now_still_works(
    committed, live_env, own_redis, settings, tmp_path
):
    portal = start_portal(live_env, own_redis.url(), tmp_path / "web.log")
    settings.AGENT_WAKEUP_URL = own_redis.url()
    acme = committed["acme"]
    site, _agent, token = quiet_agent(acme.dealer)
    try:
        with own_redis.down():
            poll = Poll(portal.url, token, wait=55).start()
            wait_until(poll.answered, timeout=30)
            scan = api_client_for(acme, acme.technician).post(f"/api/v1/sites/{site.public_id}/scan/")
            again = Poll(portal.url, token, wait=55).start()
            wait_until(again.answered, timeout=30)
    finally:
        _stop(portal.process)
    assert (poll.status, poll.body["directives"], poll.body["max_wait"]) == (200, [], 0)  # not held: poll plainly
    assert scan.status_code == 202
    assert [d["kind"] for d in again.body["directives"]] == ["discover"]


def test_a_server_shutting_down_answers_its_held_polls_instead_of_cutting_them(
    committed, live_env, own_redis, tmp_path
):
    portal = start_portal(live_env, own_redis.url(), tmp_path / "web.log")
    _site, _agent, token = quiet_agent(committed["acme"].dealer)
    poll = Poll(portal.url, token, wait=55).start()
    with own_redis.client() as client:  # the worker holding the poll made its listener for it: the poll waits
        wait_until(lambda: client.execute_command("PUBSUB", "NUMPAT") >= 1)
    try:
        portal.process.send_signal(signal.SIGTERM)
        wait_until(poll.answered, timeout=30)  # gunicorn's graceful timeout is 30 s, the poll's wait 55 s
    finally:
        _stop(portal.process)
    assert (poll.status, poll.error, poll.body["directives"], poll.body["max_wait"]) == (200, "", [], 0)


@pytest.mark.parametrize("wait", ["soon", "-1", "1.5", "²", "9999999"])
def test_a_wait_that_is_not_whole_seconds_is_a_400_with_a_reason(acme, client, wait):
    _agent, token = make_agent()
    answer = client.get(f"/agent/v1/directives?wait={wait}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 400 and "whole number of seconds" in answer.json()["detail"]


def test_a_single_threaded_process_never_holds_a_poll(acme, client):
    """The in-process client, like gunicorn's sync worker, serves one request at a time: it answers at once."""
    _agent, token = make_agent()
    answer = client.get("/agent/v1/directives?wait=55", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200 and answer.json()["max_wait"] == 0
