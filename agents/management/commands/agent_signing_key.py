"""`manage.py agent_signing_key create|show-public`: the Ed25519 key that signs agent releases."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from agents.services.agent_signing import public_key_b64, signing_key_create, signing_key_file


class Command(BaseCommand):
    help = "Create the agent release signing key, or print its public half (base64, as built into agents)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["create", "show-public"])

    def handle(self, *args, action, **options):
        try:
            if action == "create":
                self._create()
            else:
                self.stdout.write(public_key_b64())
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

    def _create(self) -> None:
        try:
            path = signing_key_create()
        except FileExistsError:
            raise CommandError(
                f"{signing_key_file()} exists: agents in the field trust it, so it is not replaced."
            ) from None
        self.stdout.write(f"Created {path} (mode 0600). Keep a copy: without it agents take no more updates.")
        self.stdout.write(f"Public key: {public_key_b64()}")
