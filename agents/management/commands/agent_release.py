"""`manage.py agent_release publish [--version V]` and `agent_release list`: signed agent releases for self-update."""

import subprocess

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from agents.services.agent_releases import current_version, release_list, release_publish


class Command(BaseCommand):
    help = "Build, sign and store an agent release from this checkout, or list the published ones."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        publish = actions.add_parser("publish", help="build + sign + store (replaces a release of the same version)")
        publish.add_argument("--version", dest="release_version", default="", help="default: agent_client's")
        actions.add_parser("list", help="published releases, newest first")

    def handle(self, *args, action, **options):
        if action == "list":
            self._list()
            return
        try:
            release = release_publish(version=options["release_version"] or None)
        except (ValueError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from None
        except subprocess.CalledProcessError as exc:
            raise CommandError(f"the build failed: {exc.stderr.decode(errors='replace')[-500:]}") from None
        self.stdout.write(f"Published {release.version}: {release.path} sha256 {release.sha256}")

    def _list(self) -> None:
        current = current_version()
        for release in release_list():
            marker = " (current)" if release.version == current else ""
            self.stdout.write(f"{release.version}{marker}  {release.published_at}  sha256 {release.sha256}")
