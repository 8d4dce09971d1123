"""The demo's data in the portal: a customer and site scanning the simulated fleet, and reads queued often so
the demo's charts move while someone watches. Demo-only, so it lives with the demo and not in an app.

Imports the portal's apps: import it only once Django is set up (portal_cli.main does that first).
"""

from django_tenants.utils import tenant_context

from agents.models import Customer, Site
from agents.services.customers import customer_create, site_create
from agents.services.keys import license_key_generate
from meters.services.plans import read_directive_request
from portal.dealers.models import Dealer
from portal.dealers.selectors import dealer_by_code
from portal.dealers.services import dealer_settings_update
from reports.models import ReportSchedule
from reports.services.schedules import schedule_save


class NoDealer(Exception):
    pass


def demo_dealer(code: str) -> Dealer:
    dealer = dealer_by_code(code=code)
    if dealer is None:
        raise NoDealer(f"No dealer '{code}': run create_dealer first.")
    return dealer


def demo_site_ensure(*, dealer_code: str, targets: str, port: int) -> str:
    """The demo customer and site (made the first time), and a fresh licence key for it: the key's text."""
    dealer = demo_dealer(dealer_code)
    with tenant_context(dealer):
        # Hourly reads, so the demo's charts move while someone looks (real dealers read a few times a day).
        dealer_settings_update(dealer=dealer, notification_emails=["service@demo.example"], read_hours=list(range(24)))
        site = _demo_site(targets, port)
        _key, text = license_key_generate(site=site, label="demo agent")
    return text


def _demo_site(targets: str, port: int) -> Site:
    customer = Customer.objects.filter(name="Northwind Traders").first()
    if customer is None:
        customer = customer_create(
            name="Northwind Traders",
            contact_name="Ada Park",
            contact_email="ada@northwind.example",
            report_emails=["accounts@northwind.example"],
        )
        schedule_save(schedule=ReportSchedule(customer=customer, cadence="weekly", weekday=0, hour=7))
    site = customer.sites.active().first()
    if site is None:
        site = site_create(
            customer=customer,
            name="Head office",
            address="1 Harbour Road",
            time_zone="Europe/London",
            scan_targets=targets,
            snmp_port=port,
        )
    return site


def demo_reads_queue(*, dealer_code: str) -> int:
    """A meter read queued at every active site of the dealer; how many sites got one (a site with a read
    already pending gets none)."""
    with tenant_context(demo_dealer(dealer_code)):
        queued = [read_directive_request(site=site, requested_by="demo") for site in Site.objects.active()]
    return sum(directive is not None for directive in queued)
