from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.dealers.services import DealerExists, dealer_create, dealer_url


class Command(BaseCommand):
    help = "Create a dealer: its own database schema, its host <code>.<base domain>, and its first admin."

    def add_arguments(self, parser):
        parser.add_argument("code", help="public code: lowercase letters, digits, hyphens (e.g. acme)")
        parser.add_argument("--name", required=True)
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--password", required=True, help="the admin's password (10+ characters)")
        parser.add_argument("--enrollment-password", default="", help="for 'Get Licence Key' at a customer's PC")

    def handle(self, *args, code, name, admin_email, password, enrollment_password, **options):
        try:
            dealer = dealer_create(
                code=code,
                name=name,
                admin_email=admin_email,
                admin_password=password,
                enrollment_password=enrollment_password,
            )
        except DealerExists as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created dealer {dealer.name} ({dealer.code})"))
        self.stdout.write(f"  sign in at {dealer_url(dealer.code)} as {admin_email}")
