from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from agents.models import Customer
from agents.services.customers import customer_create, site_create
from agents.services.keys import license_key_generate
from portal.dealers.selectors import dealer_by_code
from portal.dealers.services import dealer_settings_update
from reports.models import ReportSchedule
from reports.services.schedules import schedule_save


class Command(BaseCommand):
    help = "For `make demo`: a customer and site scanning the simulated fleet; prints a fresh license key."

    def add_arguments(self, parser):
        parser.add_argument("--dealer", default="demo")
        parser.add_argument("--targets", required=True, help="what the site's agent sweeps, e.g. 127.0.1.0/27")
        parser.add_argument("--port", type=int, default=1161)

    def handle(self, *args, dealer, targets, port, **options):
        tenant = dealer_by_code(code=dealer)
        if tenant is None:
            raise CommandError(f"No dealer '{dealer}': run create_dealer first.")
        with tenant_context(tenant):
            # Hourly reads, so the demo's charts move while someone looks (real dealers read a few times a day).
            dealer_settings_update(dealer=tenant, notification_emails=["service@demo.example"],
                                   read_hours=list(range(24)))  # fmt: skip
            site = self._site(targets, port)
            _key, text = license_key_generate(site=site, label="demo agent")
        self.stdout.write(text)

    def _site(self, targets: str, port: int):
        customer = Customer.objects.filter(name="Northwind Traders").first()
        if customer is None:
            customer = customer_create(name="Northwind Traders", contact_name="Ada Park",
                                       contact_email="ada@northwind.example",
                                       report_emails=["accounts@northwind.example"])  # fmt: skip
            schedule_save(schedule=ReportSchedule(customer=customer, cadence="weekly", weekday=0, hour=7))
        site = customer.sites.active().first()
        if site is None:
            site = site_create(customer=customer, name="Head office", address="1 Harbour Road",
                               time_zone="Europe/London", scan_targets=targets, snmp_port=port)  # fmt: skip
        return site
