"""Uploads an agent set aside: results the portal kept refusing, kept on the agent's disk and reported in its
heartbeat so the dealer sees them (the agents page) and a technician can retry them at the site."""

from agents.models import Agent


def agent_set_aside_record(*, agent: Agent, count: int, detail: list[dict]) -> None:
    """Stores the heartbeat's report as sent (the serializer bounded it); `at` as ISO text for the JSON column."""
    entries = [{**entry, "at": entry["at"].isoformat() if entry.get("at") else None} for entry in detail]
    Agent.objects.filter(pk=agent.pk).update(outbox_set_aside=count, outbox_set_aside_detail=entries)
    agent.outbox_set_aside, agent.outbox_set_aside_detail = count, entries
