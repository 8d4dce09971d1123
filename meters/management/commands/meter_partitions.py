from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from meters.services.partitions import partitions_detach, partitions_ensure, partitions_list
from portal.dealers.selectors import dealer_by_code
from portal.lib.tenants import active_dealers


class Command(BaseCommand):
    help = (
        "The monthly partitions of meter history, per dealer (all active dealers unless --dealer). "
        "ensure: create this month (or --since) to --months-ahead and move waiting reads out of DEFAULT (what the "
        "daily task does). "
        "list: partitions and detached months with their rows and size. "
        "detach --before YYYY-MM: turn every month before that one into an ordinary table of the same name "
        "(e.g. meters_meterread_2024_01), kept with its rows for pg_dump; nothing is deleted "
        "(docs/operations-partitions.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["ensure", "list", "detach"])
        parser.add_argument("--dealer", help="only this dealer (its code)")
        parser.add_argument("--months-ahead", type=int, default=3, help="ensure: months to create ahead (default 3)")
        parser.add_argument("--since", help="ensure: also every month from this one, YYYY-MM (before loading history)")
        parser.add_argument("--before", help="detach: the first month kept attached, YYYY-MM")

    def handle(self, *args, action, dealer, months_ahead, since, before, **options):
        first_kept = (
            _month(before, "detach wants --before YYYY-MM (the first month kept)") if action == "detach" else None
        )
        first = _month(since, "--since wants a month, YYYY-MM") if since else None
        for tenant in _dealers(dealer):
            with tenant_context(tenant):
                if action == "ensure":
                    self._report(tenant, "created", partitions_ensure(months_ahead=months_ahead, since=first))
                elif action == "detach":
                    self._report(tenant, "detached", partitions_detach(before=first_kept))
                else:
                    self._list(tenant)

    def _report(self, tenant, verb: str, names: list[str]) -> None:
        self.stdout.write(f"{tenant.code}: {verb} {len(names)}{': ' if names else ''}{', '.join(names)}")

    def _list(self, tenant) -> None:
        self.stdout.write(f"{tenant.code} ({tenant.schema_name}):")
        for p in partitions_list():
            state = "attached" if p.attached else "DETACHED"
            label = f"{p.month:%Y-%m}" if p.month else "default"
            self.stdout.write(f"  {p.name:<32} {label:<8} {state:<8} ~{p.rows:>12,} rows {p.bytes / 2**20:>10.1f} MiB")


def _dealers(code: str | None) -> list:
    if code is None:
        return list(active_dealers())
    tenant = dealer_by_code(code=code)
    if tenant is None:
        raise CommandError(f"No active dealer with the code '{code}'.")
    return [tenant]


def _month(text: str | None, wanted: str) -> date:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"{wanted}, not '{text}'.") from None
