"""Small factories: real rows through the real services, with unique names."""

import uuid

from agents.services.customers import customer_create, site_create
from agents.services.enrolment import agent_enroll
from agents.services.keys import license_key_generate


def unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


def make_site(*, customer_name: str = "Contoso", site_name: str = "Head office", **site_fields):
    customer = customer_create(name=unique(customer_name), report_emails=["it@contoso.example"])
    site_fields.setdefault("time_zone", "Europe/Berlin")
    return site_create(customer=customer, name=site_name, **site_fields)


def make_agent(*, site=None, hostname: str = "pc-17"):
    """An enrolled agent; returns (agent, token)."""
    site = site or make_site()
    _key, text = license_key_generate(site=site)
    enrolment = agent_enroll(license_key=text, hostname=hostname, os="Linux", agent_version="0.1.0")
    return enrolment.agent, enrolment.token
