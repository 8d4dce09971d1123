import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from agents.models import Site
from meters.services.plans import read_directive_request
from portal.dealers.selectors import dealer_by_code


class Command(BaseCommand):
    help = "For `make demo`: queue a meter read at every demo site every few minutes, so its charts move."

    def add_arguments(self, parser):
        parser.add_argument("--dealer", default="demo")
        parser.add_argument("--every", type=int, default=120, help="seconds between reads")
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, dealer, every, once, **options):
        tenant = dealer_by_code(code=dealer)
        if tenant is None:
            raise CommandError(f"No dealer '{dealer}'.")
        while True:
            with tenant_context(tenant):
                queued = [read_directive_request(site=site, requested_by="demo") for site in Site.objects.active()]
            self.stdout.write(f"queued reads for {sum(d is not None for d in queued)} site(s)")
            if once:
                return
            time.sleep(every)
