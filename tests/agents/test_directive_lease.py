import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from agents.choices import DirectiveStatus
from agents.models import Directive
from agents.services.directives import directive_request, directives_lease, directives_requeue_expired
from tests.support.factories import make_agent, make_site


def test_two_agents_polling_at_once_never_lease_the_same_directive(committed):
    dealer = committed["acme"].dealer
    with tenant_context(dealer):
        site = make_site()
        agents = [make_agent(site=site, hostname=f"pc-{n}")[0] for n in range(2)]
        queued = {directive_request(site=site, kind=kind).pk for kind in ("discover", "read", "status")}
    leased: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def poll(agent):
        try:
            with tenant_context(dealer):
                barrier.wait()
                leased[agent.hostname] = [d.pk for d in directives_lease(agent=agent)]
        finally:
            connection.close()

    threads = [threading.Thread(target=poll, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    first, second = leased["pc-0"], leased["pc-1"]
    assert not set(first) & set(second)
    assert set(first) | set(second) == queued


def test_an_expired_lease_returns_to_pending_and_is_leased_again(acme):
    agent, _token = make_agent()
    directive = directive_request(site=agent.site, kind="read", params={"devices": []})
    assert directives_lease(agent=agent) == [directive]
    assert directives_lease(agent=agent) == []
    later = timezone.now() + timedelta(hours=1)
    assert directives_requeue_expired(now=later) == 1
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.PENDING and directive.leased_by is None
    assert [d.pk for d in directives_lease(agent=agent, now=later)] == [directive.pk]
    directive.refresh_from_db()
    assert directive.attempts == 2


def test_an_expired_lease_is_handed_out_even_before_the_sweep_runs(acme):
    agent, _token = make_agent()
    other, _ = make_agent(site=agent.site, hostname="other-pc")
    directive = directive_request(site=agent.site, kind="discover")
    directives_lease(agent=agent)
    assert directives_lease(agent=other) == []
    later = timezone.now() + timedelta(hours=1)
    assert [d.pk for d in directives_lease(agent=other, now=later)] == [directive.pk]


def test_an_expired_lease_superseded_by_a_newer_pending_one_is_cancelled(acme):
    agent, _token = make_agent()
    old = directive_request(site=agent.site, kind="discover")
    directives_lease(agent=agent)
    new = directive_request(site=agent.site, kind="discover")
    assert new.pk != old.pk
    directives_requeue_expired(now=timezone.now() + timedelta(hours=1))
    statuses = dict(Directive.objects.filter(pk__in=[old.pk, new.pk]).values_list("pk", "status"))
    assert statuses == {old.pk: DirectiveStatus.CANCELLED, new.pk: DirectiveStatus.PENDING}
