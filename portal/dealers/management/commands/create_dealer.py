from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.dealers.services import DealerExists, dealer_create, dealer_url
from portal.lib.forms import COMMON_ZONES

ZONES_BY_LOWER = {zone.lower(): zone for zone in COMMON_ZONES}


def zone_named(value: str) -> str:
    """The zone of the settings page's list that `value` names, in any case ("europe/berlin" is Europe/Berlin):
    checked before anything is created, so a typo leaves no half-made dealer."""
    zone = ZONES_BY_LOWER.get(value.strip().lower())
    if zone is None:
        raise CommandError(f"--time-zone '{value}' is not a time zone name such as Europe/Berlin or America/Chicago.")
    return zone


class Command(BaseCommand):
    help = "Create a dealer: its own database schema, its host <code>.<base domain>, and its first admin."

    def add_arguments(self, parser):
        parser.add_argument("code", help="public code: lowercase letters, digits, hyphens (e.g. acme)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--password", required=True, help="the admin's password (10+ characters)")
        parser.add_argument("--enrollment-password", default="", help="for 'Get Licence Key' at a customer's PC")
        parser.add_argument(
            "--time-zone", default="UTC", help="where the dealer works, e.g. Europe/London (new sites start in it)"
        )

    def handle(self, *args, code, name, admin_email, password, enrollment_password, time_zone, **options):
        try:
            dealer = dealer_create(
                code=code,
                name=name,
                admin_email=admin_email,
                admin_password=password,
                enrollment_password=enrollment_password,
                time_zone=zone_named(time_zone),
            )
        except DealerExists as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created dealer {dealer.name} ({dealer.code}), in {dealer.time_zone}"))
        self.stdout.write(f"  sign in at {dealer_url(dealer.code)} as {admin_email}")
